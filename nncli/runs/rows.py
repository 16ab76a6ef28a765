"""Run directories read into rows for ``nncli runs``: never raises, whatever is on disk.

A row is a dict: ``name`` (the path relative to the root), ``path``, ``status``,
``started_at``, ``config`` (the config flattened to dotted keys), ``summary``
(summary.json but its status) and ``problem`` (what is missing or unreadable).
"""

import json
import math
import os
import re
from pathlib import Path

from ..errors import RunError, echo
from . import files as runs
from . import reading
from .liveness import process_gone

FINISHED = ("completed", "stopped_early")
#: the columns every row has, besides its config and summary
BASE_COLUMNS = ("name", "path", "status", "started_at")
#: a sweep directory holds the trials' run directories (and files of its own, which make no run)
SWEEP_FILE = "sweep.yaml"
#: what a status in meta.json can look like (nncli writes running, completed, diverged...)
STATUS_PATTERN = re.compile(r"[a-z_]{1,32}")
#: what a summary.json key (a column of the listing) can look like
KEY_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_.]{0,63}")
#: summary.json keys whose values are numbers (filters and sorting compare them): the
#: metrics of each split, and the counts and times
NUMERIC_KEY_PATTERN = re.compile(r"(train|val|test)_\w+|epochs_run|best_epoch|n_\w+|\w+_seconds")
#: keys a run's config.yaml may have, flattened (nncli writes about 40; each may become a column)
CONFIG_KEYS_LIMIT = 1000
#: keys a summary.json may have (nncli writes about 25)
SUMMARY_KEYS_LIMIT = 1000
#: integers in summary.json are counts (epochs, rows, parameters): 64 bits hold them all
INT_LIMIT = 1 << 63
#: characters of a text value shown in the listing (started_at, a summary's stop_reason)
TEXT_FIELD_LIMIT = 200
#: the value of a key a row does not have (None is a value: a config's ``early_stopping: null``)
ABSENT = object()


def find_runs(root):
    """Run directories under ``root`` (itself included), at any depth, sorted by path.

    A run directory is one holding ``meta.json`` or ``config.yaml`` (whatever they
    are: a directory or a FIFO in their place makes a broken run, not no run);
    its own subdirectories (plots) are not searched.  A sweep directory (one
    holding ``sweep.yaml``) is not a run: its trials, below it, are.
    """
    root = Path(root)
    if not root.is_dir():
        raise RunError(f"no such directory: {root}")
    found = []
    for directory, subdirs, files in os.walk(root):
        entries = set(files) | set(subdirs)
        if (runs.META in entries or runs.CONFIG in entries) and SWEEP_FILE not in files:
            found.append(Path(directory))
            subdirs[:] = []
        else:
            subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
    return sorted(found)


def read_run(path, root):
    """One run's row: never raises; problems go to ``status`` "broken" and ``problem``.

    ``config`` is the flattened config; ``summary`` holds summary.json but its
    status (for a run not finished: only ``epochs_run``, counted in metrics.csv).
    Every file is read as :mod:`nncli.runs.reading` says (regular files only,
    bounded in size and nesting), and every value the listing uses is checked
    for its type, so that one bad run is a row with its reason.
    """
    row = {"name": _name(path, root), "path": str(path), "status": None, "started_at": None,
           "config": {}, "summary": {}, "problem": None}
    problems = []
    meta = _read(reading.read_json, path / runs.META, problems)
    status = _meta_fields(meta, path / runs.META, row, problems)
    if status == "running" and process_gone(meta):
        status = "crashed"  # its process is gone without closing the run (killed, power cut)
    config = _read(reading.read_yaml, path / runs.CONFIG, problems)
    if isinstance(config, dict):
        flat = flatten(config)
        if len(flat) <= CONFIG_KEYS_LIMIT:
            row["config"] = flat
        else:
            problems.append(f"{path / runs.CONFIG} has {len(flat)} keys, over the limit of {CONFIG_KEYS_LIMIT}")
    elif config is not None:
        problems.append(f"{path / runs.CONFIG} is not a mapping")
    if status in FINISHED:
        row["summary"] = _summary(_read(reading.read_json, path / runs.SUMMARY, problems), path / runs.SUMMARY,
                                  problems)
        weights = reading.file_problem(path / runs.WEIGHTS)
        if weights:
            problems.append(weights)
    elif os.path.lexists(path / runs.METRICS):
        row["summary"] = {"epochs_run": _count_rows(path / runs.METRICS, problems)}
    if problems:
        row["problem"] = "; ".join(problems).replace(f"{path}{os.sep}", "")
        if status != "running":
            status = "broken"
    row["status"] = status or "broken"
    return row


def _read(reader, path, problems):
    try:
        return reader(path)
    except RunError as exc:
        problems.append(str(exc))
        return None


def _meta_fields(meta, path, row, problems):
    """The status meta.json gives (None when it gives none that can be used); ``started_at`` into ``row``."""
    if meta is None:
        return None
    if not isinstance(meta, dict):
        problems.append(f"{path} is not a JSON object")
        return None
    started = meta.get("started_at")
    if isinstance(started, str) and len(started) <= TEXT_FIELD_LIMIT:
        row["started_at"] = started
    elif started is not None:
        problems.append(f"{path} started_at is not a time ({echo(started, 24)})")
    status = meta.get("status")
    if isinstance(status, str) and STATUS_PATTERN.fullmatch(status):
        return status
    problems.append(f"{path} status is not a status ({echo(status, 24)})")
    return None


def _summary(summary, path, problems):
    """summary.json without its status, keeping only keys a column can have and plain values."""
    if summary is None:
        return {}
    if not isinstance(summary, dict):
        problems.append(f"{path} is not a JSON object")
        return {}
    if len(summary) > SUMMARY_KEYS_LIMIT:
        problems.append(f"{path} has {len(summary)} keys, over the limit of {SUMMARY_KEYS_LIMIT}")
        return {}
    kept = {}
    for key, value in summary.items():
        if key == "status":
            continue
        if not KEY_PATTERN.fullmatch(key):
            problems.append(f"{path} has a key that is not a name ({echo(key, 24)})")
        elif NUMERIC_KEY_PATTERN.fullmatch(key) and not (value is None or is_number(value)):
            problems.append(f"{path} {key} is not a number")
        elif isinstance(value, int) and not -INT_LIMIT < value < INT_LIMIT:  # means and std need floats
            problems.append(f"{path} {key} is an integer beyond any count nncli writes")
        elif isinstance(value, float) and not math.isfinite(value):
            problems.append(f"{path} {key} is {value} (nncli writes NaN and infinities as null)")
        elif not (value is None or isinstance(value, (int, float))
                  or (isinstance(value, str) and len(value) <= TEXT_FIELD_LIMIT)):
            problems.append(f"{path} {key} is not a number or a short text")
        else:
            kept[key] = value
    return kept


def _count_rows(path, problems):
    """Data rows of metrics.csv (its lines but the header), or None when it cannot be read.

    Counted a megabyte at a time, so a file without line breaks costs no more memory.
    """
    lines, last = 0, b"\n"
    try:
        with reading.open_regular(path, reading.METRICS_LIMIT) as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                lines += chunk.count(b"\n")
                last = chunk[-1:]
    except RunError as exc:
        problems.append(str(exc))
        return None
    except OSError as exc:
        problems.append(f"cannot read {path}: {exc.strerror or exc}")
        return None
    lines += last != b"\n"  # a last line without its line break
    return max(lines - 1, 0)


def _name(path, root):
    relative = os.path.relpath(path, root)
    return path.name if relative == "." else relative


def flatten(config, prefix=""):
    """Nested mappings -> ``{"training.lr": 0.1, "model.hidden": [16, 16], ...}`` (lists kept
    whole, empty mappings left out)."""
    flat = {}
    for key, value in config.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, dotted + "."))
        else:
            flat[dotted] = value
    return flat


def varying_keys(rows):
    """Config keys (but ``name``) whose values are not the same in every row, in first-seen order.

    Rows without a readable config (broken runs) are left out of the comparison.
    """
    rows = [row for row in rows if row["config"]]
    keys = union_keys(row["config"] for row in rows)
    # a key that is null or absent everywhere (early_stopping: null beside its flattened keys) says nothing
    return [k for k in keys if k != "name" and len({canonical(row["config"].get(k, ABSENT)) for row in rows}) > 1
            and any(row["config"].get(k) is not None for row in rows)]


def union_keys(mappings):
    """The keys of all ``mappings``, in first-seen order."""
    keys = {}
    for mapping in mappings:
        keys.update(dict.fromkeys(mapping))
    return list(keys)


def canonical(value):
    """A hashable text standing for a config value (lists and mappings included)."""
    return "<absent>" if value is ABSENT else json.dumps(value, sort_keys=True)


def value_of(row, key):
    """A row's value of a column, summary key or config key; ``ABSENT`` when it has none."""
    if key in BASE_COLUMNS:
        return row[key]
    if key in row["summary"]:
        return row["summary"][key]
    return row["config"].get(key, ABSENT)


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)

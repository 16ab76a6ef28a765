"""Run directories read into rows for ``nncli runs``: never raises, whatever is on disk.

A row is a dict: ``name`` (the path relative to the root), ``path``, ``status``,
``started_at``, ``config`` (the config flattened to dotted keys), ``summary``
(summary.json but its status) and ``problem`` (what is missing or unreadable).
"""

import json
import os
from pathlib import Path

from ..errors import RunError
from . import files as runs
from .liveness import process_gone

FINISHED = ("completed", "stopped_early")
#: the columns every row has, besides its config and summary
BASE_COLUMNS = ("name", "path", "status", "started_at")
#: a sweep directory holds the trials' run directories (and files of its own, which make no run)
SWEEP_FILE = "sweep.yaml"
#: the value of a key a row does not have (None is a value: a config's ``early_stopping: null``)
ABSENT = object()


def find_runs(root):
    """Run directories under ``root`` (itself included), at any depth, sorted by path.

    A run directory is one holding ``meta.json`` or ``config.yaml``; its own
    subdirectories (plots) are not searched.  A sweep directory (one holding
    ``sweep.yaml``) is not a run: its trials, below it, are.
    """
    root = Path(root)
    if not root.is_dir():
        raise RunError(f"no such directory: {root}")
    found = []
    for directory, subdirs, files in os.walk(root):
        if (runs.META in files or runs.CONFIG in files) and SWEEP_FILE not in files:
            found.append(Path(directory))
            subdirs[:] = []
        else:
            subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
    return sorted(found)


def read_run(path, root):
    """One run's row: never raises; problems go to ``status`` "broken" and ``problem``.

    ``config`` is the flattened config; ``summary`` holds summary.json but its
    status (for a run not finished: only ``epochs_run``, counted in metrics.csv).
    """
    row = {"name": _name(path, root), "path": str(path), "status": None, "started_at": None,
           "config": {}, "summary": {}, "problem": None}
    problems = []
    meta = _read(runs.read_json, path / runs.META, problems) or {}
    status = meta.get("status") if isinstance(meta, dict) else None
    row["started_at"] = meta.get("started_at") if isinstance(meta, dict) else None
    if status == "running" and process_gone(meta):
        status = "crashed"  # its process is gone without closing the run (killed, power cut)
    config = _read(runs.read_yaml, path / runs.CONFIG, problems)
    if isinstance(config, dict):
        row["config"] = flatten(config)
    elif config is not None:
        problems.append(f"{path / runs.CONFIG} is not a mapping")
    if status in FINISHED:
        summary = _read(runs.read_json, path / runs.SUMMARY, problems) or {}
        row["summary"] = {k: v for k, v in summary.items() if k != "status"} if isinstance(summary, dict) else {}
        if not (path / runs.WEIGHTS).is_file():
            problems.append(f"{path / runs.WEIGHTS} is missing")
    elif (path / runs.METRICS).is_file():
        row["summary"] = {"epochs_run": _count_rows(path / runs.METRICS)}
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


def _count_rows(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return max(sum(1 for line in handle if line.strip()) - 1, 0)
    except (OSError, UnicodeDecodeError):
        return None



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

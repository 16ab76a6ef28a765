"""``nncli runs``: one row per run directory under a root, for comparing sweeps.

A row holds the run's name, status, start time, epochs run, the config keys
whose values differ between the listed runs, and the final test metrics.
Runs still running, or broken (missing or unreadable files), are listed with
that status; reading a run never raises.
"""

import difflib
import json
import math
import os
import sys
from pathlib import Path

import yaml

from ..csv_text import csv_text as _csv_text
from ..errors import RunError, UsageError
from ..metric_names import HIGHER_IS_BETTER  # (numpy-free: `nncli runs` must start fast)
from . import files as runs
from .liveness import process_gone

FINISHED = ("completed", "stopped_early")
#: what summary.json reports per split (test_auc, test_mse, ...)
METRIC_NAMES = ("loss", "auc", "accuracy", "mse", "mae", "r2")
#: columns every row has (besides the varying config keys and the metrics)
BASE_COLUMNS = ("name", "status", "started_at", "epochs_run")


def find_runs(root):
    """Run directories under ``root`` (itself included), sorted by path.

    A run directory is one holding ``meta.json`` or ``config.yaml``; its own
    subdirectories (plots) are not searched.
    """
    root = Path(root)
    if not root.is_dir():
        raise RunError(f"no such directory: {root}")
    found = []
    for directory, subdirs, files in os.walk(root):
        if runs.META in files or runs.CONFIG in files:
            found.append(Path(directory))
            subdirs[:] = []
        else:
            subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
    return sorted(found)


def read_run(path, root):
    """One run's row: never raises; problems go to ``status`` "broken" and ``problem``."""
    row = {"name": _name(path, root), "path": str(path), "status": None, "started_at": None,
           "epochs_run": None, "config": {}, "metrics": {}, "problem": None}
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
        row["metrics"] = {k: v for k, v in summary.items() if k.startswith("test_")}
        row["epochs_run"] = summary.get("epochs_run")
        if not (path / runs.WEIGHTS).is_file():
            problems.append(f"{path / runs.WEIGHTS} is missing")
    elif (path / runs.METRICS).is_file():
        row["epochs_run"] = _count_rows(path / runs.METRICS)
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
    keys = []
    for row in rows:
        keys.extend(k for k in row["config"] if k not in keys and k != "name")
    return [k for k in keys if len({_canonical(row["config"].get(k, _ABSENT)) for row in rows}) > 1]


_ABSENT = object()


def _canonical(value):
    return "<absent>" if value is _ABSENT else json.dumps(value, sort_keys=True)


def list_runs(root="runs", sort=None, filters=()):
    """Rows of the runs under ``root``, filtered and sorted.

    Parameters
    ----------
    sort : str, optional
        A metric (``test_auc``, or just ``auc``), ``name``, ``status``,
        ``started_at``, ``epochs_run`` or a config key.  Accuracy, AUC and R^2
        sort descending, everything else ascending; missing values last.
    filters : sequence of str
        ``KEY=VALUE``: keep runs whose KEY (a config key, ``status`` or ``name``)
        equals VALUE (parsed as YAML, so ``model.hidden=[16,16]`` works).

    Returns
    -------
    (list of dict, list of str, list of str)
        The rows, the varying config keys and the metric names, in column order.
    """
    root = Path(root)
    rows = [read_run(path, root) for path in find_runs(root)]
    rows.sort(key=lambda row: (row["started_at"] or "", row["name"]))
    for text in filters:
        rows = _filter(rows, text)
    metrics = []
    for row in rows:
        metrics.extend(k for k in row["metrics"] if k not in metrics)
    if sort is not None:
        rows = _sort(rows, sort, metrics)
    params = varying_keys(rows)
    for row in rows:
        row["params"] = {key: row["config"].get(key) for key in params}
    return rows, params, metrics


def _value(row, key):
    if key in BASE_COLUMNS:
        return row[key]
    if key in row["metrics"]:
        return row["metrics"][key]
    return row["config"].get(key, _ABSENT)


def _known_keys(rows):
    keys = list(BASE_COLUMNS) + [f"test_{name}" for name in METRIC_NAMES]
    for row in rows:
        keys.extend(k for k in list(row["metrics"]) + list(row["config"]) if k not in keys)
    return keys


def _unknown(kind, key, rows):
    known = _known_keys(rows)
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return UsageError(f"--{kind} {key}: no listed run has this key{hint}")


def _filter(rows, text):
    key, sep, value_text = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise UsageError(f"--filter needs KEY=VALUE, e.g. training.optimizer=adam (got '{text}')")
    if rows and all(_value(row, key) is _ABSENT for row in rows):
        raise _unknown("filter", key, rows)
    try:
        wanted = yaml.safe_load(value_text) if value_text.strip() else None
    except yaml.YAMLError:
        wanted = value_text
    if key == "name":  # the run's name as the config gives it, or its directory's name
        return [row for row in rows if _matches(row["config"].get("name", _ABSENT), wanted, value_text)
                or _matches(row["name"], wanted, value_text)]
    return [row for row in rows if _matches(_value(row, key), wanted, value_text)]


def _matches(value, wanted, text):
    if value is _ABSENT:
        return False
    if value == wanted or str(value) == text.strip():
        return True
    try:  # numbers written differently: 1e-3 (a string to YAML) and 0.001
        return float(value) == float(text)
    except (TypeError, ValueError):
        return False


def _sort(rows, key, metrics):
    if key in METRIC_NAMES:
        key = f"test_{key}"  # --sort auc means the test AUC
    known = key in BASE_COLUMNS or key in metrics or (key.startswith("test_") and key[len("test_"):] in METRIC_NAMES)
    if not known and rows and all(_value(row, key) is _ABSENT for row in rows):
        raise _unknown("sort", key, rows)
    descending = key.rsplit("_", 1)[-1] in HIGHER_IS_BETTER

    def missing(value):
        return value is _ABSENT or value is None or (isinstance(value, float) and math.isnan(value))

    present = [row for row in rows if not missing(_value(row, key))]
    absent = [row for row in rows if missing(_value(row, key))]
    try:
        present.sort(key=lambda row: _value(row, key), reverse=descending)
    except TypeError:  # mixed types (e.g. lists and numbers): compare their text
        present.sort(key=lambda row: _canonical(_value(row, key)), reverse=descending)
    return present + absent


def as_records(rows):
    """Rows for ``--json``: without the full config, with the varying ``params``."""
    return [{key: row[key] for key in ("name", "path", "status", "started_at", "epochs_run", "params",
                                       "metrics", "problem")} for row in rows]


def table_cells(rows, params, metrics):
    """(header, rows of text cells) for the table and ``--csv``."""
    header = list(BASE_COLUMNS) + params + metrics + ["problem"]
    cells = []
    for row in rows:
        cells.append([_cell(row[k]) for k in BASE_COLUMNS] + [_cell(row["params"].get(k)) for k in params]
                     + [_cell(row["metrics"].get(k)) for k in metrics] + [row["problem"] or ""])
    return header, cells


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.6g}"
    if isinstance(value, (list, dict)):
        return json.dumps(value).replace('"', "")
    return str(value)


def csv_text(rows, params, metrics):
    """The rows as ``--csv`` prints them: the table's columns, every varying config key."""
    return _csv_text(*table_cells(rows, params, metrics))


def render(rows, params, metrics, console):
    """The runs as a rich table (the problem column only when some run has one).

    Names, statuses and test metrics are always shown whole; when the varying
    config keys do not all fit the terminal, the last of them are left out and a
    line on stderr says which (``--csv`` and ``--json`` always have them all).
    Returns the config keys left out.
    """
    from rich.table import Table

    show_problem = any(row["problem"] for row in rows)
    shown = _params_that_fit(rows, params, metrics, show_problem, console.width)
    header, cells = table_cells(rows, shown, metrics)
    table = Table()
    for column in header[:-1] + (["problem"] if show_problem else []):
        numeric = column in metrics or column == "epochs_run"
        table.add_column(column.replace("started_at", "started"), justify="right" if numeric else "left",
                         no_wrap=column not in shown and column != "problem")
    for line in cells:
        line[2] = line[2].replace("T", " ")[:19]  # started_at: date and time are enough
        table.add_row(*(line if show_problem else line[:-1]))
    console.print(table)
    left_out = params[len(shown):]
    if left_out:
        print(f"{len(left_out)} more config keys vary and do not fit: {', '.join(left_out)} "
              "(widen the terminal, or use --csv or --json)", file=sys.stderr)
    return left_out


def _params_that_fit(rows, params, metrics, show_problem, width):
    """The leading varying config keys whose columns fit in ``width`` beside the others."""
    header, cells = table_cells(rows, params, metrics)

    def column_width(i):  # the widest cell, its header, and rich's padding and rule
        return max([len(header[i].replace("started_at", "started"))] + [len(line[i]) for line in cells]) + 3

    base = len(BASE_COLUMNS)
    fixed = 1 + sum(column_width(i) for i in range(base))
    fixed += sum(column_width(base + len(params) + j) for j in range(len(metrics)))
    fixed += column_width(len(header) - 1) if show_problem else 0
    shown = []
    for i, key in enumerate(params):
        fixed += column_width(base + i)
        if fixed > width:
            break
        shown.append(key)
    return shown

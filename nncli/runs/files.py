"""The files of a run directory: their names, written atomically, read back.

Every file is written to a temporary name in the same directory and renamed
into place, so a reader (or a crash) never sees half a file.  Reading them back,
whatever was put in their place, is :mod:`nncli.runs.reading` (text) and
:mod:`nncli.runs.npz` (arrays).
"""

import json
import math
import os
import secrets
from pathlib import Path

from ..csv_text import csv_text

CONFIG = "config.yaml"
META = "meta.json"
METRICS = "metrics.csv"
SUMMARY = "summary.json"
WEIGHTS = "weights.npz"
PREPROCESS = "preprocess.npz"
CHECKPOINT = "checkpoint.npz"


def temporary_name(path):
    """A hidden name next to ``path`` for writing it before it is renamed or linked into place."""
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(3)}.tmp")


def atomic_write(path, write):
    """Call ``write(file)`` on a temporary file next to ``path``, then rename it into place.

    Returns what ``write`` returns.  If it raises, the temporary file is removed
    and ``path`` is left as it was.
    """
    path = Path(path)
    temporary = temporary_name(path)
    try:
        with open(temporary, "wb") as handle:
            result = write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
        return result
    finally:
        if temporary.exists():
            temporary.unlink()


def remove_stale_temporaries(run_dir):
    """Delete temporary files a killed process left behind (their real files are intact)."""
    for leftover in Path(run_dir).glob(".*.tmp"):
        leftover.unlink(missing_ok=True)


def write_text(path, text):
    atomic_write(path, lambda handle: handle.write(text.encode("utf-8")))


def json_safe(value):
    """NaN and infinities are not JSON: write them as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    return value


def write_json(path, data):
    write_text(path, json.dumps(json_safe(data), indent=2) + "\n")


def write_npz(path, arrays):
    import numpy as np

    atomic_write(path, lambda handle: np.savez(handle, **arrays))


def write_csv(path, rows, columns):
    """Rows (dicts) as CSV with a header; missing values and NaN as empty cells."""
    write_text(path, csv_text(columns, ([_csv_cell(row.get(key)) for key in columns] for row in rows)))


def _csv_cell(value):
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    if isinstance(value, float):
        return repr(value)
    return value

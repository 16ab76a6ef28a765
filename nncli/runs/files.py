"""The files of a run directory: their names, written atomically, read back.

Every file is written to a temporary name in the same directory and renamed
into place, so a reader (or a crash) never sees half a file.
"""

import json
import math
import os
import secrets
from pathlib import Path

from ..csv_text import csv_text
from ..errors import RunError

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


def read_json(path):
    """Parsed JSON of ``path``; RunError naming the file if missing or unreadable."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RunError(f"{path} is missing") from None
    except (OSError, ValueError) as exc:
        raise RunError(f"cannot read {path}: {exc}") from None


def read_yaml(path):
    """Parsed YAML of ``path`` (safe loader); RunError naming the file if missing or unreadable."""
    import yaml

    try:
        return yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RunError(f"{path} is missing") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise RunError(f"cannot read {path}: {type(exc).__name__}") from None


def read_npz(path):
    """Arrays of an ``.npz`` file, never unpickling; RunError if missing or broken."""
    import numpy as np

    try:
        with np.load(path, allow_pickle=False) as archive:
            return {key: archive[key] for key in archive.files}
    except FileNotFoundError:
        raise RunError(f"{path} is missing") from None
    except Exception as exc:  # zipfile, ValueError (pickled object arrays), OSError: all unreadable
        raise RunError(f"cannot read {path}: {exc}") from None

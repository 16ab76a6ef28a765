"""Run directories: create them without collisions, write their files atomically, read them back.

Every file is written to a temporary name in the same directory and renamed
into place, so a reader (or a crash) never sees half a file.
"""

import csv
import errno
import io
import json
import math
import os
import secrets
import time
from pathlib import Path

from .errors import RunError

CONFIG = "config.yaml"
META = "meta.json"
METRICS = "metrics.csv"
SUMMARY = "summary.json"
WEIGHTS = "weights.npz"
PREPROCESS = "preprocess.npz"
CHECKPOINT = "checkpoint.npz"


def create_run_dir(runs_root, name, run_dir=None, meta=None):
    """Make a new run directory and return its path.

    With ``run_dir`` that exact directory is used (it must not exist or be empty).
    Otherwise ``<runs_root>/<name>-<YYYYmmdd-HHMMSS>-<4 hex>``; ``os.mkdir`` is
    atomic, so concurrent trainings that draw the same name simply draw again.

    ``meta`` (a dict), when given, becomes the directory's ``meta.json`` before
    anyone else can write one (``claim``): two trainings started at once with
    the same ``run_dir`` may both find it empty, but only one can claim it.
    """
    if run_dir is not None:
        path = Path(run_dir)
        try:
            path.mkdir(parents=True)
        except FileExistsError:
            if not path.is_dir():
                raise RunError(f"run directory {path} exists and is not a directory") from None
            if any(path.iterdir()):
                raise RunError(f"run directory {path} already exists and is not empty") from None
        except OSError as exc:
            raise RunError(f"cannot create run directory {path}: {exc.strerror}") from None
        if meta is not None:
            claim(path / META, meta)
        return path
    root = Path(runs_root)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RunError(f"cannot create runs root {root}: {exc.strerror}") from None
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for _ in range(100):
        path = root / f"{name}-{stamp}-{secrets.token_hex(2)}"
        try:
            path.mkdir()
        except FileExistsError:
            continue
        if meta is not None:
            claim(path / META, meta)
        return path
    raise RunError(f"cannot find a free run directory name under {root}")


def claim(path, data):
    """Write JSON ``data`` to ``path`` whole, unless ``path`` exists: then RunError.

    The file is written under a temporary name and hard-linked to ``path``, which
    fails if ``path`` is there already: never overwritten, never seen half written.
    """
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(3)}.tmp")
    text = (json.dumps(json_safe(data), indent=2) + "\n").encode("utf-8")
    try:
        with open(temporary, "wb") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except OSError as exc:
            if exc.errno not in NO_HARD_LINKS:
                raise
            _create_exclusively(path, text)
    except FileExistsError:
        raise RunError(f"run directory {path.parent} was just taken by another training") from None
    except OSError as exc:
        raise RunError(f"cannot write {path}: {exc.strerror}") from None
    finally:
        temporary.unlink(missing_ok=True)


#: what os.link raises on a file system without hard links
NO_HARD_LINKS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS, errno.EMLINK}


def _create_exclusively(path, text):
    """``claim`` where hard links are missing: exclusive, but briefly empty while written."""
    descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError:
        path.unlink(missing_ok=True)
        raise


def atomic_write(path, write):
    """Call ``write(file)`` on a temporary file next to ``path``, then rename it into place.

    Returns what ``write`` returns.  If it raises, the temporary file is removed
    and ``path`` is left as it was.
    """
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(3)}.tmp")
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
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _csv_cell(row.get(key)) for key in columns})
    write_text(path, buffer.getvalue())


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

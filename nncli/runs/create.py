"""Making a new run directory: a fresh name without collisions, claimed by its ``meta.json``."""

import errno
import json
import os
import secrets
import time
from pathlib import Path

from ..errors import RunError, echo_path
from .files import META, json_safe, temporary_name
from .lock import LOCK


def create_run_dir(runs_root, name, run_dir=None, meta=None, lock=None):
    """Make a new run directory and return its path.

    With ``run_dir`` that exact directory is used (it must not exist or be empty).
    Otherwise ``<runs_root>/<name>-<YYYYmmdd-HHMMSS>-<4 hex>``; ``os.mkdir`` is
    atomic, so concurrent trainings that draw the same name simply draw again.

    ``meta`` (a dict), when given, becomes the directory's ``meta.json`` before
    anyone else can write one (``claim``): two trainings started at once with
    the same ``run_dir`` may both find it empty, but only one can claim it.

    ``lock`` (a ``lock.RunLock``), when given, locks the directory before it is
    claimed, so that no ``--resume`` can take a run a training has just created.
    A directory holding only a lock file (left by a training stopped before
    its claim) counts as empty.
    """
    if run_dir is not None:
        path = Path(run_dir)
        try:
            path.mkdir(parents=True)
        except FileExistsError:
            if not path.is_dir():
                raise RunError(f"run directory {path} exists and is not a directory") from None
            if any(entry.name != LOCK for entry in path.iterdir()):
                raise RunError(f"run directory {path} already exists and is not empty") from None
        except OSError as exc:
            raise RunError(f"cannot create run directory {path}: {exc.strerror}") from None
        if lock is not None:
            lock.acquire(path)
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
        except OSError as exc:  # a root nothing can be made in (read-only, /proc/self, full)
            raise RunError(f"cannot create a run directory in {root}: {exc.strerror or exc}") from None
        if lock is not None:
            lock.acquire(path)
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
    temporary = temporary_name(path)
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
        raise RunError(f"cannot write {echo_path(path)}: {exc.strerror}") from None
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

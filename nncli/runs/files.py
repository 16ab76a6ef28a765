"""The files of a run directory: their names, written atomically, read back.

Every file is written to a temporary name in the same directory and renamed
into place, so a reader (or a crash) never sees half a file.  A run file that
is a symbolic link is replaced by the new file, never written through.  An
output the user names (``-o FILE``) follows other rules: see ``write_output``.

Temporary names hold the writer's pid, so a cleanup removes only those of
processes that are gone, never another's write in progress; the ones this
process has open are known, so an interrupted command removes them on its way out.
Reading them back, whatever was put in their place, is :mod:`nncli.runs.reading`
(text) and :mod:`nncli.runs.npz` (arrays).
"""

import errno
import json
import math
import os
import secrets
import stat
from pathlib import Path

from ..csv_text import csv_text
from ..errors import RunError, echo_path

CONFIG = "config.yaml"
META = "meta.json"
METRICS = "metrics.csv"
SUMMARY = "summary.json"
WEIGHTS = "weights.npz"
PREPROCESS = "preprocess.npz"
CHECKPOINT = "checkpoint.npz"


#: temporary files this process is writing now (removed by ``remove_own_temporaries``)
_OWN_TEMPORARIES = set()


#: why a write can fail that the user fixes (a full disk, a quota, a read-only file system, permissions)
CANNOT_WRITE = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG, errno.EIO, errno.EACCES, errno.EPERM,
                errno.EISDIR}  # EISDIR: a directory where the file goes


def temporary_name(path):
    """A hidden name next to ``path`` for writing it before it is renamed or linked into place:
    ``.<name>.<pid>.<6 hex>.tmp``, unique to this process and this write."""
    path = Path(path)
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(3)}.tmp")


def atomic_write(path, write, durable=True):
    """Call ``write(file)`` on a temporary file next to ``path``, then rename it into place.

    Returns what ``write`` returns.  If it raises, the temporary file is removed
    and ``path`` is left as it was.  Whatever ``path`` is (a symbolic link, a
    FIFO), it is replaced, never written through: this is how run files are written.
    ``durable``: the data reaches the disk before the rename (``fsync``); pictures,
    which can be drawn again, skip it (some 12 ms a file on a slow disk).
    """
    path = Path(path)
    temporary = temporary_name(path)
    _OWN_TEMPORARIES.add(temporary)
    try:
        with open(temporary, "xb") as handle:  # exclusive: never through a link planted at that name
            result = write(handle)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(temporary, path)
        return result
    except OSError as exc:
        if exc.errno not in CANNOT_WRITE:
            raise
        # a full disk, a quota, a read-only file system: one line naming the file, not an internal error
        raise RunError(f"cannot write {echo_path(path)}: {exc.strerror}") from None
    finally:
        temporary.unlink(missing_ok=True)
        _OWN_TEMPORARIES.discard(temporary)


def write_output(path, write):
    """Write a file the user named (``-o FILE``): call ``write(file)``; return what it returns.

    A character device, FIFO or socket (or a symbolic link to one: ``/dev/null``,
    a named pipe), and anything reached through ``/dev`` or ``/proc``
    (``/dev/stdout`` is the shell's stdout, even when that is a file) is opened
    and written to directly, never replaced by a file.  Another symbolic link (to
    a regular file, or to a file not there yet) is followed: its target is
    written atomically, the link stays.  Anything else is written atomically in
    place, as ``atomic_write`` does.
    """
    path = Path(path)
    try:
        mode = os.stat(path).st_mode  # follows links
    except OSError:
        mode = None  # not there (yet), or unreachable: atomic_write reports why
    special = mode is not None and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))
    if special or (mode is not None and _through_system_files(path)):
        # appending: no effect on a device or pipe, and `-o /dev/stdout >> file` appends as the shell asked
        with open(path, "ab") as handle:
            return write(handle)
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    return atomic_write(path, write)


def _through_system_files(path):
    """Whether ``path`` or a link on the way to its target lies in ``/dev`` or ``/proc``."""
    hops = [os.path.abspath(path)]
    for _ in range(40):  # the kernel's own limit on links in a row
        if not os.path.islink(hops[-1]):
            break
        hops.append(os.path.join(os.path.dirname(hops[-1]), os.readlink(hops[-1])))
    return any(hop.startswith(("/dev/", "/proc/")) for hop in hops)


def remove_own_temporaries():
    """Delete the temporary files this process is writing (an interrupted command on its way out)."""
    for temporary in list(_OWN_TEMPORARIES):
        try:
            temporary.unlink(missing_ok=True)
        except OSError:
            pass
        _OWN_TEMPORARIES.discard(temporary)


def remove_stale_temporaries(run_dir):
    """Delete temporary files that processes now gone left behind (their real files are intact).

    A temporary of a process still running (say ``nncli export`` writing into
    the run directory) is left alone: its name holds its writer's pid.
    """
    for leftover in Path(run_dir).glob(".*.tmp"):
        if leftover in _OWN_TEMPORARIES or _writer_alive(leftover.name):
            continue
        leftover.unlink(missing_ok=True)


def _writer_alive(name):
    """Whether the process named in a temporary name ``.<name>.<pid>.<hex>.tmp`` still runs."""
    parts = name.rsplit(".", 3)
    if len(parts) != 4 or not parts[1].isdigit():
        return False  # not a name nncli makes: nobody is writing it
    pid = int(parts[1])
    if pid == os.getpid():
        return False  # not one of ours in progress (those are in _OWN_TEMPORARIES)
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except (ProcessLookupError, OverflowError, ValueError):
        return False
    except OSError:  # PermissionError: it exists, as another user's process
        return True
    return True


def own_directory(path):
    """``path``, a directory inside a run (or sweep) directory, made if missing: RunError if it
    is a symbolic link (nncli never writes through one to a folder elsewhere) or not a directory."""
    path = Path(path)
    if path.is_symlink():
        raise RunError(f"{path} is a symbolic link; nncli writes only inside the run directory: "
                       "remove the link (a real directory there is fine)")
    try:
        path.mkdir(exist_ok=True)
    except FileExistsError:
        raise RunError(f"{path} exists and is not a directory") from None
    except OSError as exc:
        raise RunError(f"cannot create {path}: {exc.strerror}") from None
    return path


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

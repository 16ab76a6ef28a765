"""The lock a training holds on its run directory, so that two processes never train one run.

``RUN_DIR/.lock`` is locked with ``flock`` while a process trains the run (a new
training from the moment it creates the directory, ``--resume`` before it reads
anything).  The kernel releases the lock when the process ends, however it ends,
so a run whose trainer was killed (even by SIGKILL) is free at once.  The file
holds the holder's pid, for the message of whoever is refused.  It is never
deleted: a process that deleted it could lock a new file while another still
held the old one.
"""

import errno
import os
import stat
from pathlib import Path

from ..errors import RunError

LOCK = ".lock"

#: what flock raises on a file system without locks: training goes on unlocked there
NO_LOCKS = {errno.ENOLCK, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS}


class RunLock:
    """An exclusive lock on one run directory, held until ``release()`` (or the ``with``
    block's end, or the process's end).

    >>> with RunLock() as lock:
    ...     lock.acquire(run_dir)   # RunError if another process trains it
    """

    def __init__(self):
        self._descriptor = None
        self.inherited = False

    def acquire(self, run_dir):
        """Lock ``run_dir``; RunError (exit 2) if another process holds it.

        Sets ``inherited`` when the lock file was there already: the process that
        made it (a training of this run) has ended, since its lock is free.
        """
        import fcntl

        if self._descriptor is not None:
            return
        path = Path(run_dir) / LOCK
        existed = os.path.lexists(path)
        try:
            # never through a symbolic link, never blocking on a FIFO planted there
            descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK, 0o644)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise RunError(f"{path} is a symbolic link; remove it to train this run") from None
            raise RunError(f"cannot lock {path}: {exc.strerror}") from None
        try:
            if not stat.S_ISREG(os.fstat(descriptor).st_mode):
                raise RunError(f"{path} is not a regular file; remove it to train this run")
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _holder(descriptor)
                raise RunError(f"{Path(run_dir)} is being trained by another process{holder}; "
                               "wait for it to end or stop it first") from None
            except OSError as exc:
                if exc.errno not in NO_LOCKS:
                    raise RunError(f"cannot lock {path}: {exc.strerror}") from None
            # one fixed-width record written over the last holder's: no truncation to journal
            os.pwrite(descriptor, f"{os.getpid():<19}\n".encode("ascii"), 0)
        except BaseException:
            os.close(descriptor)
            raise
        self._descriptor, self.inherited = descriptor, existed

    def release(self):
        """Unlock (closing the file releases the lock); the lock file stays."""
        if self._descriptor is not None:
            os.close(self._descriptor)
            self._descriptor = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.release()


def _holder(descriptor):
    """`` (pid N)`` from the lock file of the process holding it, or nothing."""
    try:
        text = os.pread(descriptor, 32, 0).decode("ascii").strip()
    except (OSError, UnicodeDecodeError):
        return ""
    return f" (pid {text})" if text.isdigit() else ""

"""Where matplotlib keeps its font cache when the home directory is not writable.

matplotlib keeps its configuration and font cache in ``~/.config/matplotlib`` and
``~/.cache/matplotlib`` (``~/.matplotlib`` off Linux).  When it cannot write there
(a read-only or missing ``$HOME``, as in containers and CI), it makes a fresh
temporary directory for every process and prints a two-line warning about it.
nncli then points ``MPLCONFIGDIR`` at one private directory of its own in the
system's temporary directory (``nncli-matplotlib-<uid>``, mode 0700), so the
warning goes and the font cache is built once, not in every process.  Nothing
else is written outside the run directory.  A ``MPLCONFIGDIR`` the user set is
always left alone.  Standard library only: called before matplotlib is imported.
"""

import os
import stat
import sys
from pathlib import Path

PRIVATE_NAME = "nncli-matplotlib"


def default_dirs():
    """The directories matplotlib would use without ``MPLCONFIGDIR``; [] when there is no home."""
    try:
        home = Path.home()
    except (RuntimeError, KeyError):
        return []
    if sys.platform.startswith(("linux", "freebsd")):
        config = os.environ.get("XDG_CONFIG_HOME") or str(home / ".config")
        cache = os.environ.get("XDG_CACHE_HOME") or str(home / ".cache")
        return [Path(config) / "matplotlib", Path(cache) / "matplotlib"]
    return [home / ".matplotlib"]


def writable(path):
    """Whether matplotlib can use ``path``: a writable directory, or one it can create
    (its nearest existing ancestor is a writable directory).  Nothing is created here."""
    path = Path(os.path.abspath(path))
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate.is_dir() and os.access(candidate, os.W_OK | os.X_OK)
    return False


def private_dir():
    """``<tmp>/nncli-matplotlib-<uid>``, made private (0700) if new; None when it is not
    this user's own real directory (someone else's, or a symlink) or cannot be made."""
    import tempfile  # only here: the check above runs at every start of nncli, and must stay cheap

    uid = os.getuid() if hasattr(os, "getuid") else None
    path = Path(tempfile.gettempdir()) / f"{PRIVATE_NAME}-{uid if uid is not None else 'user'}"
    try:
        path.mkdir(mode=0o700, exist_ok=True)
        info = path.lstat()
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or (uid is not None and info.st_uid != uid):
        return None
    if uid is not None and stat.S_IMODE(info.st_mode) & 0o077:
        return None  # readable or writable by others: a cache there could be tampered with
    return path


def ensure_writable_config_dir():
    """Set ``MPLCONFIGDIR`` to ``private_dir()`` when matplotlib's default directories
    cannot be written (and the user set none); returns the directory set, or None."""
    if os.environ.get("MPLCONFIGDIR"):
        return None
    defaults = default_dirs()
    if defaults and all(writable(path) for path in defaults):
        return None
    path = private_dir()
    if path is None:
        return None  # matplotlib falls back to a temporary directory of its own (and says so)
    os.environ["MPLCONFIGDIR"] = str(path)
    return path

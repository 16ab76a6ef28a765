"""Is this a run directory?  The one check every command taking a RUN_DIR makes
first (evaluate, predict, plot, export, train --resume), so that a folder of runs,
a file or a typo gets a message saying so, not "config.yaml not found"."""

import os
from pathlib import Path

from ..errors import RunError
from .files import CONFIG, META

#: entries looked at when counting the runs inside a folder that is not one (for the hint)
SCAN_LIMIT = 10_000


def check_run_dir(run_dir):
    """``run_dir`` as a Path, if it is a run directory (one holding config.yaml); RunError otherwise.

    The message says what it is instead: missing, not a directory, a run whose
    config.yaml is gone, or a folder that holds runs (naming one, and ``nncli runs``).
    """
    path = Path(run_dir)
    if not path.exists():
        raise RunError(f"run directory not found: {path}")
    if not path.is_dir():
        raise RunError(f"{path} is not a directory; give a run directory (one that nncli train made)")
    if os.path.lexists(path / CONFIG):
        return path
    if os.path.lexists(path / META):
        raise RunError(f"{path} was stopped before its config.yaml was written (it has only a meta.json): "
                       "there is nothing to resume or read; train the config again")
    inside = runs_inside(path)
    if not inside:
        raise RunError(f"{path} is not a run directory (no config.yaml); give a directory that nncli train made")
    more = f" and {len(inside) - 1} more" if len(inside) > 1 else ""
    raise RunError(f"{path} is not a run directory (no config.yaml); it holds runs, such as {inside[0]}{more}: "
                   f"give one of them (nncli runs {path} lists them)")


def runs_inside(folder):
    """Run directories just below ``folder`` or one level further (the trials of a sweep), sorted.

    Looks at no more than ``SCAN_LIMIT`` entries, so a folder such as ``/`` costs nothing.
    """
    found, seen = [], 0
    pending = [(Path(folder), 0)]
    while pending and seen < SCAN_LIMIT:
        directory, depth = pending.pop()
        try:
            entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
        except OSError:
            continue
        for entry in entries[: SCAN_LIMIT - seen]:
            seen += 1
            try:
                if entry.name.startswith(".") or not entry.is_dir(follow_symlinks=False):
                    continue
            except OSError:
                continue
            child = Path(entry.path)
            if os.path.lexists(child / CONFIG):
                found.append(child)
            elif depth == 0:
                pending.append((child, 1))
    return sorted(found)

"""Whether the process that is training a run is still there (a run whose
``meta.json`` says "running" may have been killed without closing it)."""

import os
import platform


def process_gone(meta):
    """True only when the run's training process is known to be gone: ``meta``'s
    ``pid`` names no process on this host.  A run trained on another host, or with
    no usable pid, or on a system without signal 0, counts as possibly alive."""
    pid = meta.get("pid")
    if os.name != "posix" or not isinstance(pid, int) or pid <= 0:
        return False
    if meta.get("host", platform.node()) != platform.node():
        return False
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except OSError:  # PermissionError: it exists, as another user's process
        return False
    return False

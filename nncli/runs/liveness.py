"""Whether the process that is training a run is still there (a run whose
``meta.json`` says "running" may have been killed without closing it).

One probe answers alive, gone or unknown; ``nncli runs`` calls a run crashed only
when its process is known to be gone, and ``--resume`` refuses only a run whose
process is known to be alive."""

import os
import platform


def _probe(meta):
    """True (alive), False (gone) or None (unknown: another host, no usable pid, no signal 0)."""
    pid = meta.get("pid")
    if os.name != "posix" or not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        return None
    if meta.get("host", platform.node()) != platform.node():
        return None
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except OverflowError:  # a pid no process can have
        return False
    except OSError:  # PermissionError: it exists, as another user's process
        return True
    return True


def process_gone(meta):
    """True only when the run's training process is known to be gone."""
    return _probe(meta) is False


def process_alive(meta):
    """True only when the run's training process is known to be still there."""
    return _probe(meta) is True

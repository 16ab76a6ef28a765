"""Ctrl-C and SIGTERM as a request to stop cleanly: the first asks, a second insists."""

import contextlib
import signal
import sys
import threading


@contextlib.contextmanager
def stop_on_signals(request_stop, message):
    """While inside: the first SIGINT or SIGTERM calls ``request_stop()`` and prints ``message``
    on stderr; a second raises KeyboardInterrupt (stop at once).  Outside the main thread,
    where Python cannot take signals, nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    asked = []

    def handler(signum, frame):
        if asked:
            raise KeyboardInterrupt
        asked.append(signum)
        request_stop()
        print(message, file=sys.stderr, flush=True)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)

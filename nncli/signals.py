"""Ctrl-C and SIGTERM as a request to stop cleanly: the first asks, a second insists.

Signals reach only the main thread.  Work that runs in another thread (a Dask
worker trains its trials in threads) registers its stop request instead, and
``stop_in_thread(ident)`` makes it, as the first signal would.
"""

import contextlib
import signal
import sys
import threading

#: stop requests of work running outside the main thread: thread id -> request_stop
_THREAD_STOPS = {}


@contextlib.contextmanager
def stop_on_signals(request_stop, message):
    """While inside: the first SIGINT or SIGTERM calls ``request_stop()`` and prints ``message``
    on stderr; a second raises KeyboardInterrupt (stop at once).  Outside the main thread,
    where Python cannot take signals, ``stop_in_thread`` calls ``request_stop`` instead."""
    if threading.current_thread() is not threading.main_thread():
        ident = threading.get_ident()
        _THREAD_STOPS[ident] = request_stop
        try:
            yield
        finally:
            _THREAD_STOPS.pop(ident, None)
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


def stop_in_thread(ident):
    """Ask the work running in thread ``ident`` inside ``stop_on_signals`` to stop; False if none runs there."""
    request_stop = _THREAD_STOPS.get(ident)
    if request_stop is not None:
        request_stop()
    return request_stop is not None

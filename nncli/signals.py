"""Ctrl-C and SIGTERM as a request to stop cleanly: the first asks, a second insists.

Outside such a request (``stop_on_signals``), SIGTERM behaves as Ctrl-C from the
first moment of a command (``terminate_like_ctrl_c``): it raises KeyboardInterrupt,
so ``finally`` blocks remove temporary files and the CLI boundary exits with 130
and one line, instead of the process dying with files half done.

A training changes what a stop means as it goes (``StopRequest.phase``): while
its run directory is set up a signal is kept for later, during the epochs it
stops after the batch in flight, once the epochs are over the results are
written anyway and only the pictures are skipped.

Signals reach only the main thread.  Work that runs in another thread (a Dask
worker trains its trials in threads) registers its stop request instead, and
``stop_in_thread(ident)`` makes it, as the first signal would.
"""

import contextlib
import signal
import sys
import threading
import time

#: stop requests of work running outside the main thread: thread id -> request_stop
_THREAD_STOPS = {}


class StopRequest:
    """What the first SIGINT or SIGTERM does: call ``action()`` and print ``message``.

    ``at_once``: whether a second signal stops at once (KeyboardInterrupt);
    False while work that must not be cut runs (it is short).  ``drop``:
    whether the first signal itself raises KeyboardInterrupt in the main thread
    (work that can be dropped whole, such as drawing pictures).
    """

    def __init__(self, action, message, at_once=True, drop=False):
        self.requested = False
        self.phase(action, message, at_once, drop)

    def phase(self, action, message, at_once=True, drop=False):
        """From now on a stop means ``action``; a stop requested before is passed on to it now."""
        self.action, self.message, self.at_once, self.drop = action, message, at_once, drop
        if self.requested:
            action()

    def __call__(self):
        self.requested = True
        self.action()


@contextlib.contextmanager
def stop_on_signals(request_stop, message=None):
    """While inside: the first SIGINT or SIGTERM calls ``request_stop()`` and prints ``message``
    on stderr; a second raises KeyboardInterrupt (stop at once).  ``request_stop`` may be a
    ``StopRequest`` (then its own message and rules apply, phase by phase).  Outside the
    main thread, where Python cannot take signals, ``stop_in_thread`` calls it instead."""
    stop = request_stop if isinstance(request_stop, StopRequest) else StopRequest(request_stop, message)
    if threading.current_thread() is not threading.main_thread():
        ident = threading.get_ident()
        _THREAD_STOPS[ident] = stop
        try:
            yield
        finally:
            _THREAD_STOPS.pop(ident, None)
        return
    asked = []

    def handler(signum, frame):
        if asked and stop.at_once:
            raise KeyboardInterrupt
        first = not asked
        asked.append(signum)
        if first:
            print(stop.message, file=sys.stderr, flush=True)
        stop()
        if stop.drop:
            raise KeyboardInterrupt

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


def terminate_like_ctrl_c():
    """Make SIGTERM raise KeyboardInterrupt, as Ctrl-C does (in the main thread; the CLI's first act)."""

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, interrupt)
        sys.unraisablehook = _interrupt_again


def settle(code):
    """From now on SIGINT and SIGTERM end the process at once with ``code``: the command is
    over and its exit code decided.

    Python's shutdown (joining threads, the atexit work of multiprocessing; a moment after
    matplotlib) is not worth waiting for then, and a signal there killed the process
    (exit -15 or -2, no word) after its work was done and its files written."""
    import os

    status = code if isinstance(code, int) else (0 if code is None else 1)

    def leave(signum, frame):
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (AttributeError, OSError, ValueError):
                pass
        os._exit(status)

    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, leave)


_python_unraisablehook = sys.unraisablehook


def _interrupt_again(unraisable):
    """A KeyboardInterrupt (Ctrl-C, or SIGTERM made one) that struck while Python ran code it
    cannot raise from (a weakref callback or ``__del__`` during garbage collection, as when
    matplotlib draws) would be printed as "Exception ignored in ..." with a traceback and
    lost.  It is delivered again instead, as a Ctrl-C to the main thread's own code (SIGINT's
    handler runs: inside ``stop_on_signals`` that is a second signal, which stops at once)."""
    if isinstance(unraisable.exc_value, KeyboardInterrupt):
        import _thread

        def later():  # from another thread, a moment later: a Ctrl-C made here would strike this hook
            time.sleep(0.01)
            _thread.interrupt_main()

        _thread.start_new_thread(later, ())
        return
    _python_unraisablehook(unraisable)

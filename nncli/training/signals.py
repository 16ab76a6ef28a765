"""Ctrl-C and SIGTERM during training: the first finishes the batch in flight and
stops cleanly (a checkpoint that resumes exactly); the second stops at once."""

import contextlib
import signal
import sys
import threading


@contextlib.contextmanager
def stop_on_signals(trainer):
    """Within this context, SIGINT/SIGTERM call ``trainer.request_stop()`` (the second
    raises KeyboardInterrupt).  Outside the main thread signals cannot be caught:
    then nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        if trainer.stop_requested:
            raise KeyboardInterrupt
        trainer.request_stop()
        print("nncli: stopping after this batch (press Ctrl-C again to stop at once)", file=sys.stderr)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)

"""A busy neighbour: one CPU-bound process beside a measurement, as a browser or
another training would be on a user's machine.

    with busy_neighbour():
        ...measure...

The neighbour is the same for every implementation measured: a pure-Python busy
loop in its own interpreter (no BLAS, no threads: exactly one core's worth of
demand), started before the measurement and killed, by its own pid, after it.
"""

import contextlib
import subprocess
import sys
import time

#: one core kept busy; the loop never allocates, so it competes for CPU only
BUSY_LOOP = "while True:\n    pass\n"

#: time for the neighbour's interpreter to start and begin spinning before the measurement
SETTLE_SECONDS = 0.2


@contextlib.contextmanager
def busy_neighbour(settle=SETTLE_SECONDS):
    """Run the body beside one CPU-bound process; the process is gone when the body ends."""
    process = subprocess.Popen([sys.executable, "-c", BUSY_LOOP], stdin=subprocess.DEVNULL)
    try:
        time.sleep(settle)
        if process.poll() is not None:
            raise RuntimeError(f"the busy neighbour exited at once (status {process.returncode})")
        yield process
    finally:
        process.kill()
        process.wait()

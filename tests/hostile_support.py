"""Helpers of the hostile tests (test_hostile_files.py): real nncli processes, FIFOs, run copies."""

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
from conftest import ROOT

TESTS = Path(__file__).resolve().parent


def nncli_env():
    return dict(os.environ, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1")


def start_nncli(*args, stdin=None):
    """Start ``nncli ARGS`` as a real process (pipes for stdin, stdout and stderr)."""
    return subprocess.Popen([sys.executable, "-m", "nncli", *map(str, args)], stdin=stdin,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=nncli_env())


def driven(moment, signame, *args):
    """Start nncli with ``SIG<signame>`` sent to itself at ``moment`` (see signal_driver.py)."""
    return subprocess.Popen([sys.executable, str(TESTS / "signal_driver.py"), moment, signame, *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=nncli_env())


def finish(process, timeout=120):
    stdout, stderr = process.communicate(timeout=timeout)
    assert "Traceback" not in stderr, stderr
    return process.returncode, stdout, stderr


def read_meta(run):
    return json.loads((run / "meta.json").read_text())


def temporaries(folder):
    return [p for p in Path(folder).rglob("*") if p.name.endswith(".tmp")]


def assert_same_weights(run, reference):
    with np.load(run / "weights.npz") as got, np.load(reference / "weights.npz") as expected:
        assert sorted(got.files) == sorted(expected.files)
        for key in expected.files:
            np.testing.assert_array_equal(got[key], expected[key])  # bit for bit (float64)


class FifoReader:
    """A FIFO and a thread reading it to the end (what is read is in ``.data`` after ``join``)."""

    def __init__(self, path):
        self.path, self.data = Path(path), b""
        os.mkfifo(self.path)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        with open(self.path, "rb") as handle:
            self.data = handle.read()

    def join(self):
        self.thread.join(timeout=60)
        assert not self.thread.is_alive()
        return self.data


def interrupted_copy(reference, folder):
    """A copy of a finished run whose meta.json says interrupted: --resume writes every file again."""
    run = folder / "run"
    shutil.copytree(reference, run)
    meta = read_meta(run)
    meta["status"] = "interrupted"
    (run / "meta.json").write_text(json.dumps(meta))
    return run

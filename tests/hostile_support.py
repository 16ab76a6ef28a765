"""Helpers of the hostile tests (test_hostile_files.py): real nncli processes, FIFOs, run copies."""

import contextlib
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
from conftest import ROOT

TESTS = Path(__file__).resolve().parent

#: a float64 run of a second or less, checkpointed every epoch: the reference of every resume
TINY = """\
seed: 4
data: {dataset: circles, params: {n_samples: 200}}
model: {hidden: [6], activation: tanh}
training: {epochs: 4, lr: 0.05, batch_size: 16, dtype: float64, checkpoint_every: 1}
output: {plots: false}
"""


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


def output_cases(tmp_path, null_device):
    """(name, output path, check(after) -> None) for each kind of output that is not a plain file."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "link-to-null").symlink_to(null_device)
    target = outside / "target.csv"
    target.write_text("old\n")
    (tmp_path / "link-to-file").symlink_to(target)
    (tmp_path / "dangling").symlink_to(outside / "new.csv")
    return [
        ("device", null_device, lambda data: stat.S_ISCHR(os.stat(null_device).st_mode)),
        ("link to a device", tmp_path / "link-to-null",
         lambda data: stat.S_ISCHR(os.stat(null_device).st_mode) and (tmp_path / "link-to-null").is_symlink()),
        ("link to a file", tmp_path / "link-to-file",
         lambda data: (tmp_path / "link-to-file").is_symlink() and target.read_bytes() == data),
        ("dangling link", tmp_path / "dangling",
         lambda data: (tmp_path / "dangling").is_symlink() and (outside / "new.csv").read_bytes() == data),
    ]


def train_reference(folder, config_text):
    """Train ``config_text`` uninterrupted in ``folder``; return (config path, run directory)."""
    from typer.testing import CliRunner

    from nncli.cli import app

    config = folder / "tiny.yaml"
    config.write_text(config_text)
    result = CliRunner().invoke(app, ["train", str(config), "--runs-root", str(folder / "runs"), "--quiet"])
    assert result.exit_code == 0, result.output
    return config, Path(result.stdout.strip().splitlines()[-1])


def make_null_device(folder):
    """A character device that discards what is written (as root, a private copy of /dev/null,
    so that a regression replaces that copy, never the machine's /dev/null)."""
    if os.geteuid() == 0:
        path = folder / "null"
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        return path
    return Path("/dev/null")  # not root: nothing can replace it


@contextlib.contextmanager
def fail_after(seconds):
    """Raise TimeoutError in the body after ``seconds``: a test in which nncli blocks (on a FIFO
    it should not open, say) fails instead of hanging the suite."""

    def expired(signum, frame):
        raise TimeoutError(f"nncli blocked for {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)

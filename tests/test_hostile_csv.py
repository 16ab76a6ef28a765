"""CSV as hostile input (issue 13): devices, FIFOs, endless or huge lines, huge cells, binary
garbage, quoted line breaks.  Each is refused with one short line naming the file and line,
exit 2, without reading the whole input into memory."""

import os
import subprocess
import sys
import threading
import time

import pytest
from conftest import ROOT

from nncli.data import table
from nncli.data.csv import load_csv
from nncli.errors import DataError
from nncli.training.run import train_from_config

BINARY = """
seed: 3
data: {dataset: blobs, params: {n_samples: 120, centers: 2, n_features: 3}}
model: {hidden: [4], activation: tanh}
training: {epochs: 2, dtype: float64}
"""
HEADER = "x0,x1,x2"
ROWS = "".join(f"{i * 0.5},{-i},{i % 3}\n" for i in range(20))


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("hostile")
    config = directory / "binary.yaml"
    config.write_text(BINARY)
    return train_from_config(config, runs_root=directory / "runs")[0]


def one_line_refusal(result, *expected):
    """Exit 2, one stderr line no longer than the message cap, holding each of ``expected``."""
    assert result.exit_code == 2, (result.exit_code, result.stderr[:300])
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and len(lines[0]) <= 500, result.stderr[:500]
    for text in expected:
        assert text in lines[0], lines[0]


# name, bytes of the input file, what the message must say
CASES = [
    ("a 3 MB line after the header", (HEADER + "\n").encode() + b"1," * (3 << 19) + b"1\n",
     ["in.csv line 2: longer than 1 MB"]),
    ("a 3 MB header without a line break", b"x" * (3 << 20), ["in.csv line 1: longer than 1 MB"]),
    ("a 200k-character cell", (HEADER + "\n1,2," + "0" * 200_000 + "3\n").encode(),
     ["in.csv line 2: cell 3 holds 200001 characters, more than the limit of 65536"]),
    ("a quoted 200k-character cell", (HEADER + '\n1,2,"' + "9" * 200_000 + '"\n').encode(),
     ["in.csv line 2: cell 3 holds 20000", "more than the limit of 65536"]),
    ("a NUL byte", (HEADER + "\n" + ROWS).encode() + b"1,\x002,3\n", ["in.csv line 22: a NUL byte"]),
    ("bytes that are not UTF-8", (HEADER + "\n" + ROWS).encode() + b"1,\xff\xfe,3\n",
     ["in.csv line 22: not UTF-8 text (byte 3 of the line)"]),
    ("a quoted line break", (HEADER + '\n1,2,"3\n4"\n').encode(), ["in.csv line 2: a quoted cell is not closed"]),
    ("an unclosed quote in the header", b'x0,"x1,x2\n1,2,3\n', ["in.csv line 1: a quoted cell is not closed"]),
    ("a header of 5000 garbage columns", ",".join(f"\x1b[31m{'é' * 30}{i}" for i in range(5000)).encode()
     + b"\n1\n", ["in.csv: missing columns 'x0', 'x1', 'x2'", "and 4995 more"]),
    ("a huge non-number", (HEADER + "\n" + ROWS + "1,2," + "z" * 60_000 + "\n").encode(),
     ["in.csv line 22, column 'x2': 'zzzzz", "…' is not a number"]),
]


@pytest.mark.parametrize("name, data, expected", CASES, ids=[case[0] for case in CASES])
def test_hostile_file_is_one_short_line(cli, run_dir, tmp_path, name, data, expected):
    source = tmp_path / "in.csv"
    source.write_bytes(data)
    start = time.perf_counter()
    result = cli("predict", run_dir, source, "-o", tmp_path / "out.csv")
    assert time.perf_counter() - start < 10  # a generous bound: refused at once, not after reading all
    one_line_refusal(result, *expected)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


@pytest.mark.parametrize("name, data, expected", CASES, ids=[case[0] for case in CASES])
def test_hostile_labelled_file_for_evaluate(cli, run_dir, tmp_path, name, data, expected):
    source = tmp_path / "in.csv"
    source.write_bytes(data.replace(b"x0,x1,x2", b"x0,x1,x2,target", 1))
    result = cli("evaluate", run_dir, "--data", source)
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "in.csv" in result.stderr and len(result.stderr) < 500


def test_a_device_is_refused_by_name(cli, run_dir):
    one_line_refusal(cli("predict", run_dir, "/dev/zero"), "/dev/zero is a device, not a CSV file")
    one_line_refusal(cli("evaluate", run_dir, "--data", "/dev/urandom"), "/dev/urandom is a device")


def test_dev_zero_on_stdin_stops_at_the_first_bytes(run_dir):
    """A real process reading an endless stream of NUL bytes on stdin."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    with open("/dev/zero", "rb") as zeros:
        result = subprocess.run([sys.executable, "-m", "nncli", "predict", str(run_dir), "-"], stdin=zeros,
                                capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 2
    assert result.stderr.strip() == "nncli: error: <stdin> line 1: a NUL byte: this is binary data, not CSV text"


def _fifo_writer(path, head, repeat, stop):
    """Open the FIFO ``path`` for writing: ``head``, then ``repeat`` until the reader goes."""
    def write():
        try:
            with open(path, "wb") as fifo:
                fifo.write(head)
                while not stop.is_set():
                    fifo.write(repeat)
        except (BrokenPipeError, OSError):
            pass
    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


def test_an_endless_line_through_a_fifo_is_refused_at_the_limit(cli, run_dir, tmp_path):
    fifo = tmp_path / "endless.csv"
    os.mkfifo(fifo)
    stop = threading.Event()
    thread = _fifo_writer(fifo, (HEADER + "\n1,").encode(), b"1" * 65536, stop)
    result = cli("predict", run_dir, fifo)
    stop.set()
    one_line_refusal(result, "endless.csv line 2: longer than 1 MB")
    thread.join(timeout=5)


def test_endless_rows_through_a_fifo_stop_at_the_memory_budget(cli, run_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(table, "memory_budget", lambda: 4 << 20)  # what the machine has, in small
    fifo = tmp_path / "endless.csv"
    os.mkfifo(fifo)
    stop = threading.Event()
    thread = _fifo_writer(fifo, b"x0,x1,x2,target\n", b"0.5,1.5,-2,1\n" * 4096, stop)
    result = cli("evaluate", run_dir, "--data", fifo)
    stop.set()
    one_line_refusal(result, "endless.csv: too large to hold in memory (more than 4 MB by line")
    thread.join(timeout=5)


def test_a_finite_fifo_is_streamed_like_a_file(cli, run_dir, tmp_path):
    fifo = tmp_path / "rows.csv"
    os.mkfifo(fifo)
    stop = threading.Event()
    stop.set()  # write the head only, then close
    thread = _fifo_writer(fifo, (HEADER + "\n" + ROWS).encode(), b"", stop)
    result = cli("predict", run_dir, fifo)
    thread.join(timeout=5)
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.splitlines()) == 21


def test_a_quoted_line_break_in_a_class_label_is_refused_for_a_dataset(tmp_path):
    source = tmp_path / "animals.csv"
    source.write_text('size,kind\n1,cat\n2,"dog\nbig"\n3,cat\n')
    with pytest.raises(DataError, match=r"animals.csv line 3: a quoted cell is not closed on its line"):
        load_csv(None, 0, source, "kind")


def test_a_long_label_is_refused_for_a_dataset_but_a_64k_one_is_read(tmp_path):
    source = tmp_path / "labels.csv"
    source.write_text("size,kind\n1,cat\n2," + "d" * 70_000 + "\n")
    with pytest.raises(DataError, match=r"labels.csv line 3: cell 2 holds 70000 characters"):
        load_csv(None, 0, source, "kind")
    source.write_text("size,kind\n1,cat\n2," + "d" * table.MAX_CELL_CHARS + "\n")
    raw = load_csv(None, 0, source, "kind")
    assert sorted(len(label) for label in raw.y) == [3, table.MAX_CELL_CHARS]


def test_a_closed_stdin_is_one_line(run_dir):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-m", "nncli", "predict", str(run_dir), "-"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60, env=env,
                            preexec_fn=lambda: os.close(0))
    assert result.returncode == 2
    assert result.stderr.strip() == "nncli: error: cannot read <stdin>: it is closed"

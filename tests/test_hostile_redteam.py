"""A red-team pass over the defences of issue 13: each case here misbehaved once (a flood of
text, an internal error, a write where none belongs) and is kept so it never does again.
The tables hold the command line (built in ``tmp_path``) and a text its one line must hold."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CONFIGS, ROOT

LINE_LIMIT = 300  # no message line of these cases needs more
LONG = "a" * 3000
TINY = """\
seed: 4
data: {dataset: circles, params: {n_samples: 200}}
model: {hidden: [6], activation: tanh}
training: {epochs: 2, lr: 0.05, batch_size: 16, dtype: float64}
output: {plots: false}
"""


def _refused(result, expected, code=2):
    assert result.exit_code == code, (result.exit_code, result.stderr)
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 1, result.stderr
    assert len(errors[0]) < LINE_LIMIT, len(errors[0])
    assert expected in errors[0], errors[0]


# --- class 9: a long --set key was echoed whole (1000 characters) -----------------------------

@pytest.mark.parametrize("override, expected", [
    (f"{LONG}=1", "unknown key"),
    (f"{LONG}.b=1", "unknown key"),
    (f"data.params.{LONG}=1", "in data.params"),
    (f"seed.{LONG}=1", "--set seed.aaa"),
])
def test_a_long_set_key_is_cut(cli, override, expected):
    _refused(cli("config", CONFIGS / "xor.yaml", "--set", override), expected)


# --- class 2/3: metrics.csv read with a plain open (the sparkline of a resumed run, the sweep
# picture): a FIFO there blocked for ever, /dev/zero filled memory ------------------------------

def _in_child(code, timeout=30):
    """Run ``code`` in a fresh Python (a hang fails the test instead of blocking it)."""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout,
                            env=dict(os.environ, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1"))
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("reader", ["nncli.reporting.earlier_losses(run)",
                                    "nncli.sweep.picture._read_metrics(pathlib.Path(run))"])
@pytest.mark.parametrize("kind", ["fifo", "zero"])
def test_metrics_csv_that_is_not_a_file_is_not_read(tmp_path, reader, kind):
    target = tmp_path / "metrics.csv"
    if kind == "fifo":
        os.mkfifo(target)
    else:
        target.symlink_to("/dev/zero")
    code = (f"import pathlib, resource, nncli.reporting, nncli.sweep.picture\n"
            f"resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))\n"
            f"run = {str(tmp_path)!r}\nprint(len({reader}))")
    assert _in_child(code).strip() == "0"


def test_extending_a_run_whose_metrics_csv_is_a_fifo(tmp_path, nncli_process):
    config = tmp_path / "tiny.yaml"
    config.write_text(TINY)
    trained = nncli_process("train", config, "--runs-root", tmp_path / "runs", "--quiet", timeout=60)
    run = Path(trained.stdout.strip().splitlines()[-1])
    (run / "metrics.csv").unlink()
    os.mkfifo(run / "metrics.csv")
    result = nncli_process("train", "--resume", run, "--set", "training.epochs=3", "--quiet", timeout=60)
    assert result.returncode == 0, result.stderr
    assert (run / "metrics.csv").is_file()

"""Faults: Ctrl-C, SIGTERM and SIGKILL during training, resuming, diverging, corrupt files."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from conftest import ROOT

SLOW = """\
seed: 5
data: {dataset: digits}
model: {hidden: [128, 128]}
training: {epochs: 12, batch_size: 8, dtype: float64, checkpoint_every: 1}
"""


def _start(config, runs_root):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", "nncli", "train", str(config), "--runs-root", str(runs_root)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _wait_for_epochs(runs_root, epochs, timeout=120):
    """The run directory once its metrics.csv holds ``epochs`` rows."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for run in runs_root.glob("*"):
            metrics = run / "metrics.csv"
            if metrics.exists() and len(metrics.read_text().splitlines()) > epochs:
                return run
        time.sleep(0.05)
    raise AssertionError("training did not get that far in time")


def _assert_same_training(run, reference):
    weights = np.load(run / "weights.npz", allow_pickle=False)
    expected = np.load(reference / "weights.npz", allow_pickle=False)
    assert sorted(weights.files) == sorted(expected.files)
    for key in expected.files:
        np.testing.assert_array_equal(weights[key], expected[key])  # bitwise, float64
    rows = [line.split(",")[3:] for line in (run / "metrics.csv").read_text().splitlines()]
    expected_rows = [line.split(",")[3:] for line in (reference / "metrics.csv").read_text().splitlines()]
    assert rows == expected_rows


def _assert_every_file_whole(run):
    for name in ("meta.json",):
        json.loads((run / name).read_text())
    for npz in run.glob("*.npz"):
        with np.load(npz, allow_pickle=False) as archive:
            for key in archive.files:
                archive[key]
    assert (run / "config.yaml").read_text().startswith("name:")


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The same config trained without interruption."""
    from typer.testing import CliRunner

    from nncli.cli import app

    root = tmp_path_factory.mktemp("reference")
    config = root / "slow.yaml"
    config.write_text(SLOW)
    result = CliRunner().invoke(app, ["train", str(config), "--runs-root", str(root / "runs"), "--quiet"])
    assert result.exit_code == 0, result.stderr
    from pathlib import Path

    return Path(result.stdout.strip())


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_closes_the_run_and_resume_reaches_the_same_weights(cli, tmp_path, reference, sig):
    config = tmp_path / "slow.yaml"
    config.write_text(SLOW)
    process = _start(config, tmp_path / "runs")
    run = _wait_for_epochs(tmp_path / "runs", 3)
    process.send_signal(sig)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and f"--resume {run}" in stderr
    meta = json.loads((run / "meta.json").read_text())
    assert meta["status"] == "interrupted"
    _assert_every_file_whole(run)
    done = len((run / "metrics.csv").read_text().splitlines()) - 1
    assert 3 <= done < 12

    result = cli("train", "--resume", run, "--quiet")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == str(run)
    assert json.loads((run / "meta.json").read_text())["status"] == "completed"
    _assert_same_training(run, reference)


def test_sigkill_leaves_a_resumable_run(cli, tmp_path, reference):
    config = tmp_path / "slow.yaml"
    config.write_text(SLOW)
    process = _start(config, tmp_path / "runs")
    run = _wait_for_epochs(tmp_path / "runs", 4)
    process.kill()
    process.communicate(timeout=60)
    assert json.loads((run / "meta.json").read_text())["status"] == "running"
    _assert_every_file_whole(run)
    result = cli("train", "--resume", run, "--quiet")
    assert result.exit_code == 0, result.stderr
    assert not list(run.glob(".*.tmp"))
    _assert_same_training(run, reference)


def test_second_ctrl_c_stops_at_once_with_whole_files(tmp_path):
    config = tmp_path / "slow.yaml"
    config.write_text(SLOW.replace("epochs: 12", "epochs: 200"))
    process = _start(config, tmp_path / "runs")
    run = _wait_for_epochs(tmp_path / "runs", 2)
    process.send_signal(signal.SIGINT)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert json.loads((run / "meta.json").read_text())["status"] == "interrupted"
    _assert_every_file_whole(run)


def test_resuming_a_finished_run_says_so(cli, reference):
    result = cli("train", "--resume", reference)
    assert result.exit_code == 0
    assert "already finished" in result.stderr
    assert result.stdout.strip() == str(reference)


def test_resuming_with_a_changed_config_is_refused(cli, tmp_path, reference):
    config = tmp_path / "slow.yaml"
    config.write_text(SLOW)
    process = _start(config, tmp_path / "runs")
    run = _wait_for_epochs(tmp_path / "runs", 1)
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=60)
    result = cli("train", "--resume", run, "--set", "training.lr=0.5")
    assert result.exit_code == 2 and "training.lr" in result.stderr and "changed config" in result.stderr
    changed = tmp_path / "changed.yaml"
    changed.write_text(SLOW.replace("[128, 128]", "[64]"))
    result = cli("train", changed, "--resume", run)
    assert result.exit_code == 2 and "model.hidden" in result.stderr
    saved = (run / "config.yaml").read_text()
    (run / "config.yaml").write_text(saved.replace("lr: ", "lr: 0.5  # was ", 1))  # edited by hand
    result = cli("train", "--resume", run)
    assert result.exit_code == 2 and "config.yaml was changed" in result.stderr and "training.lr" in result.stderr
    (run / "config.yaml").write_text("# a comment changes no key\n" + saved)
    assert cli("train", config, "--resume", run, "--quiet").exit_code == 0


def test_huge_learning_rate_diverges_cleanly(cli, write_config, tmp_path):
    path = write_config("data: {dataset: circles}\nmodel: {hidden: [16]}\n"
                        "training: {epochs: 20, optimizer: sgd, lr: 1000000.0}\n")
    result = cli("train", path, "--runs-root", tmp_path / "runs")
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("nncli: error: training diverged at epoch")
    assert "RuntimeWarning" not in result.stderr and "overflow" not in result.stderr
    run = next((tmp_path / "runs").iterdir())
    assert json.loads((run / "meta.json").read_text())["status"] == "diverged"
    assert result.stdout.strip().splitlines()[-1] == str(run)  # `run=$(nncli train ...)` still names it
    as_json = cli("train", path, "--run-dir", tmp_path / "again", "--json")
    assert as_json.exit_code == 1
    assert json.loads(as_json.stdout) == {"run_dir": str(tmp_path / "again"), "metrics": {"status": "diverged"}}
    weights = np.load(run / "weights.npz", allow_pickle=False)
    assert all(np.isfinite(weights[key]).all() for key in weights.files)
    again = cli("train", "--resume", run)
    assert again.exit_code == 2 and "diverged" in again.stderr


def _corrupt(path, how):
    if how == "truncated":
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif how == "pickle":
        np.savez(path, **{"0.weight": np.array([{"evil": 1}], dtype=object)})
    elif how == "wrong-architecture":
        np.savez(path, **{"0.weight": np.zeros((3, 3)), "0.bias": np.zeros(3)})
    elif how == "not-a-zip":
        path.write_text("hello")


@pytest.mark.parametrize("how", ["truncated", "pickle", "wrong-architecture", "not-a-zip"])
def test_broken_checkpoint_is_refused_with_exit_2(cli, tmp_path, reference, how):
    import shutil

    run = tmp_path / "copy"
    shutil.copytree(reference, run)
    meta = json.loads((run / "meta.json").read_text())
    meta["status"] = "interrupted"
    (run / "meta.json").write_text(json.dumps(meta))
    _corrupt(run / "checkpoint.npz", how)
    result = cli("train", "--resume", run)
    assert result.exit_code == 2, result.stderr
    assert "checkpoint.npz" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("how", ["truncated", "pickle", "wrong-architecture", "not-a-zip"])
def test_broken_weights_are_refused(tmp_path, reference, how):
    import shutil

    from nncli.errors import RunError
    from nncli.runs.load import load_run

    run = tmp_path / "copy"
    shutil.copytree(reference, run)
    _corrupt(run / "weights.npz", how)
    with pytest.raises(RunError, match="weights.npz"):
        load_run(run)


@pytest.mark.parametrize(
    "override, message",
    [
        ("training.epochs=1000000000000", "training.epochs must be at most"),
        ("model.hidden=[1000000000]", "model.hidden[0] must be at most"),
        ("data.params.n_samples=100000000000", "data.params.n_samples must be at most"),
    ],
)
def test_enormous_values_are_refused_up_front(cli, write_config, tmp_path, override, message):
    path = write_config("data: {dataset: circles}\n")
    result = cli("train", path, "--runs-root", tmp_path / "runs", "--set", override)
    assert result.exit_code == 2 and message in result.stderr, result.stderr
    assert not (tmp_path / "runs").exists()


def test_a_dataset_larger_than_memory_is_refused_before_it_is_made(cli, write_config, tmp_path, monkeypatch):
    from nncli.data import synthetic

    def made(*args):
        raise AssertionError("the dataset was being made")

    monkeypatch.setattr(synthetic, "random", made)
    path = write_config("data: {dataset: random, params: {n_samples: 10000000, n_features: 100000}}\n")
    result = cli("train", path, "--runs-root", tmp_path / "runs")
    assert result.exit_code == 2 and "memory" in result.stderr, result.stderr
    assert not (tmp_path / "runs").exists()


def test_a_network_larger_than_memory_is_refused(cli, write_config, tmp_path):
    path = write_config("data: {dataset: circles}\nmodel: {hidden: [100000, 100000, 100000]}\n")
    result = cli("train", path, "--runs-root", tmp_path / "runs")
    assert result.exit_code == 2 and "memory" in result.stderr, result.stderr

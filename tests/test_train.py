"""End-to-end training: the run directory, honest metrics, determinism, stopping rules."""

import csv
import errno
import json

import numpy as np
import pytest
from conftest import CONFIGS, train_run
from sklearn.metrics import roc_auc_score

SMALL = """\
seed: 3
data: {dataset: circles, params: {n_samples: 300}}
model: {hidden: [6], activation: tanh}
training: {epochs: 20, lr: 0.05, batch_size: 16}
"""


def _read_csv(path):
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[0], np.array(rows[1:], dtype=object)


def _forward_by_hand(run, X):
    """The network's output from weights.npz and preprocess.npz alone (tanh/sigmoid/relu nets)."""
    weights = np.load(run / "weights.npz", allow_pickle=False)
    prep = np.load(run / "preprocess.npz", allow_pickle=False)
    h = (X - prep["mean"]) / prep["scale"]
    n_layers = len([k for k in weights.files if k.endswith(".weight")])
    config = (run / "config.yaml").read_text()
    hidden = "sigmoid" if "activation: sigmoid" in config else ("relu" if "activation: relu" in config else "tanh")
    act = {"sigmoid": lambda z: 1 / (1 + np.exp(-z)), "tanh": np.tanh, "relu": lambda z: np.maximum(z, 0)}
    for i in range(n_layers):
        z = h.reshape(len(h), -1) @ weights[f"{i}.weight"].astype(np.float64).T + weights[f"{i}.bias"]
        h = act[hidden](z) if i < n_layers - 1 else z
    return h, prep


def test_run_directory_has_every_file(cli, write_config, tmp_path):
    run = train_run(cli, write_config(SMALL), tmp_path / "runs")
    assert run.parent == tmp_path / "runs" and run.name.startswith("config-")
    names = {p.name for p in run.iterdir()}
    assert {"config.yaml", "meta.json", "metrics.csv", "summary.json", "weights.npz", "preprocess.npz"} <= names
    assert not [n for n in names if n.endswith(".tmp")]
    meta = json.loads((run / "meta.json").read_text())
    assert meta["status"] == "completed" and meta["seed"] == 3
    assert {"nncli_version", "numpy_version", "python_version", "command", "started_at", "ended_at"} <= set(meta)
    header, rows = _read_csv(run / "metrics.csv")
    assert header == ["epoch", "seconds", "lr", "train_loss", "train_auc", "train_accuracy"]
    assert [int(r) for r in rows[:, 0]] == list(range(1, 21))
    summary = json.loads((run / "summary.json").read_text())
    assert summary["epochs_run"] == 20 and summary["stop_reason"] == "epochs"
    assert {"test_loss", "test_auc", "test_accuracy", "wall_seconds"} <= set(summary)
    weights = np.load(run / "weights.npz", allow_pickle=False)
    assert sorted(weights.files) == ["0.bias", "0.weight", "1.bias", "1.weight"]
    assert weights["0.weight"].shape == (6, 2) and weights["1.weight"].shape == (1, 6)
    assert weights["0.weight"].dtype == np.float32
    prep = np.load(run / "preprocess.npz", allow_pickle=False)
    assert list(prep["feature_names"]) == ["x0", "x1"] and list(prep["classes"]) == [0, 1]
    assert "hidden: [6]" in (run / "config.yaml").read_text()


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_summary_auc_is_what_a_reader_computes_by_hand(cli, write_config, tmp_path, dtype):
    path = write_config(SMALL)
    run = train_run(cli, path, tmp_path / "runs", "--set", f"training.dtype={dtype}")
    test_csv = tmp_path / "test.csv"
    assert cli("data", path, "--split", "test", "-o", test_csv).exit_code == 0
    header, rows = _read_csv(test_csv)
    X, y = rows[:, :-1].astype(float), rows[:, -1].astype(int)
    logits, prep = _forward_by_hand(run, X)
    summary = json.loads((run / "summary.json").read_text())
    auc = roc_auc_score(y, logits[:, 0])
    accuracy = np.mean((logits[:, 0] > 0) == (y == 1))
    tolerance = 1e-12 if dtype == "float64" else 2e-3
    assert abs(summary["test_auc"] - auc) <= tolerance
    assert abs(summary["test_accuracy"] - accuracy) <= (1e-12 if dtype == "float64" else 0.01)


def test_same_seed_twice_gives_identical_losses_and_weights(cli, write_config, tmp_path):
    path = write_config(SMALL)
    first = train_run(cli, path, tmp_path / "a")
    second = train_run(cli, path, tmp_path / "b")
    _, rows_a = _read_csv(first / "metrics.csv")
    _, rows_b = _read_csv(second / "metrics.csv")
    np.testing.assert_array_equal(rows_a[:, 3:], rows_b[:, 3:])
    wa = np.load(first / "weights.npz", allow_pickle=False)
    wb = np.load(second / "weights.npz", allow_pickle=False)
    for key in wa.files:
        np.testing.assert_array_equal(wa[key], wb[key])
    other = train_run(cli, path, tmp_path / "c", "--set", "seed=4")
    assert not np.array_equal(np.load(other / "weights.npz")["0.weight"], wa["0.weight"])


def test_batch_size_one_is_per_sample_sgd(cli, write_config, tmp_path):
    """One epoch with batch_size 1 equals the classic per-sample loop, written out by hand."""
    path = write_config("""\
        seed: 1
        data: {dataset: blobs, params: {n_samples: 40}}
        model: {hidden: [3], activation: sigmoid, init: normal}
        training: {epochs: 1, batch_size: 1, optimizer: sgd, lr: 0.1, dtype: float64}
        """)
    from nncli.config import load_config
    from nncli.data.pipeline import streams
    from nncli.training.prepare import prepare

    config = load_config(path)
    dataset, model, _ = prepare(config)
    W = [model.layers[i].params["weight"].copy() for i in range(2)]
    b = [model.layers[i].params["bias"].copy() for i in range(2)]
    X = dataset.inputs(dataset.train.X, np.float64)
    y = dataset.train.y.astype(float)
    order = np.random.default_rng(streams(config.seed)["shuffle"]).permutation(len(X))
    sigmoid = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    for i in order:
        a1 = sigmoid(W[0] @ X[i] + b[0])
        p = sigmoid(W[1] @ a1 + b[1])
        delta2 = p - y[i]  # bce with a sigmoid output
        delta1 = (W[1].T @ delta2) * a1 * (1 - a1)
        W[1] -= 0.1 * np.outer(delta2, a1)
        b[1] -= 0.1 * delta2
        W[0] -= 0.1 * np.outer(delta1, X[i])
        b[0] -= 0.1 * delta1
    run = train_run(cli, path, tmp_path / "runs")
    weights = np.load(run / "weights.npz", allow_pickle=False)
    for i in range(2):
        np.testing.assert_allclose(weights[f"{i}.weight"], W[i], rtol=1e-10)
        np.testing.assert_allclose(weights[f"{i}.bias"], b[i], rtol=1e-10)


def test_full_batch_is_one_step_per_epoch(cli, write_config, tmp_path):
    path = write_config(SMALL)
    run = train_run(cli, path, tmp_path / "runs", "--set", "training.batch_size=full",
                    "--set", "training.optimizer=sgd", "--set", "training.epochs=3")
    assert json.loads((run / "summary.json").read_text())["epochs_run"] == 3


def test_target_auc_stops_as_soon_as_reached(cli, write_config, tmp_path):
    run = train_run(cli, write_config(SMALL), tmp_path / "runs", "--set", "training.target_auc=0.9",
                    "--set", "training.epochs=500")
    summary = json.loads((run / "summary.json").read_text())
    _, rows = _read_csv(run / "metrics.csv")
    aucs = rows[:, 4].astype(float)
    assert summary["stop_reason"] == "target_auc" and summary["status"] == "stopped_early"
    assert aucs[-1] >= 0.9 and np.all(aucs[:-1] < 0.9)
    assert json.loads((run / "meta.json").read_text())["status"] == "stopped_early"


def test_early_stopping_restores_the_best_weights(cli, write_config, tmp_path):
    path = write_config("""\
        data: {dataset: moons, params: {n_samples: 200, noise: 0.4}, val_size: 0.3}
        model: {hidden: [64, 64]}
        training:
          epochs: 400
          lr: 0.05
          early_stopping: {patience: 5}
        """)
    run = train_run(cli, path, tmp_path / "runs")
    summary = json.loads((run / "summary.json").read_text())
    header, rows = _read_csv(run / "metrics.csv")
    val_loss = rows[:, header.index("val_loss")].astype(float)
    assert summary["stop_reason"] == "early_stopping"
    best = int(np.argmin(val_loss))
    assert summary["best_epoch"] == best + 1
    assert len(val_loss) == best + 1 + 5
    assert np.isclose(summary["val_loss"], val_loss[best], rtol=1e-5)


@pytest.mark.parametrize("schedule", ["step", "exponential", "cosine", "plateau"])
def test_schedules_change_the_logged_learning_rate(cli, write_config, tmp_path, schedule):
    extra = {"step": "{type: step, step_size: 2}",
             "plateau": "{type: plateau, patience: 1, factor: 0.5, min_delta: 10}"}
    run = train_run(cli, write_config(SMALL), tmp_path / "runs", "--set",
                    f"training.schedule={extra.get(schedule, schedule)}", "--set", "training.epochs=8")
    _, rows = _read_csv(run / "metrics.csv")
    rates = rows[:, 2].astype(float)
    assert rates[0] == 0.05 and rates[-1] < 0.05


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "nesterov", "rmsprop", "adam"])
def test_every_optimizer_learns_circles(cli, write_config, tmp_path, optimizer):
    lr = {"sgd": 0.5, "momentum": 0.1, "nesterov": 0.1, "rmsprop": 0.01, "adam": 0.02}[optimizer]
    run = train_run(cli, write_config(SMALL), tmp_path / "runs", "--set", f"training.optimizer={optimizer}",
                    "--set", f"training.lr={lr}", "--set", "training.epochs=60")
    assert json.loads((run / "summary.json").read_text())["test_auc"] > 0.95


def test_regression_run_reports_mse_and_r2(cli, tmp_path):
    run = train_run(cli, CONFIGS / "random-regression.yaml", tmp_path / "runs", "--set", "training.epochs=3")
    summary = json.loads((run / "summary.json").read_text())
    assert {"test_mse", "test_r2", "test_mae"} <= set(summary) and "test_auc" not in summary
    header, _ = _read_csv(run / "metrics.csv")
    assert header == ["epoch", "seconds", "lr", "train_loss", "train_mse", "train_r2", "train_mae"]
    assert np.load(run / "weights.npz")["1.weight"].shape == (10, 15)


def test_quiet_prints_only_the_run_dir_and_json_prints_metrics(cli, write_config, tmp_path):
    path = write_config(SMALL)
    quiet = cli("train", path, "--runs-root", tmp_path / "runs", "--quiet")
    assert quiet.stdout.strip().count("\n") == 0 and quiet.stderr == ""
    as_json = cli("train", path, "--runs-root", tmp_path / "runs", "--json")
    data = json.loads(as_json.stdout)
    assert data["run_dir"].startswith(str(tmp_path / "runs")) and "test_auc" in data["metrics"]
    named = cli("train", path, "--runs-root", tmp_path / "runs", "--name", "sweep-1", "--quiet")
    assert named.stdout.strip().split("/")[-1].startswith("sweep-1-")
    exact = cli("train", path, "--run-dir", tmp_path / "exact", "--quiet")
    assert exact.stdout.strip() == str(tmp_path / "exact")
    again = cli("train", path, "--run-dir", tmp_path / "exact", "--quiet")
    assert again.exit_code == 2 and "not empty" in again.stderr


def test_plain_progress_in_a_log_has_no_carriage_returns(nncli_process, write_config, tmp_path):
    result = nncli_process("train", write_config(SMALL), "--runs-root", tmp_path / "runs")
    assert result.returncode == 0, result.stderr
    assert "\r" not in result.stderr and "\x1b" not in result.stderr
    lines = result.stderr.splitlines()
    assert any(line.startswith("epoch 20/20") for line in lines)
    assert result.stdout.strip().splitlines()[-1].startswith(str(tmp_path / "runs"))


def test_python_dash_m_and_help(nncli_process):
    result = nncli_process("--help")
    assert result.returncode == 0 and "train" in result.stdout


@pytest.mark.parametrize("args, expected", [
    (["train", "x.yaml", "--epochs", "5"], "No such option: --epochs (see 'nncli train --help')"),
    (["bogus"], "No such command 'bogus'"),
    (["predict", "runs/x"], "Missing argument 'INPUT.csv' (see 'nncli predict --help')"),
])
def test_command_line_mistakes_are_one_line_and_exit_2(nncli_process, args, expected):
    result = nncli_process(*args)
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("nncli: error: ") and expected in lines[0], result.stderr


def test_version_prints_the_version_alone(cli):
    from nncli import __version__

    result = cli("--version")
    assert result.exit_code == 0 and result.stdout.strip() == f"nncli {__version__}"


def test_help_imports_no_heavy_library(nncli_process):
    import subprocess
    import sys

    code = ("import sys; from nncli.cli import app\n"
            "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('numpy', 'sklearn', 'matplotlib', 'scipy') if m in sys.modules]\n"
            "print('HEAVY', heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=str(CONFIGS.parent))
    assert "HEAVY []" in out.stdout, out.stdout + out.stderr


def test_many_runs_started_at_once_never_collide(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from nncli.runs import create_run_dir

    with ThreadPoolExecutor(8) as pool:
        paths = list(pool.map(lambda _: create_run_dir(tmp_path, "same"), range(64)))
    assert len(set(paths)) == 64


def test_the_same_run_dir_given_to_trainings_started_at_once_goes_to_one_of_them(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from nncli.errors import RunError
    from nncli.runs import create_run_dir

    target = tmp_path / "shared"
    target.mkdir()  # empty: every claimant may find it so

    def claim(i):
        try:
            return create_run_dir(tmp_path, "x", run_dir=target, meta={"claimant": i})
        except RunError as exc:
            return str(exc)

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(claim, range(32)))
    assert outcomes.count(target) == 1
    refusals = [o for o in outcomes if o != target]
    assert all("already exists and is not empty" in o or "was just taken by another training" in o
               for o in refusals)
    winner = json.loads((target / "meta.json").read_text())["claimant"]
    assert outcomes[winner] == target
    assert sorted(p.name for p in target.iterdir()) == ["meta.json"]  # no temporaries left


def test_a_run_dir_found_empty_but_claimed_meanwhile_is_refused(tmp_path, monkeypatch):
    from pathlib import Path

    from nncli.errors import RunError
    from nncli.runs import create_run_dir

    target = tmp_path / "shared"
    create_run_dir(tmp_path, "x", run_dir=target, meta={"first": True})
    monkeypatch.setattr(Path, "iterdir", lambda self: iter(()))  # the other process looked before the claim
    with pytest.raises(RunError, match="was just taken by another training"):
        create_run_dir(tmp_path, "x", run_dir=target, meta={"first": False})
    monkeypatch.undo()
    assert json.loads((target / "meta.json").read_text()) == {"first": True}


@pytest.mark.parametrize("link_error", [errno.ENOSPC, errno.EPERM])
def test_a_failed_claim_leaves_the_run_dir_reusable_and_no_link_still_claims(tmp_path, monkeypatch, link_error):
    import os

    from nncli.errors import RunError
    from nncli.runs import create_run_dir

    def no_link(source, destination):
        raise OSError(link_error, os.strerror(link_error))

    target = tmp_path / "run"
    monkeypatch.setattr(os, "link", no_link)
    if link_error == errno.EPERM:  # a file system without hard links: claimed by exclusive creation
        create_run_dir(tmp_path, "x", run_dir=target, meta={"ok": 1})
        assert json.loads((target / "meta.json").read_text()) == {"ok": 1}
        with pytest.raises(RunError, match="not empty"):
            create_run_dir(tmp_path, "x", run_dir=target, meta={"ok": 2})
        return
    with pytest.raises(RunError, match="cannot write"):
        create_run_dir(tmp_path, "x", run_dir=target, meta={"ok": 1})
    assert list(target.iterdir()) == []  # nothing half-written: the same --run-dir works again
    monkeypatch.undo()
    assert create_run_dir(tmp_path, "x", run_dir=target, meta={"ok": 1}) == target


def test_training_into_an_existing_empty_run_dir(cli, tmp_path):
    target = tmp_path / "empty"
    target.mkdir()
    result = cli("train", CONFIGS / "xor.yaml", "--run-dir", target, "--quiet", "--set", "training.epochs=2",
                 "--set", "output.plots=false")
    assert result.exit_code == 0, result.stderr
    assert json.loads((target / "meta.json").read_text())["status"] == "completed"


def test_diverging_training_exits_1_and_keeps_finite_weights(cli, write_config, tmp_path):
    path = write_config("""\
        data: {dataset: random, params: {n_samples: 100, n_features: 5, n_targets: 1}}
        model: {hidden: [8], activation: relu}
        training: {epochs: 50, optimizer: sgd, lr: 1000000.0}
        """)
    result = cli("train", path, "--runs-root", tmp_path / "runs")
    assert result.exit_code == 1
    assert "diverged at epoch" in result.stderr and "smaller training.lr" in result.stderr
    run = next((tmp_path / "runs").iterdir())
    assert json.loads((run / "meta.json").read_text())["status"] == "diverged"
    weights = np.load(run / "weights.npz", allow_pickle=False)
    assert all(np.all(np.isfinite(weights[k])) for k in weights.files)

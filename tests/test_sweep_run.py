"""``nncli sweep``: trials equal to ``nncli train`` runs, selection on validation, data.seed, faults, lock."""

import csv
import fcntl
import json
import statistics
from pathlib import Path

import numpy as np
import pytest
import yaml

from nncli.runs.load import load_run
from nncli.sweep import trial as trial_module
from nncli.training import run as training_run

XOR = """
data:
  dataset: xor
  params: {n_samples: 300, noise: 0.1}
  val_size: 0.2
model: {hidden: [8], activation: tanh}
training: {epochs: 4, lr: 0.05}
"""

# big enough matrices for a multi-threaded BLAS to split them (784 inputs, 64 units)
WIDE = """
data:
  dataset: random
  params: {n_samples: 400, n_features: 784, n_targets: 10}
  val_size: 0.2
model: {hidden: [64, 32], activation: relu}
training: {epochs: 3, batch_size: 64, dtype: float64}
"""


def sweep(cli, *args):
    result = cli("sweep", *args)
    return result, Path(result.stdout.strip().splitlines()[-1]) if result.stdout.strip() else None


def read_trials(sweep_dir):
    with open(sweep_dir / "trials.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_trial_is_the_run_nncli_train_writes(cli, write_config, tmp_path):
    config = write_config(WIDE)
    result, sweep_dir = sweep(cli, config, "--grid", "training.lr=0.001,0.01", "--seeds", "2", "--jobs", "2",
                              "--runs-root", tmp_path / "runs", "--quiet")
    assert result.exit_code == 0, result.stderr
    spec = yaml.safe_load((sweep_dir / "sweep.yaml").read_text())
    assert len(spec["trials"]) == 4
    for trial in spec["trials"]:
        overrides = spec["fixed"] + trial["overrides"] + [f"seed={trial['seed']}", "output.plots=false"]
        alone = tmp_path / "alone" / trial["id"]
        args = [a for o in overrides for a in ("--set", o)]
        trained = cli("train", config, *args, "--run-dir", alone, "--quiet")
        assert trained.exit_code == 0, trained.stderr
        ours = sweep_dir / "trials" / trial["id"]
        assert (ours / "config.yaml").read_text() == (alone / "config.yaml").read_text()
        for name in ("weights.npz", "preprocess.npz"):
            mine, theirs = np.load(ours / name), np.load(alone / name)
            assert sorted(mine.files) == sorted(theirs.files)
            for key in mine.files:  # bit for bit, though the worker used one BLAS thread
                assert mine[key].tobytes() == theirs[key].tobytes(), (trial["id"], name, key)
        # The metrics: a product split over 2 BLAS threads (here) or done by 1 (a worker) can round
        # differently in the last bit (seen: test_r2 -10.872740644870253 against ...255), so they
        # are compared to 1e-12; the weights above are bit for bit all the same.
        mine, theirs = _rows(ours / "metrics.csv"), _rows(alone / "metrics.csv")
        assert list(mine[0]) == list(theirs[0]) and len(mine) == len(theirs)
        for a, b in zip(mine, theirs):
            assert {k: float(v) for k, v in a.items() if k != "seconds"} == \
                   pytest.approx({k: float(v) for k, v in b.items() if k != "seconds"}, rel=1e-12)
        timing = {"wall_seconds", "train_seconds"}
        mine, theirs = _without(ours / "summary.json", timing), _without(alone / "summary.json", timing)
        assert list(mine) == list(theirs)
        assert mine == {k: pytest.approx(v, rel=1e-12) if isinstance(v, float) else v for k, v in theirs.items()}
        varies = {"started_at", "ended_at", "pid", "command"}
        assert _without(ours / "meta.json", varies) == _without(alone / "meta.json", varies)
        assert "data" not in json.loads((ours / "meta.json").read_text())  # not "in memory"


def _rows(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def _without(path, keys):
    return {k: v for k, v in json.loads(path.read_text()).items() if k not in keys}


def test_selection_is_on_validation_and_the_summary_has_means_and_stds(cli, write_config, tmp_path):
    config = write_config(XOR)
    result, sweep_dir = sweep(cli, config, "--grid", "training.lr=0.003,0.1", "--grid", "model.hidden=[4],[8,8]",
                              "--seeds", "3", "--jobs", "2", "--runs-root", tmp_path)
    assert result.exit_code == 0, result.stderr
    rows = read_trials(sweep_dir)
    assert len(rows) == 12 and {r["status"] for r in rows} == {"completed"}
    by_config = {}
    for row in rows:
        by_config.setdefault(row["overrides"], []).append(row)
    means = {key: statistics.mean(float(r["val_loss"]) for r in group) for key, group in by_config.items()}
    best = min(means, key=means.get)
    summary = json.loads((sweep_dir / "summary.json").read_text())
    assert summary["status"] == "completed"
    assert summary["select"]["metric"] == "val_loss"
    assert " ".join(summary["selected"]["overrides"]) == best
    group = by_config[best]
    for key in ("test_accuracy", "test_loss"):
        values = [json.loads((sweep_dir / r["run_dir"] / "summary.json").read_text())[key] for r in group]
        assert summary["selected"]["test"][key]["mean"] == pytest.approx(statistics.mean(values), rel=1e-12)
        assert summary["selected"]["test"][key]["std"] == pytest.approx(statistics.stdev(values), rel=1e-12)
    ranked = [c["metrics"]["val_loss"]["mean"] for c in summary["configurations"]]
    assert ranked == sorted(ranked) and [c["rank"] for c in summary["configurations"]] == [1, 2, 3, 4]
    assert (sweep_dir / "plots" / "sweep.png").stat().st_size > 10_000
    assert "rank" in result.stderr and best in result.stderr  # the table of the best configurations
    # higher is better for accuracy
    result, _ = sweep(cli, config, "--grid", "training.lr=0.003,0.1", "--select", "val_accuracy",
                          "--jobs", "2", "--runs-root", tmp_path, "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    accuracies = [c["metrics"]["val_accuracy"]["mean"] for c in report["configurations"]]
    assert accuracies == sorted(accuracies, reverse=True)
    assert report["selected"]["overrides"] == report["configurations"][0]["overrides"]
    assert len(result.stdout.splitlines()) == 1 and (Path(report["sweep_dir"]) / "summary.json").is_file()


def test_without_a_validation_split_the_sweep_stops_before_training(cli, write_config, tmp_path):
    config = write_config(XOR.replace("val_size: 0.2", "val_size: 0.0"))
    result, _ = sweep(cli, config, "--seeds", "2", "--runs-root", tmp_path / "runs")
    assert result.exit_code == 2
    assert "--set data.val_size=0.2" in result.stderr and "--select train_loss" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "runs").exists()  # nothing made, nothing trained
    result, sweep_dir = sweep(cli, config, "--seeds", "2", "--select", "train_loss", "--jobs", "2",
                              "--runs-root", tmp_path / "runs", "--quiet")
    assert result.exit_code == 0, result.stderr
    assert json.loads((sweep_dir / "summary.json").read_text())["select"]["metric"] == "train_loss"


@pytest.mark.parametrize("metric", ["test_auc", "test_loss"])
def test_selecting_on_test_metrics_is_refused(cli, write_config, tmp_path, metric):
    result, _ = sweep(cli, write_config(XOR), "--select", metric, "--runs-root", tmp_path)
    assert result.exit_code == 2 and "never selects on test" in result.stderr
    assert not list(tmp_path.glob("*-sweep-*"))


def test_a_bad_trial_config_stops_the_sweep_before_training(cli, write_config, tmp_path):
    result, _ = sweep(cli, write_config(XOR), "--grid", "training.lr=0.1,-1", "--runs-root", tmp_path)
    assert result.exit_code == 2
    assert "trial t0001 (training.lr=-1)" in result.stderr and "training.lr" in result.stderr
    assert not list(tmp_path.glob("*-sweep-*"))


def test_seeds_keep_the_data_and_split_and_vary_the_weights(cli, write_config, tmp_path):
    config = write_config(XOR)
    result, sweep_dir = sweep(cli, config, "--seeds", "3", "--jobs", "2", "--runs-root", tmp_path, "--quiet")
    assert result.exit_code == 0, result.stderr
    runs = [load_run(sweep_dir / "trials" / f"t000{i}") for i in range(3)]
    assert [run.config.seed for run in runs] == [0, 1, 2]
    for run in runs[1:]:
        for split in ("train", "val", "test"):
            assert np.array_equal(getattr(run.dataset, split).X, getattr(runs[0].dataset, split).X)
        weights = np.load(run.path / "weights.npz")
        first = np.load(runs[0].path / "weights.npz")
        assert any(not np.array_equal(weights[k], first[k]) for k in weights.files)
    # without data.seed, seed still drives the data as before: another seed, another split
    plain = [load_run(_train(cli, config, tmp_path, f"seed={s}")) for s in (0, 1)]
    assert not np.array_equal(plain[0].dataset.test.X, plain[1].dataset.test.X)
    pinned = [load_run(_train(cli, config, tmp_path, f"seed={s}", "data.seed=0")) for s in (0, 1)]
    assert np.array_equal(pinned[0].dataset.test.X, pinned[1].dataset.test.X)
    assert np.array_equal(pinned[0].dataset.test.X, plain[0].dataset.test.X)  # data.seed 0 = seed 0's data


def _train(cli, config, root, *sets):
    args = [a for s in sets + ("output.plots=false",) for a in ("--set", s)]
    result = cli("train", config, *args, "--runs-root", root / "single", "--quiet")
    assert result.exit_code == 0, result.stderr
    return Path(result.stdout.strip().splitlines()[-1])


def test_a_failing_trial_does_not_stop_the_others_and_a_diverged_one_is_never_selected(cli, write_config,
                                                                                         tmp_path):
    config = write_config(XOR.replace("activation: tanh", "activation: relu")
                          .replace("lr: 0.05", "lr: 0.05, optimizer: sgd"))
    # val_r2 is a valid monitor name, but not for classification: those trials fail when they start
    result, sweep_dir = sweep(cli, config, "--grid", "training.lr=0.05,100000",
                              "--grid", "training.early_stopping.monitor=val_loss,val_r2", "--jobs", "2",
                              "--runs-root", tmp_path)
    assert result.exit_code == 1
    assert "2 trial(s) failed" in result.stderr.strip().splitlines()[-1]
    statuses = {r["overrides"]: r["status"] for r in read_trials(sweep_dir)}
    assert statuses == {
        "training.lr=0.05 training.early_stopping.monitor=val_loss": "completed",
        "training.lr=0.05 training.early_stopping.monitor=val_r2": "failed",
        "training.lr=100000 training.early_stopping.monitor=val_loss": "diverged",
        "training.lr=100000 training.early_stopping.monitor=val_r2": "failed"}
    summary = json.loads((sweep_dir / "summary.json").read_text())
    assert summary["selected"]["overrides"] == ["training.lr=0.05", "training.early_stopping.monitor=val_loss"]
    diverged = next(c for c in summary["configurations"] if c["statuses"] == {"diverged": 1})
    assert diverged["rank"] is None and not diverged["eligible"]


def test_an_internal_error_in_a_trial_is_its_result(monkeypatch, tmp_path, write_config):
    def broken(*args, **kwargs):
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(training_run, "train_from_config", broken)
    task = {"id": "t0000", "config_path": str(write_config(XOR)), "overrides": [], "plots": False}
    result = trial_module.run_trial(task, str(tmp_path / "t0000"))
    assert result["status"] == "failed" and result["summary"] is None
    assert result["error"] == "internal error: RuntimeError: boom second line"


def test_a_sweep_directory_in_use_is_refused(cli, write_config, tmp_path):
    config = write_config(XOR)
    result, sweep_dir = sweep(cli, config, "--jobs", "1", "--sweep-dir", tmp_path / "s", "--quiet")
    assert result.exit_code == 0, result.stderr and sweep_dir == tmp_path / "s"
    with open(sweep_dir / ".lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a running sweep holds it
        result, _ = sweep(cli, "--resume", sweep_dir)
        assert result.exit_code == 2 and "in use by another nncli sweep" in result.stderr
    result, _ = sweep(cli, config, "--sweep-dir", sweep_dir)
    assert result.exit_code == 2 and "--resume" in result.stderr
    result, again = sweep(cli, "--resume", sweep_dir, "--quiet")  # all finished: nothing to train
    assert result.exit_code == 0 and again == sweep_dir


def test_the_dask_executor_needs_its_extra(cli, write_config, tmp_path, monkeypatch):
    """Without the dask extra the flags say what to install (the tests install it, so hide it)."""
    import importlib.util

    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *args: None if name in ("dask", "distributed") else find_spec(name, *args))
    for flags in (["--executor", "dask"], ["--scheduler", "tcp://127.0.0.1:8786"]):
        result, _ = sweep(cli, write_config(XOR), *flags, "--runs-root", tmp_path)
        assert result.exit_code == 2 and "pip install 'nncli[dask]'" in result.stderr

"""nncli train --resume RUN --set training.epochs=N: a finished run trained on to N epochs."""

import json
import math

import numpy as np
import pytest
from conftest import train_run

from nncli.config import load_config
from nncli.errors import RunInterrupted
from nncli.training.observers import Observer
from nncli.training.resume import resume_run
from nncli.training.run import train

CONFIG = """\
seed: 3
data: {dataset: circles, params: {n_samples: 200}, val_size: 0.2}
model: {hidden: [6], activation: tanh}
training: {epochs: EPOCHS, batch_size: 16, lr: 0.05, dtype: float64, checkpoint_every: 2}
output: {plots: false}
"""


def _config(write_config, epochs, text=CONFIG, name="circles.yaml"):
    return write_config(text.replace("EPOCHS", str(epochs)), name)


def _metrics(run):
    """metrics.csv rows without the timing column (epoch, lr, then the metrics)."""
    lines = (run / "metrics.csv").read_text().splitlines()
    return [line.split(",")[:1] + line.split(",")[2:] for line in lines]


def _read(run, name):
    return json.loads((run / name).read_text())


def test_extending_a_finished_run_equals_training_longer_from_the_start(cli, write_config, tmp_path):
    short = train_run(cli, _config(write_config, 3), tmp_path / "a")
    result = cli("train", "--resume", short, "--set", "training.epochs=6", "--quiet")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == str(short)
    whole = train_run(cli, _config(write_config, 6), tmp_path / "b")

    weights, expected = np.load(short / "weights.npz"), np.load(whole / "weights.npz")
    assert sorted(weights.files) == sorted(expected.files)
    for key in expected.files:
        np.testing.assert_array_equal(weights[key], expected[key], err_msg=key)  # bit for bit
    assert len(_metrics(short)) == 1 + 6
    assert _metrics(short) == _metrics(whole)
    assert (short / "config.yaml").read_text() == (whole / "config.yaml").read_text()
    summary, reference = _read(short, "summary.json"), _read(whole, "summary.json")
    assert summary["epochs_run"] == 6 and summary["status"] == "completed"
    for key in ("test_loss", "test_auc", "val_loss", "train_loss"):
        assert summary[key] == reference[key], key
    meta = _read(short, "meta.json")
    assert meta["status"] == "completed"
    assert [(s["from_epoch"], s["to_epoch"], s["status"]) for s in meta["segments"]] == [
        (0, 3, "completed"), (3, 6, "completed")]
    assert meta["segments"][1]["ended_at"] == meta["ended_at"]
    # extended once more, and a plain resume of the finished run still changes nothing
    assert cli("train", "--resume", short, "--set", "training.epochs=7", "--quiet").exit_code == 0
    assert [s["to_epoch"] for s in _read(short, "meta.json")["segments"]] == [3, 6, 7]
    again = cli("train", "--resume", short)
    assert again.exit_code == 0 and "already finished" in again.stderr
    assert len(_metrics(short)) == 1 + 7


def test_another_changed_key_or_too_few_epochs_is_refused(cli, write_config, tmp_path):
    run = train_run(cli, _config(write_config, 3), tmp_path / "runs")
    before = {name: (run / name).read_bytes() for name in ("meta.json", "config.yaml", "checkpoint.npz")}
    changed = cli("train", "--resume", run, "--set", "training.epochs=6", "--set", "training.lr=0.1")
    assert changed.exit_code == 2
    assert "training.lr" in changed.stderr and "only training.epochs may change" in changed.stderr
    alone = cli("train", "--resume", run, "--set", "training.lr=0.1")  # no longer ignored on a finished run
    assert alone.exit_code == 2 and "(training.lr)" in alone.stderr
    other_file = _config(write_config, 6, CONFIG.replace("[6]", "[8]"), "wider.yaml")
    changed = cli("train", other_file, "--resume", run)
    assert changed.exit_code == 2 and "model.hidden" in changed.stderr
    for epochs in (2, 3):
        fewer = cli("train", "--resume", run, "--set", f"training.epochs={epochs}")
        assert fewer.exit_code == 2
        assert f"training.epochs={epochs}" in fewer.stderr and "has run 3 epochs" in fewer.stderr
    # a config file that differs in training.epochs alone extends the run
    assert {name: (run / name).read_bytes() for name in before} == before
    longer = cli("train", _config(write_config, 5, name="longer.yaml"), "--resume", run, "--quiet")
    assert longer.exit_code == 0, longer.stderr
    assert _read(run, "summary.json")["epochs_run"] == 5


def test_an_early_stopped_run_gets_its_patience_again(cli, write_config, tmp_path):
    # min_delta so large that no epoch after the first counts as better: stops at epoch 1 + patience
    stopping = CONFIG.replace("checkpoint_every: 2}", "checkpoint_every: 2,\n"
                              "  early_stopping: {patience: 2, min_delta: 100.0, restore_best: true}}")
    run = train_run(cli, _config(write_config, 20, stopping), tmp_path / "runs")
    first = _read(run, "summary.json")
    assert (first["status"], first["epochs_run"], first["best_epoch"]) == ("stopped_early", 3, 1)
    best = dict(np.load(run / "weights.npz"))
    result = cli("train", "--resume", run, "--set", "training.epochs=20", "--quiet")
    assert result.exit_code == 0, result.stderr
    summary = _read(run, "summary.json")
    # two more epochs (the patience, counted again), then the best weights of all five are kept
    assert (summary["status"], summary["epochs_run"], summary["best_epoch"]) == ("stopped_early", 5, 1)
    assert summary["stop_reason"] == "early_stopping"
    for key, value in np.load(run / "weights.npz").items():
        np.testing.assert_array_equal(value, best[key])
    assert [(s["from_epoch"], s["to_epoch"], s["epochs"], s["status"]) for s in _read(run, "meta.json")["segments"]] \
        == [(0, 3, 20, "stopped_early"), (3, 5, 20, "stopped_early")]


def test_a_schedule_over_the_total_takes_the_new_total(cli, write_config, tmp_path):
    cosine = CONFIG.replace("lr: 0.05", "lr: 0.05, schedule: cosine")
    run = train_run(cli, _config(write_config, 4, cosine), tmp_path / "runs")
    assert cli("train", "--resume", run, "--set", "training.epochs=8", "--quiet").exit_code == 0
    rates = [float(row[1]) for row in _metrics(run)[1:]]
    first = [0.05 * 0.5 * (1 + math.cos(math.pi * epoch / 4)) for epoch in range(4)]
    then = [0.05 * 0.5 * (1 + math.cos(math.pi * epoch / 8)) for epoch in range(4, 8)]
    np.testing.assert_allclose(rates, first + then, rtol=1e-12)


class StopAfterFirstEpoch(Observer):
    def on_epoch_end(self, trainer, row):
        trainer.request_stop()


def test_an_interrupted_extension_resumes_and_an_interrupted_run_takes_a_new_total(cli, write_config, tmp_path):
    config = _config(write_config, 3)
    reference = train_run(cli, _config(write_config, 5, name="five.yaml"), tmp_path / "reference")
    run = train_run(cli, config, tmp_path / "runs")
    with pytest.raises(RunInterrupted):
        resume_run(run, overrides=["training.epochs=5"], observers=[StopAfterFirstEpoch()])
    meta = _read(run, "meta.json")
    assert meta["status"] == "interrupted"
    assert [(s["from_epoch"], s["to_epoch"], s["epochs"], s["status"]) for s in meta["segments"]] == [
        (0, 3, 3, "completed"), (3, 4, 5, "interrupted")]
    assert cli("train", "--resume", run, "--quiet").exit_code == 0  # the new total is the run's own now
    assert [(s["to_epoch"], s["status"]) for s in _read(run, "meta.json")["segments"]] == [
        (3, "completed"), (5, "completed")]
    assert _metrics(run) == _metrics(reference)
    # a run interrupted before its end can be given another total as well
    cut = tmp_path / "cut"
    with pytest.raises(RunInterrupted):
        train(load_config(_config(write_config, 9, name="nine.yaml")), run_dir=cut,
              observers=[StopAfterFirstEpoch()])
    assert cli("train", "--resume", cut, "--set", "training.epochs=5", "--quiet").exit_code == 0
    assert _metrics(cut) == _metrics(reference)
    for key, value in np.load(reference / "weights.npz").items():
        np.testing.assert_array_equal(np.load(cut / "weights.npz")[key], value)


@pytest.mark.parametrize("rules", [
    "schedule: {type: step, step_size: 2, gamma: 0.5}",
    "schedule: {type: plateau, patience: 1, factor: 0.5}",
    "early_stopping: {patience: 50}",  # configured, not triggered: its state carries on
])
def test_rules_that_do_not_read_the_total_continue_exactly(cli, write_config, tmp_path, rules):
    text = CONFIG.replace("checkpoint_every: 2}", f"checkpoint_every: 2, {rules}}}")
    run = train_run(cli, _config(write_config, 3, text), tmp_path / "a")
    assert cli("train", "--resume", run, "--set", "training.epochs=6", "--quiet").exit_code == 0
    whole = train_run(cli, _config(write_config, 6, text), tmp_path / "b")
    assert _metrics(run) == _metrics(whole)
    for key, value in np.load(whole / "weights.npz").items():
        np.testing.assert_array_equal(np.load(run / "weights.npz")[key], value, err_msg=key)

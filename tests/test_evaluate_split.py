"""nncli evaluate RUN --split train|val|test: summary.json's numbers and names; unfinished runs warned about."""

import json
import os
import subprocess
import sys

import pytest
from conftest import train_run

from nncli.config import validate
from nncli.errors import RunInterrupted
from nncli.training.observers import Observer
from nncli.training.run import train

BINARY = """\
data: {dataset: circles, params: {n_samples: 200}, val_size: 0.2}
model: {hidden: [6], activation: tanh}
training: {epochs: 3, lr: 0.02}
output: {plots: false}
"""

REGRESSION = """\
data: {dataset: random, params: {n_samples: 120, n_features: 3}, val_size: 0.25}
model: {hidden: [4]}
training: {epochs: 2}
output: {plots: false}
"""


def _json(cli, *args):
    result = cli("evaluate", *args, "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout), result.stderr


@pytest.mark.parametrize("text", [BINARY, REGRESSION], ids=["binary", "regression"])
def test_each_split_gives_the_summary_numbers_under_the_summary_names(cli, write_config, tmp_path, text):
    run = train_run(cli, write_config(text), tmp_path / "runs")
    summary = json.loads((run / "summary.json").read_text())
    for split in ("train", "val", "test"):
        report, stderr = _json(cli, run, "--split", split)
        assert report["split"] == split and report["n"] == summary[f"n_{split}"]
        expected = {key: value for key, value in summary.items()
                    if key.startswith(f"{split}_") and key != "train_seconds"}
        assert report["metrics"] == expected  # exactly: same data, same weights, same code
        assert stderr == ""  # a finished run: no warning
    assert _json(cli, run)[0]["metrics"] == _json(cli, run, "--split", "test")[0]["metrics"]
    table = cli("evaluate", run, "--split", "val")
    assert table.exit_code == 0 and f"val split ({summary['n_val']} rows)" in table.stdout


def test_a_split_the_run_does_not_have_or_a_wrong_option_is_refused(cli, write_config, tmp_path):
    run = train_run(cli, write_config(BINARY.replace(", val_size: 0.2", "")), tmp_path / "runs")
    result = cli("evaluate", run, "--split", "val")
    assert result.exit_code == 2 and f"{run} has no val split" in result.stderr
    result = cli("evaluate", run, "--split", "holdout")
    assert result.exit_code == 2 and "--split must be train, val or test (got holdout)" in result.stderr
    data = tmp_path / "test.csv"
    assert cli("data", run / "config.yaml", "--split", "test", "-o", data).exit_code == 0
    result = cli("evaluate", run, "--split", "test", "--data", data)
    assert result.exit_code == 2 and "give one of them" in result.stderr
    report, _ = _json(cli, run, "--data", data)  # a CSV is scored as a test set
    assert report["split"] is None and report["metrics"] == _json(cli, run)[0]["metrics"]


class StopAfterFirstEpoch(Observer):
    def on_epoch_end(self, trainer, row):
        trainer.request_stop()


def test_an_unfinished_run_is_scored_with_a_warning(cli, write_config, tmp_path):
    config = validate({"name": "cut", "data": {"dataset": "circles", "params": {"n_samples": 100}},
                       "training": {"epochs": 5}, "output": {"plots": False}})
    with pytest.raises(RunInterrupted):
        train(config, run_dir=tmp_path / "cut", observers=[StopAfterFirstEpoch()])
    report, stderr = _json(cli, tmp_path / "cut", "--split", "train")
    assert "test_auc" not in report["metrics"] and "train_auc" in report["metrics"]
    assert stderr.startswith("nncli: warning: ") and stderr.count("\n") == 1
    assert "was interrupted" in stderr and f"nncli train --resume {tmp_path / 'cut'}" in stderr

    meta_file = tmp_path / "cut" / "meta.json"
    meta = json.loads(meta_file.read_text())
    meta_file.write_text(json.dumps({**meta, "status": "running", "pid": os.getpid()}))
    assert "is still being trained" in _json(cli, tmp_path / "cut")[1]
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    meta_file.write_text(json.dumps({**meta, "status": "running", "pid": int(gone.stdout)}))
    assert "its process is gone" in _json(cli, tmp_path / "cut")[1]

    diverging = write_config("data: {dataset: circles}\nmodel: {hidden: [16]}\noutput: {plots: false}\n"
                             "training: {epochs: 20, optimizer: sgd, lr: 1000000.0}\n", "diverging.yaml")
    assert cli("train", diverging, "--run-dir", tmp_path / "diverged").exit_code == 1
    stderr = cli("evaluate", tmp_path / "diverged").stderr
    assert "diverged (these are its last finite weights)" in stderr and "--resume" not in stderr
    # predict warns as evaluate does, and only about an unfinished run
    test_csv = tmp_path / "test.csv"
    assert cli("data", tmp_path / "cut" / "config.yaml", "--split", "test", "-o", test_csv).exit_code == 0
    meta_file.write_text(json.dumps(meta))  # interrupted again
    predicted = cli("predict", tmp_path / "cut", test_csv)
    assert predicted.exit_code == 0 and predicted.stdout.startswith("prediction,")
    assert predicted.stderr == (f"nncli: warning: {tmp_path / 'cut'} was interrupted: predicting with the weights it "
                                f"had then, not those of a finished training; continue it with: nncli train --resume "
                                f"{tmp_path / 'cut'}\n")
    finished = train_run(cli, write_config(BINARY, "finished.yaml"), tmp_path / "runs")
    assert cli("predict", finished, test_csv).stderr == ""

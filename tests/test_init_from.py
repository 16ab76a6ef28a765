"""model.init_from: a new run starts from another run's trained weights."""

import json
import shutil

import numpy as np
from conftest import train_run

from nncli.config import load_config
from nncli.training.observers import Observer
from nncli.training.run import train

SOURCE = """\
seed: 4
data: {dataset: circles, params: {n_samples: 120}}
model: {hidden: [6], activation: tanh}
training: {epochs: 2, lr: 0.02}
output: {plots: false}
"""


class FirstWeights(Observer):
    """Keeps the weights the network has before its first batch."""

    def on_train_begin(self, trainer):
        self.weights = trainer.model.state_dict()


def test_a_run_starts_from_the_weights_of_another_on_its_own_data(cli, write_config, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    source = train_run(cli, write_config(SOURCE, "source.yaml"), "runs")
    (tmp_path / "configs").mkdir()
    tuned = write_config(SOURCE.replace("circles, params: {n_samples: 120}", "moons, params: {n_samples: 90}")
                         .replace("activation: tanh}", f"activation: tanh, init_from: {source}}}"),
                         "configs/tuned.yaml")  # a relative init_from: from the working directory
    observer = FirstWeights()
    run, _ = train(load_config(tuned), runs_root="runs", observers=[observer])
    trained = np.load(source / "weights.npz")
    assert sorted(observer.weights) == sorted(trained.files)
    for key in trained.files:
        np.testing.assert_array_equal(observer.weights[key], trained[key])
    meta = json.loads((run / "meta.json").read_text())
    assert meta["init_from"] == str(source.resolve())
    # the new run's input scaling is fitted on its own (moons) data
    assert not np.array_equal(np.load(run / "preprocess.npz")["mean"], np.load(source / "preprocess.npz")["mean"])
    # a resume or extension does not read the source again: its checkpoint has the weights
    shutil.rmtree(source)
    longer = cli("train", "--resume", run, "--set", "training.epochs=3", "--quiet")
    assert longer.exit_code == 0, longer.stderr


def test_shapes_are_checked_layer_by_layer(cli, write_config, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    source = train_run(cli, write_config(SOURCE, "source.yaml"), "runs")
    before = sorted((tmp_path / "runs").iterdir())
    init = f"init_from: {source}"
    cases = {
        "[8]": ("0.weight has shape (6, 2) there, but layer 0 (Dense) of this network needs (8, 2)",),
        "[6, 6]": ("1.weight has shape (1, 6) there, but layer 1 (Dense) of this network needs (6, 6)",),
        "[6, 1]": ("its weights have no 2.weight, which layer 2 (Dense, the output layer) of this network needs "
                   "with shape (1, 1)",),
    }
    for hidden, expected in cases.items():
        config = write_config(SOURCE.replace("[6]", hidden).replace("activation: tanh}", f"activation: tanh, {init}}}"),
                              "wrong.yaml")
        result = cli("train", config, "--runs-root", tmp_path / "runs")
        assert result.exit_code == 2, hidden
        assert f"wrong.yaml: model.init_from {source}: " in result.stderr
        for text in expected:
            assert text in result.stderr, (hidden, result.stderr)
    # a network with fewer layers than the source, whose layers all fit
    narrow = train_run(cli, write_config(SOURCE.replace("[6]", "[1]"), "narrow.yaml"), "runs")
    shallow = SOURCE.replace("[6]", "[]").replace("activation: tanh}", f"activation: tanh, init_from: {narrow}}}")
    result = cli("train", write_config(shallow, "shallow.yaml"), "--runs-root", "runs")
    assert result.exit_code == 2
    assert "its weights have 1.bias, 1.weight, which this network has no layer for" in result.stderr
    before = sorted((tmp_path / "runs").iterdir())
    three = SOURCE.replace("circles, params: {n_samples: 120}", "blobs, params: {n_samples: 60, centers: 3}")
    result = cli("train", write_config(three.replace("activation: tanh}", f"activation: tanh, {init}}}"), "three.yaml"),
                 "--runs-root", tmp_path / "runs")
    assert result.exit_code == 2
    assert "1.weight has shape (1, 6) there, but layer 1 (Dense, the output layer) of this network needs (3, 6)" \
        in result.stderr
    assert sorted((tmp_path / "runs").iterdir()) == before  # refused before a run directory is made


def test_a_missing_run_or_weights_file_is_refused(cli, write_config, tmp_path):
    config = write_config(SOURCE.replace("activation: tanh}", "activation: tanh, init_from: nowhere}"))
    result = cli("train", config, "--runs-root", tmp_path / "runs")
    assert result.exit_code == 2 and "model.init_from nowhere: run directory not found" in result.stderr
    unfinished = tmp_path / "unfinished"
    unfinished.mkdir()
    result = cli("train", config, "--runs-root", tmp_path / "runs", "--set", f"model.init_from={unfinished}")
    assert result.exit_code == 2 and "no weights.npz there" in result.stderr


def test_a_key_given_by_set_is_blamed_on_the_set_not_the_file(cli, write_config, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    source = train_run(cli, write_config(SOURCE, "source.yaml"), "runs")
    config = write_config(SOURCE.replace("[6]", "[8]"), "wide.yaml")
    result = cli("train", config, "--runs-root", "runs", "--set", f"model.init_from={source}")
    assert result.exit_code == 2
    line = result.stderr.strip()
    assert line.startswith(f"nncli: error: --set model.init_from {source}: 0.weight has shape (6, 2) there")
    assert "wide.yaml" not in line and line.count("model.init_from") == 1  # the key once, where it was given
    result = cli("train", config, "--runs-root", "runs", "--set", "training.class_weight={0: 1, 7: 2}")
    assert result.stderr.strip() == ("nncli: error: --set training.class_weight names class 7, which the data "
                                     "does not have (its classes: 0, 1)")

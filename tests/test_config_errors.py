"""Bad configs exit 2 with one line naming the file, line and key, and write nothing."""

import pytest

from nncli.config import load_config, resolved_yaml, validate
from nncli.errors import ConfigError

GOOD = """\
data: {dataset: circles}
model: {hidden: [4], activation: tanh}
training: {epochs: 2}
"""


def _train(cli, path, tmp_path, *extra):
    return cli("train", path, "--runs-root", tmp_path / "runs", *extra)


def _assert_clean_failure(result, tmp_path):
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())
    return lines[0]


def test_misspelt_section_names_it_and_suggests(cli, write_config, tmp_path):
    path = write_config("data: {dataset: circles}\ntrainig:\n  epochs: 3\n")
    line = _assert_clean_failure(_train(cli, path, tmp_path), tmp_path)
    assert "trainig" in line and "did you mean 'training'" in line and f"{path}:2" in line


def test_negative_learning_rate_names_the_key(cli, write_config, tmp_path):
    path = write_config("data: {dataset: circles}\ntraining:\n  epochs: 3\n  lr: -1\n")
    line = _assert_clean_failure(_train(cli, path, tmp_path), tmp_path)
    assert "training.lr" in line and "greater than 0" in line and ":4" in line


def test_yaml_syntax_error_gives_line_and_column(cli, write_config, tmp_path):
    path = write_config("data: {dataset: circles\ntraining:\n  lr: 0.1\n")
    line = _assert_clean_failure(_train(cli, path, tmp_path), tmp_path)
    assert f"{path}:2:" in line and "invalid YAML" in line


@pytest.mark.parametrize(
    "text, expected",
    [
        ("data: {dataset: circle}\n", "did you mean 'circles'"),
        ("data: {dataset: circles}\ntraining: {optimizer: adm}\n", "sgd, momentum, nesterov, rmsprop, adam"),
        ("data: {dataset: circles}\nmodel: {activation: rlu}\n", "did you mean 'relu'"),
        ("data: {dataset: circles, params: {nois: 0.2}}\n", "did you mean 'noise'"),
        ("data: {dataset: circles, params: {noise: -1}}\n", "data.params.noise must be at least 0"),
        ("data: {dataset: circles}\ntraining: {batch_size: 0}\n", "positive integer or 'full'"),
        ("data: {dataset: circles}\ntraining: {epochs: ten}\n", "training.epochs: must be an integer"),
        ("data: {dataset: circles}\ntraining: {epochs: yes}\n", "config.yaml:2: training.epochs cannot be true"),
        ("data: {dataset: circles}\nmodel: {hidden: [4, no]}\n", "model.hidden[1] cannot be false"),
        ("data: {dataset: circles, params: {noise: on}}\n", "data.params.noise cannot be true"),
        ("data: {dataset: circles}\nmodel:\n  layers:\n    - {type: dense, units: yes}\n",
         "config.yaml:4: model.layers[0].units cannot be true"),
        ("data: {dataset: circles}\nmodel: {layers: [{type: dense, units: 3}], hidden: [2]}\n", "not both"),
        ("data: {dataset: circles}\nmodel:\n  layers:\n    - {type: dense, unit: 3}\n", "did you mean 'units'"),
        ("data: {dataset: circles}\nmodel:\n  layers:\n    - {type: dnse, units: 3}\n", "model.layers[0].type"),
        ("data: {dataset: digits}\nmodel:\n  layers:\n    - {type: conv2d, filters: 4, kernal: 3}\n",
         "(did you mean 'kernel'?); valid keys: type, filters, kernel, stride, padding, activation, init"),
        ("data: {dataset: circles}\nmodel:\n  layers:\n    - {type: rnn, units: 3, activaton: tanh}\n",
         "(did you mean 'activation'?); valid keys: type, units, activation, return_sequences"),
        ("data: {dataset: circles}\nmodel:\n  layers:\n    - {type: residual, layers: [{type: dense, unitz: 3}]}\n",
         "in model.layers[0].layers[0] (did you mean 'units'?); valid keys: type, units, activation, init"),
        ("data: {dataset: circles}\ntraining: {schedule: {type: step, gama: 0.1}}\n", "did you mean 'gamma'"),
        ("data: {dataset: circles}\ntraining: {early_stopping: {monitor: val_loss}}\n", "val_size"),
        ("data: {dataset: circles}\ntraining: {target_auc: 1.5}\n", "training.target_auc must be at most 1"),
        ("data: {dataset: circles}\nname: ../escape\n", "name may hold only"),
        ("- just a list\n", "top level must be a mapping"),
        ("data: {dataset: circles}\ndata: {dataset: moons}\n", "duplicate key 'data'"),
        ("seed: 3\n", "data is required"),
        ("data: {dataset: random}\ntraining: {loss: bce}\n", "needs a classification dataset"),
        ("data: {dataset: circles}\nmodel:\n  layers:\n    - {type: dense, units: 4}\n"
         "    - {type: conv2d, filters: 4}\n",
         "config.yaml: model does not fit the data's input shape (2,): layer 1 (Conv2D): conv2d needs inputs"),
        ("data: {dataset: circles}\ntraining: {loss: bce}\nmodel: {output: softmax}\n", "needs model.output sigmoid"),
    ],
)
def test_invalid_configs_exit_2_with_one_line(cli, write_config, tmp_path, text, expected):
    line = _assert_clean_failure(_train(cli, write_config(text), tmp_path), tmp_path)
    assert expected in line, line


def test_missing_config_file(cli, tmp_path):
    line = _assert_clean_failure(_train(cli, tmp_path / "nope.yaml", tmp_path), tmp_path)
    assert "not found" in line and "nope.yaml" in line


@pytest.mark.parametrize(
    "override, expected",
    [
        ("training.lrr=0.1", "--set training.lrr: unknown key 'lrr' in training (did you mean 'lr'?)"),
        ("training.lr=-2", "--set training.lr"),
        ("oops", "--set needs KEY=VALUE"),
        ("model.hidden=[1, -4]", "model.hidden[1] must be at least 1"),
    ],
)
def test_bad_overrides(cli, write_config, tmp_path, override, expected):
    line = _assert_clean_failure(_train(cli, write_config(GOOD), tmp_path, "--set", override), tmp_path)
    assert expected in line, line


def test_overrides_reach_every_kind_of_key(write_config):
    path = write_config(GOOD)
    config = load_config(path, ["model.hidden=[16,16]", "training.lr=0.05", "training.schedule=cosine",
                                "data.params.noise=0.2", "training.early_stopping={patience: 3}",
                                "training.batch_size=full", "seed=7"])
    assert config.model.hidden == [16, 16]
    assert config.training.lr == 0.05
    assert config.training.schedule.type == "cosine"
    assert config.data.params["noise"] == 0.2
    assert config.training.early_stopping.monitor == "train_loss"
    assert config.training.batch_size == "full"
    assert config.seed == 7


def test_defaults_are_filled_and_the_resolved_config_reloads(write_config, tmp_path):
    config = load_config(write_config("data: {dataset: moons}\n", name="my-moons.yaml"))
    assert config.name == "my-moons"
    assert config.training.optimizer == "adam" and config.training.lr == 0.001
    assert config.data.params == {"n_samples": 1000, "noise": 0.1}
    text = resolved_yaml(config)
    again = load_config(write_config(text, name="again.yaml"))
    assert again == config


def test_validate_rejects_unknown_layer_key_with_path():
    with pytest.raises(ConfigError, match=r"model.layers\[0\]"):
        validate({"data": {"dataset": "xor"}, "model": {"layers": [{"type": "dense", "units": 2, "colour": 1}]}})


def test_a_validated_config_is_frozen_and_replace_derives_a_changed_copy():
    from pydantic import ValidationError

    config = validate({"data": {"dataset": "circles"}, "training": {"early_stopping": {"patience": 3}}})
    with pytest.raises(ValidationError, match="frozen"):
        config.training.lr = 0.5
    changed = config.replace("training.early_stopping.patience", 7)
    assert changed.training.early_stopping.patience == 7 and config.training.early_stopping.patience == 3
    assert changed.training.early_stopping.monitor == "train_loss" and changed.data is config.data

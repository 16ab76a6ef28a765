"""Optimizer settings (momentum, rho, beta1, ...) are taken only by the optimizers that use them:
a config that gives one its optimizer ignores is refused, and a run records only its own.
Run directories written by nncli before that (every key in config.yaml) still load."""

import json

import numpy as np
import pytest
import yaml
from conftest import train_run

from nncli import runs
from nncli.config import load_config, resolved_yaml, validate
from nncli.config.schema import OPTIMIZER_SETTINGS
from nncli.errors import ConfigError
from nncli.nn.optimizers import OPTIMIZERS

TINY = "data: {dataset: circles, params: {n_samples: 100}}\nmodel: {hidden: [3]}\noutput: {plots: false}\n"


def _refusal(cli, path, tmp_path, *extra, problems=1):
    result = cli("train", path, "--runs-root", tmp_path / "runs", *extra)
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == problems, result.stderr
    assert not (tmp_path / "runs").exists()
    return result.stderr.strip()


def test_a_setting_of_another_optimizer_is_refused_naming_file_line_and_takers(cli, write_config, tmp_path):
    path = write_config(TINY + "training:\n  optimizer: adam\n  epochs: 2\n  rho: 0.5\n")
    line = _refusal(cli, path, tmp_path)
    assert line == f"nncli: error: {path}:7: training.rho applies only to optimizer rmsprop (this config uses adam)"


def test_a_setting_at_its_default_value_is_refused_too(write_config):
    # sgd with `momentum: 0.9` would otherwise train plain sgd while the config reads as momentum
    path = write_config(TINY + "training:\n  optimizer: sgd\n  momentum: 0.9\n")
    with pytest.raises(ConfigError, match=r"config.yaml:6: training.momentum applies only to optimizers "
                                          r"momentum, nesterov \(this config uses sgd\)"):
        load_config(path)


def test_switching_optimizer_with_set_names_the_key_the_file_gives(cli, write_config, tmp_path):
    path = write_config(TINY + "training:\n  epochs: 2\n  beta1: 0.8\n")
    line = _refusal(cli, path, tmp_path, "--set", "training.optimizer=sgd")
    assert f"{path}:6: training.beta1 applies only to optimizer adam (this config uses sgd)" in line


def test_a_set_of_another_optimizer_s_setting_names_the_set(cli, write_config, tmp_path):
    path = write_config(TINY + "training: {optimizer: sgd, epochs: 2}\n")
    line = _refusal(cli, path, tmp_path, "--set", "training.eps=1e-6")
    assert "--set training.eps applies only to optimizers rmsprop, adam (this config uses sgd)" in line


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_each_optimizer_takes_its_settings_and_records_only_them(optimizer):
    values = {"momentum": 0.5, "rho": 0.5, "beta1": 0.5, "beta2": 0.5, "eps": 1e-6, "weight_decay": 0.1}
    own = OPTIMIZERS[optimizer].settings
    config = validate({"data": {"dataset": "circles"},
                       "training": {"optimizer": optimizer, **{key: values[key] for key in own}}})
    assert config.training.optimizer_settings() == {key: values[key] for key in own}
    training = yaml.safe_load(resolved_yaml(config))["training"]
    assert {key for key in training if key in OPTIMIZER_SETTINGS} == set(own)
    assert validate(yaml.safe_load(resolved_yaml(config))) == config


def _as_written_before(run, extra):
    """Make ``run`` look as nncli before this change wrote it: config.yaml (and the copy of
    it in checkpoint.npz) listing every optimizer setting, ``extra`` lines after ``lr``."""
    text = (run / runs.CONFIG).read_text()
    assert "momentum" not in text and "rho" not in text
    old = text.replace("  lr: 0.001\n", "  lr: 0.001\n" + extra)
    assert old != text
    (run / runs.CONFIG).write_text(old)
    checkpoint = dict(np.load(run / runs.CHECKPOINT))
    checkpoint["config_yaml"] = np.array(old)
    runs.write_npz(run / runs.CHECKPOINT, checkpoint)


def test_run_directories_written_before_still_load(cli, write_config, tmp_path):
    config = write_config(TINY + "training: {epochs: 3, checkpoint_every: 1}\n")
    run = train_run(cli, config, tmp_path / "runs")
    # an adam run whose config also held momentum and rho (rho: 0.5 set by hand, ignored then as now)
    _as_written_before(run, "  momentum: 0.9\n  rho: 0.5\n")
    assert load_config(run / runs.CONFIG, run_file=True).training.optimizer == "adam"
    assert cli("evaluate", run, "--json").exit_code == 0
    data = tmp_path / "test.csv"
    assert cli("data", config, "--split", "test", "-o", data).exit_code == 0
    assert cli("predict", run, data, "-o", tmp_path / "out.csv").exit_code == 0
    assert cli("plot", run).exit_code == 0
    meta = json.loads((run / runs.META).read_text())
    meta.update(status="interrupted")
    (run / runs.META).write_text(json.dumps(meta))
    # a setting given now is checked, also when resuming
    refused = cli("train", "--resume", run, "--set", "training.eps=1e-6", "--set", "training.rho=0.2")
    assert refused.exit_code == 2 and "--set training.rho applies only" in refused.stderr
    resumed = cli("train", "--resume", run, "--quiet")
    assert resumed.exit_code == 0, resumed.stderr
    assert json.loads((run / runs.META).read_text())["status"] == "completed"


def test_a_config_copied_from_an_old_run_is_refused_as_a_hand_written_one(cli, write_config, tmp_path):
    run = train_run(cli, write_config(TINY + "training: {epochs: 1}\n"), tmp_path / "old")
    _as_written_before(run, "  momentum: 0.9\n  rho: 0.9\n")
    lines = _refusal(cli, run / runs.CONFIG, tmp_path, problems=2)  # one line per problem
    assert "training.momentum applies only to optimizers momentum, nesterov (this config uses adam)" in lines
    assert "training.rho applies only to optimizer rmsprop (this config uses adam)" in lines

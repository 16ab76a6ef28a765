"""nncli check: every example config passes; a deliberately broken backward pass fails."""

import json

import numpy as np
import pytest
from conftest import CONFIGS

from nncli.config import validate
from nncli.nn.activations import Relu, Tanh
from nncli.nn.build import build_model
from nncli.nn.gradcheck import check_model

#: Cheaper checks of the same networks.  The OCR configs took about 80 s of the suite together
#: (ocr-lstm.yaml alone a minute before it was made cheaper): rendering 40 variants of every
#: letter (the check uses 16 rows) and 200 entries per array, each difference a forward pass
#: (of a 128-unit LSTM over 32 steps, of two convolutions over 32x32 images).  One variant
#: and 20 entries of every array (every weight and bias of every layer) still check the real
#: layers' backward passes; a wrong one is off everywhere.
CHEAP = ["--set", "data.params.variants=1", "--max-entries", "20"]
CHEAPER = {name: CHEAP for name in ("ocr-lstm.yaml", "ocr-conv.yaml", "ocr-residual.yaml", "ocr-dense.yaml")}


@pytest.mark.parametrize("config", sorted(CONFIGS.glob("*.yaml")), ids=lambda p: p.name)
def test_every_example_config_passes(cli, config):
    result = cli("check", config, "--json", *CHEAPER.get(config.name, []))
    assert result.exit_code == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["passed"] and report["max_rel_error"] <= 1e-5
    assert report["max_rel_error"] == max(report["layers"].values())
    assert set(report["layers"]) == set(report["shapes"]) == set(report["checked"])
    if config.name in CHEAPER:  # the same network, with every parameter array checked
        assert report["shapes"] == CHEAPER_SHAPES[config.name]
        sizes = {name: int(np.prod(shape)) for name, shape in report["shapes"].items()}
        assert report["checked"] == {name: min(20, size) for name, size in sizes.items()}


#: every parameter array of each network, as the full check (without CHEAP) reports them
CHEAPER_SHAPES = {
    "ocr-lstm.yaml": {"0.weight_ih": [512, 32], "0.weight_hh": [512, 128], "0.bias": [512], "1.weight": [26, 128],
                      "1.bias": [26]},
    "ocr-conv.yaml": {"0.weight": [16, 1, 3, 3], "0.bias": [16], "1.weight": [32, 16, 3, 3], "1.bias": [32],
                      "2.weight": [128, 2048], "2.bias": [128], "3.weight": [26, 128], "3.bias": [26]},
    "ocr-residual.yaml": {"0.weight": [16, 1, 3, 3], "0.bias": [16], "1.0.weight": [16, 16, 3, 3], "1.0.bias": [16],
                          "1.1.weight": [16, 16, 3, 3], "1.1.bias": [16], "2.weight": [128, 1024], "2.bias": [128],
                          "3.weight": [26, 128], "3.bias": [26]},
    "ocr-dense.yaml": {"0.weight": [225, 1024], "0.bias": [225], "1.weight": [225, 225], "1.bias": [225],
                       "2.weight": [26, 225], "2.bias": [26]},
}


def test_table_output(cli):
    result = cli("check", CONFIGS / "circles.yaml")
    assert result.exit_code == 0
    for text in ("0.weight", "2.bias", "relative error", "ok", "tolerance 1e-05"):
        assert text in result.stdout


def _no_derivative(self, y, grad, scratch=None):
    return grad  # "forgets" to multiply by the activation's derivative


def test_broken_backward_fails_with_exit_1(cli, monkeypatch):
    monkeypatch.setattr(Tanh, "backward", _no_derivative)
    result = cli("check", CONFIGS / "xor.yaml", "--json")  # tanh hidden layers
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert not report["passed"] and report["max_rel_error"] > 1e-2
    # the output layer's gradient does not go through tanh: still right
    assert report["layers"]["2.weight"] < 1e-7
    assert "gradient check failed" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    result = cli("check", CONFIGS / "xor.yaml")
    assert result.exit_code == 1 and "FAIL" in result.stdout


def test_smaller_steps_do_not_hide_a_wrong_relu_derivative(cli, monkeypatch):
    # relu's derivative taken as 1 everywhere: wrong only where units are off,
    # a bug the kink retries must not excuse
    monkeypatch.setattr(Relu, "backward", _no_derivative)
    result = cli("check", CONFIGS / "digits.yaml", "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["max_rel_error"] > 1e-2


def test_a_step_straddling_a_relu_kink_is_retried_with_a_smaller_one():
    config = validate({"data": {"dataset": "circles"}, "model": {"hidden": [8], "activation": "relu"},
                       "training": {"dtype": "float64"}})
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 2))
    target = (rng.random((16, 1)) > 0.5).astype(float)

    def model_with_a_kink():
        model, _ = build_model(config, (2,), "classification", 2, 0, seed=1)
        first = model.layers[0]
        # unit 0's input for row 0 is 5e-7: a step of 1e-6 on its bias crosses 0, 1e-7 does not
        first.params["bias"][0] = 5e-7 - first.params["weight"][0] @ x[0]
        return model

    plain = check_model(model_with_a_kink(), x, target, eps=1e-6)
    retried = {}
    fixed = check_model(model_with_a_kink(), x, target, eps=1e-6, retries=2, retried=retried)
    assert plain["0.bias"] > 1e-5  # the kink, not a bug
    assert fixed["0.bias"] < 1e-7
    assert retried["0.bias"] >= 1


def test_config_errors_exit_2(cli, write_config):
    config = write_config("data: {dataset: circles}\nmodel: {hiden: [3]}\n")
    result = cli("check", config)
    assert result.exit_code == 2 and "did you mean 'hidden'" in result.stderr


def test_the_cheaper_lstm_check_still_catches_a_wrong_recurrent_gradient(cli, monkeypatch):
    """Backpropagation that forgets the path through h_{t-1} (truncated to one step) must fail."""
    from nncli.nn.layers.recurrent import _Recurrent

    original = _Recurrent._grad_into_state

    def one_step_only(self, t, grad_output, dz, dh):
        original(self, t, grad_output, dz, dh)
        if t < self.input_shape[0] - 1:
            dh.fill(0.0)
        return dh

    monkeypatch.setattr(_Recurrent, "_grad_into_state", one_step_only)
    # a few entries are enough: a wrong gradient is off in nearly all of them (each is retried twice)
    result = cli("check", CONFIGS / "ocr-lstm.yaml", "--json", "--set", "data.params.variants=1", "--max-entries", "5")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["worst"].startswith("0.") and report["layers"]["0.weight_hh"] > 1e-3


def test_the_class_weighted_loss_is_checked_when_the_config_weights_classes(cli, monkeypatch):
    from nncli.nn.model import Sequential

    weighted = ("--set", "training.class_weight={0: 1, 1: 9}")
    result = cli("check", CONFIGS / "circles.yaml", "--json", *weighted)
    assert result.exit_code == 0 and json.loads(result.stdout)["class_weighted"] is True
    assert "class-weighted loss" in cli("check", CONFIGS / "circles.yaml", *weighted).stdout
    real = Sequential.backward
    monkeypatch.setattr(Sequential, "backward", lambda self, target, row_weights=None: real(self, target))
    broken = cli("check", CONFIGS / "circles.yaml", "--json", *weighted)  # a backward that drops the weights
    assert broken.exit_code == 1 and json.loads(broken.stdout)["max_rel_error"] > 1e-2
    plain = cli("check", CONFIGS / "circles.yaml", "--json")  # without class weights it has nothing to drop
    assert plain.exit_code == 0 and json.loads(plain.stdout)["class_weighted"] is False

"""The long form `model.layers`: every layer type builds from a config, trains and is exact."""

import numpy as np
import pytest

from nncli.config import schema, validate
from nncli.errors import ConfigError
from nncli.nn import gradcheck
from nncli.nn.build import target_matrix
from nncli.nn.layers import LAYERS
from nncli.training.prepare import prepare

IMAGE_LAYERS = [
    {"type": "conv2d", "filters": 3, "kernel": 3, "activation": "tanh"},
    {"type": "maxpool2d", "size": 2},
    {"type": "residual", "layers": [{"type": "conv2d", "filters": 3, "kernel": [3, 3], "activation": "tanh"},
                                    {"type": "scale"}, {"type": "shift"}]},
    {"type": "avgpool2d", "size": 2},
    {"type": "dropout", "rate": 0.1},
    {"type": "flatten"},
    {"type": "dense", "units": 5, "activation": "sigmoid"},
    {"type": "activation", "activation": "tanh"},
]
SEQUENCE_LAYERS = [
    {"type": "reshape", "shape": [8, 8]},
    {"type": "rnn", "units": 4, "return_sequences": True},
    {"type": "lstm", "units": 4},
]


def test_every_registered_layer_has_a_config_spec():
    assert set(schema.LAYER_SPECS) == set(LAYERS)


@pytest.mark.parametrize("layers", [IMAGE_LAYERS, SEQUENCE_LAYERS], ids=["image", "sequence"])
def test_long_form_networks_have_exact_gradients(layers):
    config = validate({"data": {"dataset": "digits"}, "model": {"layers": layers},
                       "training": {"dtype": "float64"}})
    dataset, model, head = prepare(config)
    x = dataset.inputs(dataset.train.X[:6], np.float64)
    target = target_matrix(dataset.train.y[:6], head, dataset.n_classes, np.float64)
    errors = gradcheck.check_model(model, x, target, max_entries=40)
    assert max(errors.values()) < 1e-6, errors


def test_long_form_trains_from_the_cli(cli, write_config, tmp_path):
    path = write_config("""\
        data: {dataset: digits}
        model:
          layers:
            - {type: conv2d, filters: 4, kernel: 3, activation: relu}
            - {type: maxpool2d}
            - {type: flatten}
            - {type: dense, units: 16}
        training: {epochs: 3, lr: 0.01}
        """)
    result = cli("train", path, "--runs-root", tmp_path, "--quiet")
    assert result.exit_code == 0, result.stderr
    import json
    from pathlib import Path

    run = Path(result.stdout.strip())
    weights = np.load(run / "weights.npz", allow_pickle=False)
    assert weights["0.weight"].shape == (4, 1, 3, 3)
    assert weights["1.weight"].shape == (16, 64)
    assert json.loads((run / "summary.json").read_text())["test_accuracy"] > 0.8


def test_a_layer_that_does_not_fit_the_data_is_a_config_error():
    config = validate({"data": {"dataset": "circles"}, "model": {"layers": [{"type": "conv2d", "filters": 2}]}})
    with pytest.raises(ConfigError, match=r"input shape \(2,\)"):
        prepare(config)

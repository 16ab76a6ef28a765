"""Dense layers and whole networks against central differences (float64)."""

import numpy as np
import pytest

from nncli.nn import gradcheck
from nncli.nn.init import INITIALIZERS
from nncli.nn.layers import Dense
from nncli.nn.model import Sequential

SMOOTH = ["sigmoid", "tanh", "linear"]


@pytest.mark.parametrize("activation", SMOOTH + ["relu", "leaky_relu"])
@pytest.mark.parametrize("init", sorted(INITIALIZERS))
def test_dense_layer_gradients(activation, init):
    rng = np.random.default_rng(3)
    layer = Dense(4, activation, init)
    layer.build((5,), rng, np.float64)
    x = rng.standard_normal((6, 5))
    errors = gradcheck.check_layer(layer, x)
    assert set(errors) == {"weight", "bias", "input"}
    assert max(errors.values()) < 1e-6, errors


def test_dense_flattens_image_inputs():
    rng = np.random.default_rng(4)
    layer = Dense(3, "tanh")
    assert layer.build((1, 4, 4), rng, np.float64) == (3,)
    x = rng.standard_normal((2, 1, 4, 4))
    assert layer.forward(x).shape == (2, 3)
    errors = gradcheck.check_layer(layer, x)
    assert max(errors.values()) < 1e-6


@pytest.mark.parametrize(
    "output, loss, units",
    [("sigmoid", "bce", 1), ("sigmoid", "bce", 3), ("softmax", "cross_entropy", 4),
     ("linear", "mse", 2), ("sigmoid", "mse", 3), ("softmax", "mse", 3)],
)
def test_network_gradients_for_every_output_and_loss(output, loss, units):
    rng = np.random.default_rng(5)
    model = Sequential([Dense(6, "tanh"), Dense(5, "sigmoid"), Dense(units, output)], loss, (3,), rng, "float64")
    x = rng.standard_normal((8, 3))
    if loss == "mse" and output == "linear":
        target = rng.standard_normal((8, units))
    elif output == "softmax":
        target = np.eye(units)[rng.integers(0, units, 8)]
    else:
        target = rng.integers(0, 2, (8, units)).astype(float)
    errors = gradcheck.check_model(model, x, target)
    assert list(errors) == ["0.weight", "0.bias", "1.weight", "1.bias", "2.weight", "2.bias"]
    assert max(errors.values()) < 1e-6, errors


def test_gradcheck_catches_a_wrong_gradient():
    rng = np.random.default_rng(6)
    model = Sequential([Dense(4, "tanh"), Dense(1, "sigmoid")], "bce", (3,), rng, "float64")
    x = rng.standard_normal((5, 3))
    target = rng.integers(0, 2, (5, 1)).astype(float)
    original = model.layers[0].backward_from_logits

    def halved(grad_logits):
        dx = original(grad_logits)
        model.layers[0].grads["weight"] *= 0.5
        return dx

    model.layers[0].backward_from_logits = halved
    errors = gradcheck.check_model(model, x, target)
    assert errors["0.weight"] > 0.1
    assert errors["1.weight"] < 1e-6


def test_float32_model_stays_float32():
    rng = np.random.default_rng(7)
    model = Sequential([Dense(4, "relu"), Dense(2, "softmax")], "cross_entropy", (3,), rng, "float32")
    out = model.forward(rng.standard_normal((5, 3)).astype(np.float32))
    model.backward(np.eye(2, dtype=np.float32)[[0, 1, 0, 1, 1]])
    assert out.dtype == np.float32
    assert all(layer.grads[name].dtype == np.float32 for _, layer, name in model.parameters())


def test_buffers_are_reused_across_batches():
    rng = np.random.default_rng(8)
    model = Sequential([Dense(4, "relu"), Dense(1, "sigmoid")], "bce", (3,), rng, "float32")
    x = rng.standard_normal((10, 3)).astype(np.float32)
    first = model.forward(x)
    second = model.forward(x[:7])
    assert np.shares_memory(first, second)


def test_repr_describes_the_network():
    rng = np.random.default_rng(9)
    model = Sequential([Dense(9, "sigmoid"), Dense(6, "sigmoid"), Dense(1, "sigmoid")], "bce", (2,), rng)
    text = repr(model)
    assert "Dense(9, activation=sigmoid)" in text and "params=94" in text and "loss=bce" in text

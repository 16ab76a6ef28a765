"""Losses: values against scikit-learn, gradients against central differences, stability."""

import typing

import numpy as np
import pytest
from sklearn.metrics import log_loss

from nncli.config import schema
from nncli.nn.activations import ACTIVATIONS
from nncli.nn.gradcheck import numeric_gradient, relative_error
from nncli.nn.losses import LOSSES


def test_registry_names_are_the_schema_names():
    assert typing.get_args(schema.TrainingConfig.model_fields["loss"].annotation) == ("auto",) + tuple(LOSSES)


def _case(loss_name, rng, n=7, k=3):
    logits = rng.normal(0, 2, size=(n, k))
    activation = ACTIVATIONS[LOSSES[loss_name].paired_activation]
    if loss_name == "mse":
        target = rng.normal(size=(n, k))
    else:
        target = np.eye(k)[rng.integers(0, k, n)]
    return logits, activation, target


@pytest.mark.parametrize("name", ["bce", "cross_entropy", "mse"])
def test_paired_delta_is_the_gradient_of_the_loss_wrt_logits(name):
    rng = np.random.default_rng(0)
    logits, activation, target = _case(name, rng)
    loss = LOSSES[name]

    def value():
        return loss.value(activation(logits), target, logits)

    analytic = loss.paired_delta(activation(logits), target, np.empty_like(logits))
    numeric = numeric_gradient(value, logits).reshape(logits.shape)
    assert relative_error(analytic, numeric) < 1e-6


@pytest.mark.parametrize("output", ["sigmoid", "softmax", "linear"])
def test_mse_gradient_through_any_output(output):
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(5, 3))
    target = rng.random((5, 3))
    activation = ACTIVATIONS[output]
    loss = LOSSES["mse"]

    def value():
        return loss.value(activation(logits), target, logits)

    prediction = activation(logits)
    grad = loss.gradient(prediction, target, np.empty_like(prediction))
    analytic = activation.backward(prediction, grad)
    numeric = numeric_gradient(value, logits).reshape(logits.shape)
    assert relative_error(analytic, numeric) < 1e-6


def test_values_match_scikit_learn():
    rng = np.random.default_rng(2)
    logits = rng.normal(size=(20, 4))
    y = rng.integers(0, 4, 20)
    p = ACTIVATIONS["softmax"](logits)
    assert np.isclose(LOSSES["cross_entropy"].value(p, np.eye(4)[y], logits), log_loss(y, p, labels=range(4)))
    z = rng.normal(size=(20, 1))
    yb = rng.integers(0, 2, 20)
    pb = ACTIVATIONS["sigmoid"](z)
    assert np.isclose(LOSSES["bce"].value(pb, yb[:, None].astype(float), z), log_loss(yb, pb[:, 0]))
    assert np.isclose(LOSSES["mse"].value(p, np.eye(4)[y], logits), 0.5 * ((p - np.eye(4)[y]) ** 2).sum(1).mean())


def test_log_losses_are_exact_where_probabilities_saturate():
    # p rounds to exactly 0 or 1 in float32; a loss computed from p would be inf or clipped
    logits = np.array([[-200.0], [200.0]], dtype=np.float32)
    target = np.array([[1.0], [0.0]], dtype=np.float32)
    value = LOSSES["bce"].value(ACTIVATIONS["sigmoid"](logits), target, logits)
    assert np.isclose(value, 200.0, rtol=1e-6)
    logits3 = np.array([[1000.0, 0.0, -1000.0]])
    value = LOSSES["cross_entropy"].value(ACTIVATIONS["softmax"](logits3), np.array([[0.0, 0.0, 1.0]]), logits3)
    assert np.isclose(value, 2000.0)

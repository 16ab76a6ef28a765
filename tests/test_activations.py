"""Each activation against its formula, and its derivative against central differences."""

import typing

import numpy as np
import pytest

from nncli.config import schema
from nncli.nn.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
from nncli.nn.gradcheck import numeric_gradient, relative_error

FORMULAS = {
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "linear": lambda z: z,
    "softmax": lambda z: np.exp(z) / np.exp(z).sum(axis=1, keepdims=True),
}


def test_registry_names_are_the_schema_names():
    assert set(ACTIVATIONS) == set(HIDDEN_ACTIVATIONS) | set(OUTPUT_ACTIVATIONS)
    fields = schema.ModelConfig.model_fields
    assert typing.get_args(fields["activation"].annotation) == tuple(HIDDEN_ACTIVATIONS)
    assert typing.get_args(fields["output"].annotation) == ("auto",) + tuple(OUTPUT_ACTIVATIONS)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_forward_matches_formula(name):
    z = np.random.default_rng(0).normal(0, 3, size=(6, 5))
    assert np.allclose(ACTIVATIONS[name](z), FORMULAS[name](z), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_derivative_from_output_matches_finite_differences(name):
    rng = np.random.default_rng(1)
    z = rng.normal(0, 2, size=(5, 4))
    z[np.abs(z) < 0.05] = 0.3  # keep relu/leaky_relu away from their kink
    r = rng.standard_normal(z.shape)
    activation = ACTIVATIONS[name]
    analytic = activation.backward(activation(z), r.copy())
    numeric = numeric_gradient(lambda: float(np.sum(r * activation(z))), z).reshape(z.shape)
    assert relative_error(analytic, numeric) < 1e-6


@pytest.mark.parametrize("name", ["sigmoid", "softmax", "tanh"])
def test_extreme_inputs_stay_finite(name):
    z = np.array([[-1e4, -800.0, 0.0, 800.0, 1e4]], dtype=np.float32)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        y = ACTIVATIONS[name](z)
    assert np.all(np.isfinite(y))
    assert np.all((y >= -1) & (y <= 1))


def test_in_place_forward_keeps_dtype():
    z = np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4)
    for activation in ACTIVATIONS.values():
        buffer = z.copy()
        out = activation.forward(buffer, buffer)
        assert out.dtype == np.float32 and out is buffer

"""Each optimizer against its update formula, written out plainly, over several steps."""

import typing

import numpy as np
import pytest
from optimizer_reference import OPTIONS, reference_step

from nncli.config import schema
from nncli.nn import schedules
from nncli.nn.layers import Dense
from nncli.nn.layout import Layout
from nncli.nn.optimizers import OPTIMIZERS


def _layer(rng):
    layer = Dense(3, "tanh")
    layer.build((4,), rng, np.float64)
    return layer


def _flat(layer):
    """A layer's parameters and gradients moved into flat arrays, as a model lays them out."""
    layout = Layout((name, value.shape, name in layer.decayed) for name, value in layer.params.items())
    params, grads = np.empty(layout.size), np.zeros(layout.size)
    for name in layout:
        np.copyto(layout.view(params, name), layer.params[name])
        layer.params[name], layer.grads[name] = layout.view(params, name), layout.view(grads, name)
    return params, grads, layout


def _reference(name, p, grads, lr, options):
    """The plain statement of each rule (tests/optimizer_reference.py), weight decay on `weight` only."""
    p = {k: v.copy() for k, v in p.items()}
    state = {}
    for t, g in enumerate(grads, start=1):
        reference_step(name, p, g, state, t, lr, options, {"weight"})
    return p




def test_the_schema_allows_the_registered_names():
    assert typing.get_args(schema.TrainingConfig.model_fields["optimizer"].annotation) == tuple(OPTIMIZERS)
    assert tuple(schema.SCHEDULE_SPECS) == tuple(schedules.SCHEDULES)


def test_every_optimizer_setting_is_a_training_key_checked_against_its_optimizer():
    for name, optimizer in OPTIMIZERS.items():
        assert set(optimizer.settings) <= set(schema.TrainingConfig.model_fields)
        assert all(name in schema.OPTIMIZER_SETTINGS[key] for key in optimizer.settings)
    assert schema.OPTIMIZER_SETTINGS["rho"] == ("rmsprop",)
    assert schema.OPTIMIZER_SETTINGS["weight_decay"] == tuple(OPTIMIZERS)


@pytest.mark.parametrize("weight_decay", [0.0, 0.01])
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_update_matches_formula(name, weight_decay):
    rng = np.random.default_rng(0)
    layer = _layer(rng)
    start = {k: v.copy() for k, v in layer.params.items()}
    grads = [{k: rng.standard_normal(v.shape) for k, v in start.items()} for _ in range(5)]
    options = dict(OPTIONS[name], weight_decay=weight_decay)
    optimizer = OPTIMIZERS[name](*_flat(layer), **options)
    for g in grads:
        for key in g:
            layer.grads[key][...] = g[key]
        optimizer.step(0.05)
    expected = _reference(name, start, grads, 0.05, options)
    for key in expected:
        np.testing.assert_allclose(layer.params[key], expected[key], rtol=1e-12, atol=1e-14)


def test_step_updates_parameters_in_place():
    rng = np.random.default_rng(1)
    layer = _layer(rng)
    params, grads, layout = _flat(layer)
    weight = layer.params["weight"]
    before = weight.copy()
    optimizer = OPTIMIZERS["adam"](params, grads, layout)
    layer.grads["weight"][...] = 1.0
    optimizer.step(0.1)
    assert layer.params["weight"] is weight and optimizer.params is params
    np.testing.assert_allclose(weight, before - 0.1, rtol=1e-6)  # Adam's first step is lr * sign(g)
    assert optimizer.steps == 1


@pytest.mark.parametrize(
    "schedule, options, expected",
    [
        ("constant", {}, [0.1, 0.1, 0.1, 0.1]),
        ("step", {"step_size": 2, "gamma": 0.5}, [0.1, 0.1, 0.05, 0.05]),
        ("exponential", {"gamma": 0.5}, [0.1, 0.05, 0.025, 0.0125]),
        ("cosine", {"min_lr": 0.0},
         [0.1, 0.1 * (1 + np.cos(np.pi / 4)) / 2, 0.05, 0.1 * (1 + np.cos(3 * np.pi / 4)) / 2]),
    ],
)
def test_schedules(schedule, options, expected):
    rates = [schedules.SCHEDULES[schedule](0.1, 4, **options).lr(epoch) for epoch in range(4)]
    np.testing.assert_allclose(rates, expected)


def test_plateau_reduces_after_patience_and_respects_min_lr():
    plateau = schedules.Plateau(1.0, 100, factor=0.5, patience=2, min_lr=0.3)
    seen = []
    for loss in [1.0, 0.9, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95]:
        plateau.observe(loss)
        seen.append(plateau.lr(0))
    assert seen == [1.0, 1.0, 1.0, 0.5, 0.5, 0.3, 0.3, 0.3]

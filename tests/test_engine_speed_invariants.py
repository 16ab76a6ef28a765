"""The speed work must not change what is computed: each fast path against a plain one.

Flat parameter arrays and one-pass optimizer updates, the layers' workspaces, scratch
buffers in activations, block gathers of shuffled rows, chunked input scaling and the
faster AUC are each compared with a straightforward implementation (bit for bit where
the arithmetic is the same, to rounding where it was rearranged), and gradients are
checked in float64.  None of these tests measures time.
"""

import json
import tracemalloc

import numpy as np
import pytest
from optimizer_reference import OPTIONS, reference_step
from sklearn.metrics import roc_auc_score

from nncli.config import validate
from nncli.data.pipeline import build_dataset, load_dataset, scale_inputs
from nncli.data.raw import RawData
from nncli.metrics import classification_metrics, macro_auc, roc_auc
from nncli.nn import gradcheck
from nncli.nn.activations import ACTIVATIONS
from nncli.nn.layers import LSTM, Conv2D, Dense, Flatten, Reshape, Residual
from nncli.nn.layout import Layout
from nncli.nn.losses import LOSSES
from nncli.nn.model import Sequential
from nncli.nn.optimizers import OPTIMIZERS
from nncli.nn.workspace import MAX_VIEWS, Workspace
from nncli.training import loop as train_module
from nncli.training.observers import Observer
from nncli.training.prepare import prepare
from nncli.training.run import train


def _model(dtype="float64", hidden=(5, 4), activation="tanh", output="softmax", loss="cross_entropy",
           units=3, seed=0):
    layers = [Dense(h, activation) for h in hidden] + [Dense(units, output)]
    return Sequential(layers, loss, (6,), np.random.default_rng(seed), dtype)


def _mixed_layers():
    """Every layer kind with parameters, a residual block (with a projection) among them."""
    return [Conv2D(2, 3, activation="tanh"), Residual([Conv2D(3, 3, stride=2, activation="tanh")]),
            Reshape([3, -1]), LSTM(3, return_sequences=True), Flatten(), Dense(3, "softmax")]


def _mixed_model(dtype="float64", seed=0):
    return Sequential(_mixed_layers(), "cross_entropy", (1, 4, 4), np.random.default_rng(seed), dtype)


def _batch(units=3, n=8, seed=1, shape=(6,)):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n,) + shape)
    target = np.eye(units)[rng.integers(0, units, n)] if units > 1 else rng.integers(0, 2, (n, 1)).astype(float)
    return x, target


def _optimizer(name, model, **options):
    return OPTIMIZERS[name](model.flat_params, model.flat_grads, model.layout, **options)


# -- flat parameters ---------------------------------------------------------------------


@pytest.mark.parametrize("make, input_shape", [
    (lambda: [Dense(5, "tanh"), Dense(4, "tanh"), Dense(3, "softmax")], (6,)),
    (_mixed_layers, (1, 4, 4)),
])
def test_parameters_are_views_of_one_flat_array_with_unchanged_values(make, input_shape):
    model = Sequential(make(), "cross_entropy", input_shape, np.random.default_rng(0), "float64")
    reference = make()
    rng, shape = np.random.default_rng(0), input_shape
    for layer in reference:
        shape = layer.build(shape, rng, np.float64)
    expected = [(name, layer) for layer in reference for name in layer.params]
    assert [key for key, _, _ in model.parameters()] == list(model.layout)
    for (key, layer, name), (plain_name, plain) in zip(model.parameters(), expected, strict=True):
        start, stop, shape, decayed = model.layout[key]
        assert np.shares_memory(layer.params[name], model.flat_params[start:stop])
        np.testing.assert_array_equal(layer.params[name], model.flat_params[start:stop].reshape(shape))
        np.testing.assert_array_equal(model.flat_params[start:stop].reshape(shape), plain.params[plain_name])
        assert np.shares_memory(layer.grads[name], model.flat_grads[start:stop])
        assert decayed == (name in layer.decayed) == plain_name.endswith(("weight", "weight_ih", "weight_hh"))
    assert model.flat_params.size == model.layout.size == sum(layer.n_params for layer in reference)


def test_a_residual_blocks_entries_are_its_inner_layers_views():
    model = _mixed_model()
    block = model.layers[1]
    assert list(block.params) == ["0.weight", "0.bias", "proj.weight", "proj.bias"]
    assert block.params["0.weight"] is block.layers[0].params["weight"]
    assert block.grads["proj.bias"] is block.proj.grads["bias"]
    assert np.shares_memory(block.layers[0].params["weight"], model.flat_params)
    with pytest.raises(KeyError):
        block.params["1.weight"] = np.zeros(3)  # no such inner entry: nothing is added


def test_layout_spans_and_merged_decayed_runs():
    layout = Layout([("0.weight", (3, 2), True), ("0.bias", (3,), False), ("1.weight_ih", (2, 2), True),
                     ("1.weight_hh", (2, 2), True), ("1.bias", (2,), False)])
    assert layout.size == 19 and list(layout) == ["0.weight", "0.bias", "1.weight_ih", "1.weight_hh", "1.bias"]
    assert layout["0.bias"] == (6, 9, (3,), False)
    assert layout.decayed_runs() == [(0, 6), (9, 17)]
    flat = np.arange(19.0)
    np.testing.assert_array_equal(layout.view(flat, "1.weight_hh"), [[13, 14], [15, 16]])
    assert all(np.shares_memory(view, flat) for view in layout.views(flat).values())


def test_the_optimizer_updates_the_models_flat_arrays_and_keeps_flat_state():
    model = _model()
    optimizer = _optimizer("adam", model)
    assert optimizer.params is model.flat_params and optimizer.grads is model.flat_grads
    x, target = _batch()
    model.forward(x, train=True)
    model.backward(target)
    before = model.flat_params.copy()
    optimizer.step(0.01)
    assert not np.array_equal(before, model.flat_params)
    for slot in ("m_scaled", "v_scaled"):
        flat = optimizer.slot(slot)
        assert flat.shape == model.flat_params.shape
        for key in model.layout:
            assert np.shares_memory(optimizer.state[key][slot], flat)
    with pytest.raises(ValueError, match="flat"):
        OPTIMIZERS["sgd"](model.flat_params[:-1], model.flat_grads, model.layout)


@pytest.mark.parametrize("weight_decay", [0.0, 0.01])
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("make", [_model, _mixed_model], ids=["dense", "mixed"])
def test_one_pass_over_the_flat_arrays_and_one_optimizer_per_array_give_the_same_bits(
        make, name, weight_decay, dtype):
    """Updating the flat arrays applies the same operations to each element as per-array updates."""
    models = [make(dtype), make(dtype)]
    options = dict(OPTIONS[name], weight_decay=weight_decay)
    flat = _optimizer(name, models[0], **options)
    layout = models[1].layout
    per_array = [OPTIMIZERS[name](models[1].flat_params[span.start:span.stop],
                                  models[1].flat_grads[span.start:span.stop],
                                  Layout([(key, span.shape, span.decayed)]), **options)
                 for key, span in layout.spans.items()]
    shape = models[0].input_shape
    for step in range(6):
        x, target = _batch(seed=step, shape=shape)
        for model, optimizers in zip(models, ([flat], per_array)):
            model.forward(x.astype(dtype), train=True)
            model.backward(target.astype(dtype))
            for optimizer in optimizers:
                optimizer.step(0.05)
    for (key, a), (_, b) in zip(models[0].state_dict().items(), models[1].state_dict().items()):
        np.testing.assert_array_equal(a, b, err_msg=key)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_flat_update_of_a_model_matches_the_formula(name):
    model = _model()
    options = dict(OPTIONS[name], weight_decay=0.02)
    optimizer = _optimizer(name, model, **options)
    params = model.state_dict()
    decayed = {key for key, layer, pname in model.parameters() if pname in layer.decayed}
    assert decayed == {key for key in model.layout if model.layout[key].decayed}
    state = {}
    rng = np.random.default_rng(5)
    for t in range(1, 8):
        grads = {key: rng.standard_normal(value.shape) for key, value in params.items()}
        for key, layer, pname in model.parameters():
            layer.grads[pname][...] = grads[key]
        optimizer.step(0.03)
        reference_step(name, params, grads, state, t, 0.03, options, decayed)
    for key, value in model.state_dict().items():
        np.testing.assert_allclose(value, params[key], rtol=1e-12, atol=1e-14, err_msg=key)


def test_adam_float32_stays_close_to_the_float64_formula():
    model = _model("float32")
    optimizer = _optimizer("adam", model)
    params = {k: v.astype(np.float64) for k, v in model.state_dict().items()}
    state = {}
    rng = np.random.default_rng(2)
    options = {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
    for t in range(1, 51):
        grads = {key: rng.standard_normal(value.shape) for key, value in params.items()}
        for key, layer, pname in model.parameters():
            layer.grads[pname][...] = grads[key]
        optimizer.step(1e-3)
        reference_step("adam", params, grads, state, t, 1e-3, options, set())
    for key, value in model.state_dict().items():
        assert value.dtype == np.float32
        np.testing.assert_allclose(value, params[key], rtol=1e-5, atol=1e-6, err_msg=key)


@pytest.mark.parametrize("make", [_model, _mixed_model], ids=["dense", "mixed"])
def test_optimizer_state_round_trips_into_a_fresh_optimizer(make):
    models = [make(), make()]
    first = _optimizer("adam", models[0])
    shape = models[0].input_shape
    for step in range(3):
        x, target = _batch(seed=step, shape=shape)
        models[0].forward(x, train=True)
        models[0].backward(target)
        first.step(0.01)
    models[1].load_state_dict(models[0].state_dict())
    second = _optimizer("adam", models[1])
    second.load_state_arrays({k: v.copy() for k, v in first.state_arrays().items()})
    second.steps = first.steps
    assert set(first.state_arrays()) == {f"{key}.{slot}" for key, *_ in models[0].parameters()
                                         for slot in ("m_scaled", "v_scaled")}
    for step in range(3, 6):
        x, target = _batch(seed=step, shape=shape)
        for model, optimizer in zip(models, (first, second)):
            model.forward(x, train=True)
            model.backward(target)
            optimizer.step(0.01)
    for (key, a), (_, b) in zip(models[0].state_dict().items(), models[1].state_dict().items()):
        np.testing.assert_array_equal(a, b, err_msg=key)


def test_loading_state_that_does_not_fit_is_a_value_error():
    optimizer = _optimizer("adam", _model())
    with pytest.raises(ValueError, match="unknown parameter"):
        optimizer.load_state_arrays({"9.weight.m_scaled": np.zeros(3)})
    with pytest.raises(ValueError, match="not one of adam"):
        optimizer.load_state_arrays({"0.weight.velocity": np.zeros((5, 6))})
    with pytest.raises(ValueError, match="shape"):
        optimizer.load_state_arrays({"0.weight.m_scaled": np.zeros(3)})


# -- activations, losses, gradients ------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_backward_with_scratch_is_bitwise_the_backward_without(name, dtype):
    rng = np.random.default_rng(3)
    z = rng.normal(0, 2, size=(7, 5)).astype(dtype)
    activation = ACTIVATIONS[name]
    y = activation(z)
    grad = rng.standard_normal(z.shape).astype(dtype)
    plain = activation.backward(y, grad.copy())
    scratch = np.full_like(z, np.nan)
    fast = activation.backward(y, grad.copy(), scratch)
    assert fast.dtype == dtype
    np.testing.assert_array_equal(fast, plain)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_piecewise_backwards_equal_their_formulas_exactly(dtype):
    rng = np.random.default_rng(4)
    z = rng.normal(0, 2, size=(6, 9)).astype(dtype)
    z[0, :3] = 0.0
    grad = rng.standard_normal(z.shape).astype(dtype)
    scratch = np.empty_like(z)
    relu, leaky = ACTIVATIONS["relu"], ACTIVATIONS["leaky_relu"]
    np.testing.assert_array_equal(relu.backward(relu(z), grad.copy(), scratch), np.where(z > 0, grad, 0))
    expected = np.where(z > 0, grad, grad * dtype(0.01))
    np.testing.assert_array_equal(leaky.backward(leaky(z), grad.copy(), scratch), expected)


@pytest.mark.parametrize("name, formula", [
    ("sigmoid", lambda y: y * (1 - y)),
    ("tanh", lambda y: 1 - y * y),
])
def test_smooth_backwards_equal_their_formulas(name, formula):
    rng = np.random.default_rng(6)
    activation = ACTIVATIONS[name]
    y = activation(rng.normal(0, 2, size=(5, 8)))
    grad = rng.standard_normal(y.shape)
    np.testing.assert_allclose(activation.backward(y, grad.copy(), np.empty_like(y)), grad * formula(y),
                               rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_paired_delta_is_prediction_minus_target_over_n(name):
    rng = np.random.default_rng(7)
    prediction = rng.random((9, 3)).astype(np.float32)
    target = rng.random((9, 3)).astype(np.float32)
    out = np.empty_like(prediction)
    np.testing.assert_array_equal(LOSSES[name].paired_delta(prediction, target, out), (prediction - target) / 9)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "leaky_relu", "linear"])
@pytest.mark.parametrize("output, loss, units", [
    ("softmax", "cross_entropy", 3), ("sigmoid", "bce", 1), ("linear", "mse", 2), ("sigmoid", "mse", 2),
])
def test_packed_float64_model_passes_gradient_check(activation, output, loss, units):
    model = _model(activation=activation, output=output, loss=loss, units=units, seed=8)
    x, target = _batch(units=units, seed=9)
    if loss == "mse" and output == "linear":
        target = np.random.default_rng(10).standard_normal((8, units))
    errors = gradcheck.check_model(model, x, target)
    assert max(errors.values()) < 1e-6, errors


# -- buffers, batches, scaling -----------------------------------------------------------


def test_workspace_hands_out_remembered_views_and_forgets_them_when_an_array_grows():
    workspace = Workspace(np.float32)
    workspace.declare("out", (3,))
    workspace.declare("mask", (3,), np.bool_)
    small = workspace.rows(4, "out")
    assert small.shape == (4, 3) and small.dtype == np.float32
    assert workspace.rows(4, "out") is small  # one lookup for a batch size seen before
    pair = workspace.rows(4, ("out", "mask"))
    assert np.shares_memory(pair[0], small) and pair[1].dtype == np.bool_
    assert workspace.rows(4, ("out", "mask")) is pair
    big = workspace.rows(10, "out")
    again = workspace.rows(4, "out")
    assert again is not small and np.shares_memory(again, big) and not np.shares_memory(again, small)
    assert np.shares_memory(workspace.rows(4, ("out", "mask"))[0], big)  # bundles are forgotten too
    assert np.shares_memory(workspace.rows(7, "out"), big)  # smaller batches: no new array
    workspace.declare("out", (5,))  # declared anew: a new array
    other = workspace.rows(4, "out")
    assert other.shape == (4, 5) and not np.shares_memory(other, big)
    with pytest.raises(KeyError, match="declare"):
        workspace.rows(4, "nope")


def test_workspace_forgets_its_views_beyond_a_bound_but_keeps_its_arrays():
    workspace = Workspace(np.float64)
    workspace.declare("out", (2,))
    biggest = workspace.rows(MAX_VIEWS + 10, "out")
    for n in range(1, MAX_VIEWS + 10):
        assert np.shares_memory(workspace.rows(n, "out"), biggest)
    assert len(workspace._views) <= MAX_VIEWS


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_training_step_allocates_no_batch_sized_array_once_warm(dtype):
    """After one batch of each size, forward, backward and the optimizer step reuse their arrays.

    (NumPy's own iteration buffers, e.g. for adding a bias row, stay far below one
    hidden layer's output of 2048 rows, the bound checked.)
    """
    model = _model(dtype, hidden=(64, 64), output="sigmoid", loss="bce", units=1)
    optimizer = _optimizer("adam", model, weight_decay=0.01)
    x, target = (a.astype(dtype) for a in _batch(units=1, n=2048))

    def step(rows):
        model.forward(x[:rows], train=True)
        model.backward(target[:rows])
        optimizer.step(0.01)

    for rows in (2048, 1536):
        step(rows)
    hidden_output = 2048 * 64 * np.dtype(dtype).itemsize
    tracemalloc.start()
    try:
        baseline = tracemalloc.get_traced_memory()[0]
        for rows in (2048, 1536, 2048, 1536):
            step(rows)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak - baseline < hidden_output / 2, peak - baseline


def test_the_model_tells_its_first_layer_to_skip_dl_dx_and_its_output_layer_to_keep_logits():
    model = _mixed_model()
    assert [layer.needs_input_grad for layer in model.layers] == [False] + [True] * (len(model.layers) - 1)
    assert model.output_layer.keep_logits and not any(getattr(layer, "keep_logits", False)
                                                      for layer in model.layers[:-1])
    x, target = _batch(shape=(1, 4, 4))
    prediction = model.forward(x, train=True)
    assert model.output_layer.output is prediction and model.output_layer.logits.shape == prediction.shape
    model.backward(target)
    first = model.layers[0]
    assert first.backward(np.ones((8,) + first.output_shape)) is None
    assert np.abs(first.grads["weight"]).sum() > 0


def test_a_layers_views_per_batch_size_follow_its_buffers_when_they_grow():
    layer = Dense(3, "tanh")
    layer.build((2,), np.random.default_rng(0), np.float32)
    x = np.random.default_rng(1).standard_normal((10, 2)).astype(np.float32)
    small = layer.forward(x[:4])
    assert layer.forward(x[:4]) is small  # the same views, fetched with one lookup
    big = layer.forward(x).copy()
    again = layer.forward(x[:4])
    assert np.shares_memory(again, layer.forward(x)) and not np.shares_memory(again, small)
    np.testing.assert_array_equal(layer.forward(x[:4]), big[:4])
    layer.forward(x)
    big_dx = layer.backward(np.ones((10, 3), np.float32))
    layer.forward(x[:4])
    small_dx = layer.backward(np.ones((4, 3), np.float32))
    assert small_dx.shape == (4, 2) and np.shares_memory(small_dx, big_dx)


def test_a_layers_views_follow_its_flags_and_a_rebuild():
    x = np.random.default_rng(1).standard_normal((6, 2))
    layer = Dense(3, "tanh")
    layer.build((2,), np.random.default_rng(0), np.float32)
    layer.needs_input_grad = False
    layer.forward(x.astype(np.float32))
    assert layer.backward(np.ones((6, 3), np.float32)) is None
    layer.needs_input_grad = True  # as a Residual block sets it before its backward
    layer.forward(x.astype(np.float32))
    assert layer.backward(np.ones((6, 3), np.float32)).shape == (6, 2)
    out = layer.forward(x.astype(np.float32))
    assert layer.logits is None
    layer.keep_logits = True
    out = layer.forward(x.astype(np.float32))
    assert layer.logits is not None and not np.shares_memory(layer.logits, out)
    layer.build((2,), np.random.default_rng(0), np.float64)  # rebuilt in another dtype
    assert layer.forward(x).dtype == np.float64


def _trainer(config_text, dtype="float32", observers=()):
    raw = {"seed": 2, "data": {"dataset": "circles", "params": {"n_samples": 200}},
           "model": {"hidden": [5], "activation": "tanh"},
           "training": {"epochs": 4, "batch_size": 24, "optimizer": "adam", "lr": 0.05, "dtype": dtype}}
    raw["training"].update(config_text)
    config = validate(raw)
    dataset, model, head = prepare(config)
    from nncli.data.pipeline import streams

    return train_module.Trainer(model, head, dataset, config.training, streams(config.seed)["shuffle"], observers)


@pytest.mark.parametrize("optimizer, slots", [("adam", ("m_scaled", "v_scaled")), ("momentum", ("velocity",))])
def test_a_checkpoint_names_optimizer_state_by_parameter_key_and_resumes_exactly(optimizer, slots):
    """``optimizer/<param key>.<slot>``, e.g. ``optimizer/0.weight.m_scaled``: the names older
    checkpoints use, so that they resume with this code."""
    settings = {"optimizer": optimizer, "weight_decay": 0.001, "epochs": 2}
    first = _trainer(settings)
    first.fit()
    state = first.state()
    keys = {key for key in state if key.startswith("optimizer/")}
    assert keys == {f"optimizer/{key}.{slot}" for key in ("0.weight", "0.bias", "1.weight", "1.bias")
                    for slot in slots}
    assert state[f"optimizer/0.weight.{slots[0]}"].shape == first.model.layout["0.weight"].shape
    resumed = _trainer(dict(settings, epochs=4))
    resumed.load_state({key: np.array(value, copy=True) for key, value in state.items()})
    resumed.fit()
    straight = _trainer(dict(settings, epochs=4))
    straight.fit()
    for (key, a), (_, b) in zip(resumed.model.state_dict().items(), straight.model.state_dict().items()):
        np.testing.assert_array_equal(a, b, err_msg=key)
    for key, value in resumed.optimizer.state_arrays().items():
        np.testing.assert_array_equal(value, straight.optimizer.state_arrays()[key], err_msg=key)


@pytest.mark.parametrize("batch_size", [1, 24, "full"])
def test_gathering_a_block_of_batches_gives_the_same_training_as_one_batch_at_a_time(batch_size, monkeypatch):
    blocked = _trainer({"batch_size": batch_size})
    blocked.fit()
    monkeypatch.setattr(train_module, "GATHER_BYTES", 1)  # one batch per gather
    single = _trainer({"batch_size": batch_size})
    single.fit()
    assert train_module.gather_rows(150, 24, 20) == 24
    for (key, a), (_, b) in zip(blocked.model.state_dict().items(), single.model.state_dict().items()):
        np.testing.assert_array_equal(a, b, err_msg=key)
    assert [r["train_loss"] for r in blocked.rows] == [r["train_loss"] for r in single.rows]


def test_gather_rows_is_whole_batches_and_at_most_the_data():
    assert train_module.gather_rows(100_000, 32, 400) % 32 == 0
    assert train_module.gather_rows(1000, 32, 40) == 1000  # the whole epoch at once
    assert train_module.gather_rows(10**6, 128, 4000) == 256
    assert train_module.gather_rows(10**6, 10**5, 4000) == 10**5


def test_chunked_scaling_equals_scaling_the_whole_table_at_once():
    rng = np.random.default_rng(11)
    X = rng.standard_normal((50, 4)) * 3 + 1
    mean, scale = X.mean(axis=0), X.std(axis=0)
    expected = ((X - mean) / scale).astype(np.float32).reshape(50, 2, 2)
    np.testing.assert_array_equal(scale_inputs(X, mean, scale, (2, 2), np.float32, chunk_rows=7), expected)
    same = X.astype(np.float32)
    unscaled = scale_inputs(same, np.zeros(4), np.ones(4), (4,), np.float32)
    np.testing.assert_array_equal(unscaled, same)
    assert np.shares_memory(unscaled, same)  # nothing to scale: no copy


# -- metrics -----------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_auc_matches_scikit_learn_with_heavy_ties(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 300)
    score = np.round(rng.random(300) + 0.3 * y, 1).astype(np.float32)  # few distinct values
    assert roc_auc(y, score) == pytest.approx(roc_auc_score(y, score), abs=1e-12)
    labels = rng.integers(0, 4, 300)
    proba = np.round(rng.dirichlet(np.ones(4), 300), 2)
    expected = np.mean([roc_auc_score(labels == k, proba[:, k]) for k in range(4)])
    assert macro_auc(labels, proba) == pytest.approx(expected, abs=1e-12)
    assert classification_metrics(labels, proba)["auc"] == pytest.approx(expected, abs=1e-12)


def test_auc_is_nan_for_nan_scores_or_one_class():
    assert np.isnan(roc_auc(np.array([0, 1, 1]), np.array([0.1, np.nan, 0.3])))
    assert np.isnan(roc_auc(np.array([1, 1, 1]), np.array([0.1, 0.2, 0.3])))


# -- the Python training API -------------------------------------------------------------


def test_training_on_arrays_in_memory_equals_training_from_the_config(tmp_path):
    raw = {"name": "api", "seed": 1, "data": {"dataset": "circles", "params": {"n_samples": 200}},
           "model": {"hidden": [4], "activation": "tanh"},
           "training": {"epochs": 5, "lr": 0.05}, "output": {"plots": False}}
    config = validate(raw)
    from_config, summary = train(config, runs_root=tmp_path / "a")
    loaded = load_dataset(config.data, config.seed)
    X = np.concatenate([loaded.train.X, loaded.test.X])
    y = np.concatenate([loaded.train.y, loaded.test.y])
    mask = np.arange(len(X)) >= len(loaded.train)
    dataset = build_dataset(RawData(X, y, ["x0", "x1"], "classification", test_mask=mask), config.data, config.seed)
    in_memory, summary_memory = train(validate(raw), dataset=dataset, runs_root=tmp_path / "b")
    assert json.loads((in_memory / "meta.json").read_text())["data"] == "in memory"
    assert "data" not in json.loads((from_config / "meta.json").read_text())
    for key in ("test_loss", "test_auc", "train_loss"):
        assert summary_memory[key] == summary[key]
    assert summary["train_seconds"] >= 0  # (a duration: its value is not checked)


# -- per-epoch metrics -------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(300, 10), (5000, 3), (40, 10), (300, 100)])
def test_row_reductions_of_narrow_tables_equal_numpys(shape):
    from nncli.nn.activations import reduce_rows

    z = np.random.default_rng(12).standard_normal(shape).astype(np.float32)
    np.testing.assert_array_equal(reduce_rows(np.maximum, z), z.max(axis=1, keepdims=True))
    np.testing.assert_allclose(reduce_rows(np.add, z), z.sum(axis=1, keepdims=True), rtol=1e-5, atol=1e-5)
    assert reduce_rows(np.add, z).shape == (shape[0], 1)


def test_softmax_and_cross_entropy_of_a_tall_table_match_the_formulas():
    rng = np.random.default_rng(13)
    z = rng.normal(0, 4, size=(1000, 7))
    target = np.eye(7)[rng.integers(0, 7, 1000)]
    p = ACTIVATIONS["softmax"](z)
    expected = np.exp(z - z.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(p, expected, rtol=1e-13, atol=1e-300)
    shifted = z - z.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    assert LOSSES["cross_entropy"].value(p, target, z) == pytest.approx(-(target * log_p).sum() / 1000, rel=1e-12)


def test_train_metrics_use_every_row_up_to_the_limit_then_an_even_sample(monkeypatch):
    small = _trainer({})
    assert small.train_scored is small.train_set  # 150 rows: all of them
    monkeypatch.setattr(train_module, "TRAIN_SCORE_ROWS", 40)
    sampled = _trainer({})
    n = len(sampled.train_set.X)
    rows = np.arange(40) * n // 40
    np.testing.assert_array_equal(sampled.train_scored.X, sampled.train_set.X[rows])
    np.testing.assert_array_equal(sampled.train_scored.y, sampled.train_set.y[rows])
    sampled.fit()
    direct = sampled.train_scored.score(sampled.model)
    assert sampled.rows[-1]["train_loss"] == direct["train_loss"]
    assert sampled.rows[-1]["train_auc"] == direct["train_auc"]


def test_train_seconds_leave_out_checkpoint_writing(monkeypatch):
    clock = {"now": 0.0}

    def tick():  # a fake clock: one second per reading, no real time involved
        clock["now"] += 1.0
        return clock["now"]

    class Checkpoint(Observer):
        def on_epoch_end(self, trainer, row):
            clock["now"] += 1000.0

    trainer = _trainer({"epochs": 3}, observers=[Checkpoint()])
    monkeypatch.setattr(train_module.time, "perf_counter", tick)
    trainer.fit()
    assert 0 < trainer.seconds < 1000


# -- start-up ----------------------------------------------------------------------------


def test_listing_runs_imports_no_heavy_library(cli, write_config, tmp_path):
    import subprocess
    import sys

    from conftest import ROOT, train_run

    train_run(cli, write_config("data: {dataset: xor, params: {n_samples: 100}}\n"
                                "training: {epochs: 2}\noutput: {plots: false}\n"), tmp_path / "runs")
    code = ("import sys; from nncli.cli import app\n"
            f"try:\n    app(['runs', {str(tmp_path / 'runs')!r}])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('numpy', 'sklearn', 'matplotlib', 'scipy') if m in sys.modules]\n"
            "print('HEAVY', heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=str(ROOT))
    assert "completed" in out.stdout and "HEAVY []" in out.stdout, out.stdout + out.stderr

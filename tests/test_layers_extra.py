"""Tests of the richer layers: conv, pooling, reshaping, pointwise, dropout, residual, recurrent.

Gradients are checked against central differences in float64; forward passes
against direct (slow, obvious) reference implementations.
"""

import numpy as np
import pytest

from nncli.nn.gradcheck import check_layer, check_model
from nncli.nn.layers import (
    LAYERS,
    LSTM,
    RNN,
    ActivationLayer,
    AvgPool2D,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    MaxPool2D,
    Reshape,
    Residual,
    Scale,
    Shift,
)
from nncli.nn.model import Sequential

TOL = 1e-6


def built(layer, input_shape, dtype="float64", seed=1):
    layer.build(input_shape, np.random.default_rng(seed), dtype)
    return layer


def batch(shape, n=3, seed=0, dtype=np.float64):
    return np.random.default_rng(seed).standard_normal((n,) + tuple(shape)).astype(dtype)


def away_from_zero(shape, n=3, seed=0):
    """Random values with |x| in [0.2, 1.2]: no kink of relu within a finite-difference step."""
    rng = np.random.default_rng(seed)
    size = (n,) + tuple(shape)
    return rng.choice([-1.0, 1.0], size) * rng.uniform(0.2, 1.2, size)


def assert_gradients(layer, x):
    errors = check_layer(layer, x)
    expected = set(layer.params) | ({"input"} if layer.needs_input_grad else set())
    assert set(errors) == expected
    worst = max(errors, key=errors.get)
    assert errors[worst] < TOL, f"{layer!r}: relative error {errors[worst]:.2e} in {worst}"


# --- one gradient check per layer configuration -------------------------------------------

GRADIENT_CASES = {
    "conv same": (lambda: Conv2D(4, 3, activation="tanh"), (3, 6, 5)),
    "conv valid": (lambda: Conv2D(2, 3, padding="valid", activation="sigmoid"), (2, 6, 5)),
    "conv stride2 same": (lambda: Conv2D(3, 3, stride=2, padding="same", activation="tanh"), (2, 7, 6)),
    "conv stride2 valid": (lambda: Conv2D(3, 3, stride=2, padding="valid"), (3, 7, 8)),
    "conv 3x2 kernel, glorot": (lambda: Conv2D(2, (3, 2), init="glorot", activation="tanh"), (2, 5, 4)),
    "conv 1x1 normal init": (lambda: Conv2D(3, 1, init="normal"), (2, 3, 4)),
    "conv 4x4 stride (2, 3) same": (lambda: Conv2D(2, 4, stride=(2, 3), activation="tanh"), (1, 7, 8)),
    "maxpool 2": (lambda: MaxPool2D(2), (2, 6, 4)),
    "maxpool 2 odd sizes": (lambda: MaxPool2D(2), (3, 5, 7)),
    "maxpool 3 stride 2 (overlapping)": (lambda: MaxPool2D(3, stride=2), (2, 7, 6)),
    "avgpool 2": (lambda: AvgPool2D(2), (2, 6, 4)),
    "avgpool 3 stride 1": (lambda: AvgPool2D(3, stride=1), (2, 5, 6)),
    "flatten": (lambda: Flatten(), (2, 3, 4)),
    "reshape": (lambda: Reshape([4, -1]), (2, 3, 4)),
    "activation tanh": (lambda: ActivationLayer("tanh"), (2, 3, 4)),
    "activation sigmoid": (lambda: ActivationLayer("sigmoid"), (5,)),
    "activation softmax": (lambda: ActivationLayer("softmax"), (3, 4)),
    "scale": (lambda: Scale(), (2, 3, 4)),
    "shift": (lambda: Shift(), (2, 3, 4)),
    "dropout at evaluation": (lambda: Dropout(0.5), (7,)),
    "rnn last state": (lambda: RNN(4), (5, 3)),
    "rnn sequences": (lambda: RNN(4, return_sequences=True), (5, 3)),
    "rnn sigmoid": (lambda: RNN(3, activation="sigmoid"), (4, 2)),
    "lstm last state": (lambda: LSTM(4), (5, 3)),
    "lstm sequences": (lambda: LSTM(3, return_sequences=True), (6, 2)),
    "lstm one step": (lambda: LSTM(2), (1, 3)),
    "residual identity dense": (lambda: Residual([Dense(4, "tanh"), Dense(4)]), (4,)),
    "residual projected dense": (lambda: Residual([Dense(5, "tanh"), Dense(3, "sigmoid")]), (4,)),
    "residual identity conv": (lambda: Residual([Conv2D(3, 3, activation="tanh"), Conv2D(3, 3)]), (3, 5, 4)),
    "residual conv, 1x1 projection": (lambda: Residual([Conv2D(4, 3, activation="tanh")]), (2, 5, 4)),
    "residual strided conv": (lambda: Residual([Conv2D(4, 3, stride=2, activation="tanh")]), (2, 5, 6)),
    "residual valid conv, dense projection": (
        lambda: Residual([Conv2D(2, 3, padding="valid", activation="tanh")]), (2, 5, 6)),
    "residual lstm sequences": (lambda: Residual([LSTM(3, return_sequences=True)]), (4, 2)),
    "residual pooling, no params inside": (lambda: Residual([AvgPool2D(2)]), (2, 4, 4)),
    "nested residual": (lambda: Residual([Residual([Dense(4, "tanh")]), Dense(3)]), (4,)),
}


@pytest.mark.parametrize("case", GRADIENT_CASES)
def test_gradients_match_finite_differences(case):
    make, input_shape = GRADIENT_CASES[case]
    layer = built(make(), input_shape)
    assert_gradients(layer, batch(input_shape))


@pytest.mark.parametrize("activation", ["relu", "leaky_relu"])
def test_kinked_activations_away_from_the_kink(activation):
    layer = built(ActivationLayer(activation), (3, 4))
    assert_gradients(layer, away_from_zero((3, 4)))


def test_without_input_gradient_only_params_are_filled():
    layer = built(Conv2D(2, 3), (1, 5, 5))
    layer.needs_input_grad = False
    layer.forward(batch((1, 5, 5)))
    assert layer.backward(batch((2, 5, 5))) is None
    assert np.abs(layer.grads["weight"]).sum() > 0


# --- dropout ---------------------------------------------------------------------------------

class SameMaskDropout(Dropout):
    """Dropout in training mode that draws the same mask at every call.

    It rewinds the layer's own generator before each forward, so the mask comes
    from the real drawing code, yet the function seen by finite differences is fixed.
    """

    def forward(self, x, train=False):
        if not hasattr(self, "_start"):
            self._start = self.rng.bit_generator.state
        self.rng.bit_generator.state = self._start
        return super().forward(x, train=True)


def test_dropout_is_the_identity_at_evaluation():
    layer = built(Dropout(0.5), (6,))
    x = batch((6,))
    assert np.array_equal(layer.forward(x, train=False), x)
    grad = batch((6,), seed=3)
    assert np.array_equal(layer.backward(grad.copy()), grad)


def test_dropout_zeroes_and_scales_while_training():
    rate = 0.25
    layer = built(Dropout(rate), (50, 40), dtype="float32")
    x = batch((50, 40), n=4, dtype=np.float32) + 5.0  # no zeros in x
    y = layer.forward(x, train=True)
    assert y.dtype == np.float32
    kept = y != 0
    np.testing.assert_allclose(y[kept], x[kept] / (1 - rate), rtol=1e-6)
    assert abs((~kept).mean() - rate) < 0.02
    grad = np.ones_like(y)
    np.testing.assert_array_equal(layer.backward(grad), kept / np.float32(1 - rate))


def test_dropout_masks_are_fresh_per_batch_and_reproducible_from_the_build_rng():
    x = np.ones((8, 30))
    a, b = built(Dropout(0.5), (30,), seed=7), built(Dropout(0.5), (30,), seed=7)
    first, second = a.forward(x, train=True).copy(), a.forward(x, train=True).copy()
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(b.forward(x, train=True), first)
    np.testing.assert_array_equal(b.forward(x, train=True), second)
    other = built(Dropout(0.5), (30,), seed=8)
    assert not np.array_equal(other.forward(x, train=True), first)


def test_dropout_gradient_in_training_mode():
    layer = built(SameMaskDropout(0.4), (4, 5))
    x = batch((4, 5))
    y = layer.forward(x)
    assert np.array_equal(layer.forward(x), y)  # the same mask every call
    dropped = y == 0
    assert dropped.any() and (~dropped).any()
    np.testing.assert_allclose(y[~dropped], x[~dropped] / 0.6)
    assert_gradients(layer, x)


def test_dropout_rejects_a_rate_of_one():
    with pytest.raises(ValueError, match="rate"):
        Dropout(1.0)


# --- convolution -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    "input_shape, kwargs, output_shape",
    [
        ((1, 32, 32), dict(filters=8, kernel=3), (8, 32, 32)),
        ((3, 7, 5), dict(filters=4, kernel=3, padding="valid"), (4, 5, 3)),
        ((3, 7, 5), dict(filters=4, kernel=3, stride=2), (4, 4, 3)),
        ((3, 8, 8), dict(filters=2, kernel=3, stride=2), (2, 4, 4)),
        ((3, 7, 5), dict(filters=4, kernel=3, stride=2, padding="valid"), (4, 3, 2)),
        ((2, 9, 6), dict(filters=5, kernel=(5, 3), padding="valid"), (5, 5, 4)),
        ((2, 9, 6), dict(filters=5, kernel=(5, 3), stride=(3, 2)), (5, 3, 3)),
        ((1, 4, 4), dict(filters=1, kernel=4, padding="valid"), (1, 1, 1)),
    ],
)
def test_conv_output_shapes(input_shape, kwargs, output_shape):
    layer = built(Conv2D(**kwargs), input_shape)
    assert layer.output_shape == output_shape
    kernel = tuple(np.broadcast_to(kwargs["kernel"], 2))
    assert layer.params["weight"].shape == (kwargs["filters"], input_shape[0]) + kernel
    y = layer.forward(batch(input_shape, n=2))
    assert y.shape == (2,) + output_shape


def test_conv_parameter_shapes_follow_pytorch():
    layer = built(Conv2D(6, (3, 5)), (4, 9, 9))
    assert layer.params["weight"].shape == (6, 4, 3, 5)
    assert layer.params["bias"].shape == (6,)
    assert layer.decayed == ("weight",)


def test_conv_rejects_a_kernel_larger_than_the_input_without_padding():
    with pytest.raises(ValueError, match="does not fit"):
        built(Conv2D(2, 5, padding="valid"), (1, 4, 8))


def naive_conv(x, weight, bias, stride, pads):
    """Direct loops: out[n, f, p, q] = b[f] + sum_{c,i,j} w[f, c, i, j] * xpad[n, c, p*s + i, q*s + j]."""
    (top, bottom), (left, right) = pads
    xpad = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    n, _, hp, wp = xpad.shape
    f, _, kh, kw = weight.shape
    sh, sw = stride
    oh, ow = (hp - kh) // sh + 1, (wp - kw) // sw + 1
    out = np.zeros((n, f, oh, ow))
    for s in range(n):
        for k in range(f):
            for p in range(oh):
                for q in range(ow):
                    patch = xpad[s, :, p * sh : p * sh + kh, q * sw : q * sw + kw]
                    out[s, k, p, q] = np.sum(patch * weight[k]) + bias[k]
    return out


@pytest.mark.parametrize(
    "input_shape, kwargs, pads",
    [
        ((3, 6, 5), dict(filters=4, kernel=3), ((1, 1), (1, 1))),
        ((2, 7, 6), dict(filters=3, kernel=3, padding="valid"), ((0, 0), (0, 0))),
        ((2, 8, 7), dict(filters=3, kernel=3, stride=2), ((0, 1), (1, 1))),
        ((2, 7, 9), dict(filters=2, kernel=(2, 4), stride=(2, 3)), ((0, 1), (0, 1))),
        ((1, 9, 8), dict(filters=2, kernel=3, stride=2, padding="valid"), ((0, 0), (0, 0))),
    ],
)
def test_conv_forward_matches_direct_convolution(input_shape, kwargs, pads):
    layer = built(Conv2D(**kwargs, init="normal", activation="tanh"), input_shape)
    x = batch(input_shape, n=2)
    stride = np.broadcast_to(kwargs.get("stride", 1), 2)
    expected = np.tanh(naive_conv(x, layer.params["weight"], layer.params["bias"], stride, pads))
    np.testing.assert_allclose(layer.forward(x), expected, rtol=1e-10, atol=1e-12)


# --- pooling, flatten, reshape -----------------------------------------------------------------

def test_pooling_forward_values():
    x = np.arange(2 * 1 * 4 * 5, dtype=np.float64).reshape(2, 1, 4, 5) % 7
    maxed = built(MaxPool2D(2), (1, 4, 5)).forward(x)
    averaged = built(AvgPool2D(2), (1, 4, 5)).forward(x)
    assert maxed.shape == averaged.shape == (2, 1, 2, 2)
    for n in range(2):
        for p in range(2):
            for q in range(2):
                window = x[n, 0, 2 * p : 2 * p + 2, 2 * q : 2 * q + 2]
                assert maxed[n, 0, p, q] == window.max()
                assert averaged[n, 0, p, q] == pytest.approx(window.mean())


def test_maxpool_sends_the_gradient_to_the_first_element_of_a_tie():
    layer = built(MaxPool2D(2), (1, 2, 6))
    x = np.array([[[[1, 1, 0, 1, 3, 0], [1, 1, 1, 0, 3, 3]]]], dtype=np.float64)
    layer.forward(x)
    dx = layer.backward(np.array([[[[2.0, 3.0, 5.0]]]]))
    expected = np.array([[[[2, 0, 0, 3, 5, 0], [0, 0, 0, 0, 0, 0]]]], dtype=np.float64)
    np.testing.assert_array_equal(dx, expected)


def test_residual_as_first_layer_skips_the_input_gradient():
    block = built(Residual([Dense(3, "tanh"), Dense(4)]), (4,))
    block.needs_input_grad = False  # what Sequential does to its first layer
    block.forward(batch((4,)))
    assert block.backward(batch((4,), seed=2)) is None
    assert not block.layers[0].needs_input_grad
    assert np.abs(block.grads["0.weight"]).sum() > 0


def test_flatten_and_reshape_shapes():
    assert built(Flatten(), (2, 3, 4)).output_shape == (24,)
    layer = built(Reshape([32, 32]), (1, 32, 32))
    assert layer.output_shape == (32, 32)
    x = batch((1, 32, 32), n=2)
    np.testing.assert_array_equal(layer.forward(x)[1, 5], x[1, 0, 5])
    assert built(Reshape([-1, 8]), (1, 32, 32)).output_shape == (128, 8)


@pytest.mark.parametrize("shape, match", [([30, 32], "1024 values"), ([-1, 7], "multiple of 7")])
def test_reshape_rejects_a_wrong_number_of_values(shape, match):
    with pytest.raises(ValueError, match=match):
        built(Reshape(shape), (1, 32, 32))


def test_scale_and_shift_start_neutral_and_are_not_decayed():
    scale, shift = built(Scale(), (3, 4)), built(Shift(), (3, 4))
    x = batch((3, 4))
    np.testing.assert_array_equal(shift.forward(scale.forward(x)), x)
    assert scale.params["weight"].shape == shift.params["bias"].shape == (3, 4)
    assert scale.decayed == () and shift.decayed == ()


# --- recurrent -------------------------------------------------------------------------------

def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def reference_rnn(x, w_ih, w_hh, b):
    h = np.zeros((len(x), len(b)))
    states = []
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ w_ih.T + h @ w_hh.T + b)
        states.append(h)
    return np.stack(states, axis=1)


def reference_lstm(x, w_ih, w_hh, b):
    """PyTorch's equations, gate blocks in the order input, forget, cell, output."""
    u = w_hh.shape[1]
    h, c = np.zeros((len(x), u)), np.zeros((len(x), u))
    states = []
    for t in range(x.shape[1]):
        z = x[:, t] @ w_ih.T + h @ w_hh.T + b
        i, f, g, o = sigmoid(z[:, :u]), sigmoid(z[:, u : 2 * u]), np.tanh(z[:, 2 * u : 3 * u]), sigmoid(z[:, 3 * u :])
        c = f * c + i * g
        h = o * np.tanh(c)
        states.append(h)
    return np.stack(states, axis=1)


@pytest.mark.parametrize("cls, reference", [(RNN, reference_rnn), (LSTM, reference_lstm)])
def test_recurrent_forward_matches_the_equations(cls, reference):
    x = batch((6, 3), n=4)
    sequences = built(cls(5, return_sequences=True), (6, 3))
    last = built(cls(5), (6, 3))
    p = sequences.params
    expected = reference(x, p["weight_ih"], p["weight_hh"], p["bias"])
    np.testing.assert_allclose(sequences.forward(x), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(last.forward(x), expected[:, -1], rtol=1e-12, atol=1e-12)


def test_recurrent_parameter_shapes_and_forget_bias():
    lstm = built(LSTM(5), (7, 3))
    assert {k: v.shape for k, v in lstm.params.items()} == {
        "weight_ih": (20, 3), "weight_hh": (20, 5), "bias": (20,)}
    np.testing.assert_array_equal(lstm.params["bias"], [0] * 5 + [1] * 5 + [0] * 10)
    rnn = built(RNN(5, return_sequences=True), (7, 3))
    assert {k: v.shape for k, v in rnn.params.items()} == {
        "weight_ih": (5, 3), "weight_hh": (5, 5), "bias": (5,)}
    assert rnn.output_shape == (7, 5) and lstm.output_shape == (5,)
    assert lstm.decayed == rnn.decayed == ("weight_ih", "weight_hh")


def test_recurrent_layers_need_sequences():
    with pytest.raises(ValueError, match="steps, features"):
        built(LSTM(3), (1, 4, 4))


# --- residual --------------------------------------------------------------------------------

def test_residual_shares_the_inner_arrays():
    inner = [Dense(5, "tanh"), ActivationLayer("tanh"), Dense(3)]
    block = built(Residual(inner), (4,))
    assert list(block.params) == ["0.weight", "0.bias", "1.weight", "1.bias", "proj.weight", "proj.bias"]
    assert block.params["1.weight"] is inner[2].params["weight"]
    assert block.grads["1.weight"] is inner[2].grads["weight"]
    assert block.params["proj.weight"] is block.proj.params["weight"]
    assert block.decayed == ("0.weight", "1.weight", "proj.weight")

    x = batch((4,))
    before = block.forward(x).copy()
    inner_before = inner[2].forward(inner[1].forward(inner[0].forward(x))).copy()
    block.params["1.bias"] += 1.0  # as an optimizer does: in place, through the block's dict
    np.testing.assert_allclose(inner[2].forward(inner[1].forward(inner[0].forward(x))), inner_before + 1.0)
    np.testing.assert_allclose(block.forward(x), before + 1.0)

    # backward writes into the very arrays the block exposes
    block.forward(x)
    block.backward(batch((3,), seed=5))
    for key, grad in block.grads.items():
        assert np.abs(grad).sum() > 0, key
    np.testing.assert_array_equal(block.grads["0.weight"], inner[0].grads["weight"])


def test_residual_identity_skip_has_no_projection():
    block = built(Residual([Conv2D(3, 3, activation="tanh")]), (3, 4, 4))
    assert block.proj is None and set(block.params) == {"0.weight", "0.bias"}
    projected = built(Residual([Conv2D(4, 3, stride=2)]), (3, 8, 8))
    assert isinstance(projected.proj, Conv2D)
    assert projected.params["proj.weight"].shape == (4, 3, 1, 1)


def test_residual_keys_in_a_model():
    model = Sequential(
        [Dense(4, "tanh"), Residual([Dense(4, "tanh"), Dense(4)]), Dense(2, "softmax")],
        "cross_entropy", (3,), np.random.default_rng(0), "float64")
    keys = [key for key, _, _ in model.parameters()]
    assert keys == ["0.weight", "0.bias", "1.0.weight", "1.0.bias", "1.1.weight", "1.1.bias",
                    "2.weight", "2.bias"]
    state = model.state_dict()
    state["1.1.bias"] += 1.0
    model.load_state_dict(state)
    np.testing.assert_array_equal(model.layers[1].layers[1].params["bias"], state["1.1.bias"])


# --- whole models --------------------------------------------------------------------------

def one_hot(n, k, seed=0):
    return np.eye(k)[np.random.default_rng(seed).integers(0, k, n)]


def assert_model_gradients(model, x, target):
    errors = check_model(model, x, target)
    worst = max(errors, key=errors.get)
    assert errors[worst] < TOL, f"relative error {errors[worst]:.2e} in {worst}"


def test_model_conv_pool_flatten_dense():
    layers = [Conv2D(3, 3, activation="tanh"), MaxPool2D(2), Flatten(), Dense(4, "softmax")]
    model = Sequential(layers, "cross_entropy", (2, 6, 5), np.random.default_rng(0), "float64")
    assert_model_gradients(model, batch((2, 6, 5), n=4), one_hot(4, 4))


def test_model_reshape_lstm_dense():
    layers = [Reshape([6, 5]), LSTM(4), Dense(3, "softmax")]
    model = Sequential(layers, "cross_entropy", (1, 6, 5), np.random.default_rng(0), "float64")
    assert_model_gradients(model, batch((1, 6, 5), n=4), one_hot(4, 3))


def test_model_with_residual_conv_blocks_and_the_rest():
    layers = [
        Conv2D(3, 3, activation="tanh"),
        Residual([Conv2D(3, 3, activation="tanh"), Scale(), Shift()]),
        Residual([Conv2D(4, 3, stride=2, activation="sigmoid")]),
        AvgPool2D(2),
        Dropout(0.5),
        Flatten(),
        Reshape([2, -1]),
        RNN(3, return_sequences=True),
        Dense(1, "linear"),
    ]
    model = Sequential(layers, "mse", (1, 8, 7), np.random.default_rng(0), "float64")
    x = batch((1, 8, 7), n=3)
    assert_model_gradients(model, x, np.random.default_rng(1).standard_normal((3, 1)))


# --- dtypes, buffers, registry ---------------------------------------------------------------

@pytest.mark.parametrize("case", GRADIENT_CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_preserved(case, dtype):
    make, input_shape = GRADIENT_CASES[case]
    layer = built(make(), input_shape, dtype=dtype)
    x = batch(input_shape, dtype=dtype)
    y = layer.forward(x, train=True)
    assert y.dtype == dtype and y.shape == (3,) + layer.output_shape
    dx = layer.backward(batch(layer.output_shape, seed=4, dtype=dtype))
    assert dx.dtype == dtype and dx.shape == x.shape
    for name in layer.params:
        assert layer.params[name].dtype == dtype and layer.grads[name].dtype == dtype, name


@pytest.mark.parametrize("case", ["conv stride2 same", "maxpool 3 stride 2 (overlapping)", "lstm sequences",
                                  "rnn last state", "residual conv, 1x1 projection", "scale"])
def test_a_smaller_batch_after_a_larger_one(case):
    """Buffers are reused for smaller batches: results must equal those of a fresh layer."""
    make, input_shape = GRADIENT_CASES[case]
    layer, fresh = built(make(), input_shape), built(make(), input_shape)
    big, grad = batch(input_shape, n=5), batch(fresh.output_shape, n=5, seed=2)
    layer.forward(big)
    layer.backward(grad.copy())
    y = layer.forward(big[:2]).copy()
    dx = layer.backward(grad[:2].copy()).copy()
    np.testing.assert_array_equal(y, fresh.forward(big[:2]))
    np.testing.assert_array_equal(dx, fresh.backward(grad[:2].copy()))
    for name in layer.params:
        np.testing.assert_array_equal(layer.grads[name], fresh.grads[name])


def test_conv_reuses_its_buffers():
    layer = built(Conv2D(2, 3), (1, 6, 6), dtype="float32")
    x = batch((1, 6, 6), n=4, dtype=np.float32)
    first = layer.forward(x)
    assert np.shares_memory(first, layer.forward(x))


def test_registry_builds_layers_from_config_keys():
    configs = {
        "conv2d": dict(filters=4, kernel=3, stride=1, padding="valid", activation="relu", init="glorot"),
        "maxpool2d": dict(size=2, stride=2),
        "avgpool2d": dict(size=2),
        "flatten": {},
        "reshape": dict(shape=[4, 9]),
        "activation": dict(activation="tanh"),
        "dropout": dict(rate=0.2),
        "scale": {},
        "shift": {},
        "rnn": dict(units=3, activation="tanh", return_sequences=True),
        "lstm": dict(units=3, return_sequences=False),
        "residual": dict(layers=[LAYERS["dense"](units=4, activation="tanh")]),
    }
    assert set(configs) | {"dense"} == set(LAYERS)
    for name, kwargs in configs.items():
        layer = LAYERS[name](**kwargs)
        assert repr(layer).startswith(type(layer).__name__ + "(")


@pytest.mark.parametrize("make", [lambda: Conv2D(2, 3, activation="nope"), lambda: ActivationLayer("nope"),
                                  lambda: Conv2D(2, 3, padding="full"), lambda: Conv2D(2, 0),
                                  lambda: MaxPool2D(size=[2, 2, 2]), lambda: Residual([])])
def test_bad_arguments_are_value_errors(make):
    with pytest.raises(ValueError):
        make()

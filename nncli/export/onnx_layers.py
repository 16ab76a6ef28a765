"""Each nncli layer type as ONNX operators, by its config name.

A converter ``convert(g, layer, x, key)`` appends to the graph ``g`` the nodes
computing the built ``layer`` on the value ``x`` (shape ``(N, *layer.input_shape)``)
and returns the name of the output ``(N, *layer.output_shape)``.  ``key`` is the
layer's prefix in ``weights.npz`` (``"3"``, ``"2.0"``, ``"2.proj"``), which names
its constants.  Converters read only the layers' public attributes and ``params``.
"""

import numpy as np

from ..errors import RunError
from ..nn.layers import LAYERS, Conv2D
from ..nn.layers.conv import output_size


def activation(g, act, x, hint):
    """``act`` (an nncli activation object) on ``x``, elementwise (softmax: the last axis)."""
    if act.name == "linear":
        return x
    if act.name == "leaky_relu":  # max(z, slope z) is LeakyRelu for a slope below 1
        return g.op("LeakyRelu", [x], hint, alpha=float(act.slope))
    if act.name == "softmax":
        return g.op("Softmax", [x], hint, axis=-1)
    return g.op(ACTIVATION_OPS[act.name], [x], hint)


ACTIVATION_OPS = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "Relu"}

def dense(g, layer, x, key):
    """(N, *in) -> (N, units): flatten, ``x W^T + b``, activation."""
    if len(layer.input_shape) > 1:
        x = g.op("Flatten", [x], f"{key}.flatten", axis=1)
    weight = g.constant(f"{key}.weight", layer.params["weight"])
    bias = g.constant(f"{key}.bias", layer.params["bias"])
    z = g.op("Gemm", [x, weight, bias], f"{key}.dense", transB=1)
    return activation(g, layer.activation, z, f"{key}.{layer.activation.name}")


def conv2d(g, layer, x, key):
    """(N, C, H, W) -> (N, filters, H', W'), with nncli's padding spelled out."""
    _, height, width = layer.input_shape
    (kh, kw), (sh, sw) = layer.kernel, layer.stride
    _, (top, bottom) = output_size(height, kh, sh, layer.padding)
    _, (left, right) = output_size(width, kw, sw, layer.padding)
    weight = g.constant(f"{key}.weight", layer.params["weight"])
    bias = g.constant(f"{key}.bias", layer.params["bias"])
    z = g.op("Conv", [x, weight, bias], f"{key}.conv", kernel_shape=[kh, kw], strides=[sh, sw],
             pads=[top, left, bottom, right])
    return activation(g, layer.activation, z, f"{key}.{layer.activation.name}")


def maxpool2d(g, layer, x, key):
    return g.op("MaxPool", [x], f"{key}.maxpool", kernel_shape=list(layer.size), strides=list(layer.stride))


def avgpool2d(g, layer, x, key):
    # no padding, and windows that do not fit are dropped (floor), as in nncli
    return g.op("AveragePool", [x], f"{key}.avgpool", kernel_shape=list(layer.size), strides=list(layer.stride))


def flatten(g, layer, x, key):
    return g.op("Flatten", [x], f"{key}.flatten", axis=1)


def reshape(g, layer, x, key):
    return g.op("Reshape", [x, g.ints(f"{key}.shape", (0,) + tuple(layer.output_shape))], f"{key}.reshape")


def activation_layer(g, layer, x, key):
    return activation(g, layer.activation, x, f"{key}.{layer.activation.name}")


def dropout(g, layer, x, key):
    return x  # the identity at prediction


def scale(g, layer, x, key):
    return g.op("Mul", [x, g.constant(f"{key}.weight", layer.params["weight"])], f"{key}.scale")


def shift(g, layer, x, key):
    return g.op("Add", [x, g.constant(f"{key}.bias", layer.params["bias"])], f"{key}.shift")


def residual(g, layer, x, key):
    """``inner(x) + skip(x)``; the inner layers' keys count those with parameters."""
    inner, j = x, 0
    for sub in layer.layers:
        inner = convert(g, sub, inner, f"{key}.{j}")
        j += bool(sub.params)
    skip = x if layer.proj is None else _projection(g, layer, x, f"{key}.proj")
    return g.op("Add", [inner, skip], f"{key}.residual")


def _projection(g, layer, x, key):
    """The learned skip of a residual block whose inner layers change the shape."""
    proj = layer.proj
    if isinstance(proj, Conv2D):
        return conv2d(g, proj, x, key)
    if tuple(proj.input_shape) == tuple(layer.input_shape):  # dense on the flat input, reshaped
        flat = dense(g, proj, x, key)
        return g.op("Reshape", [flat, g.ints(f"{key}.shape", (0,) + tuple(layer.output_shape))], f"{key}.reshape")
    # a dense layer at every step of a sequence (N, T, F) -> (N, T, U)
    weight = g.constant(f"{key}.weight_t", np.asarray(proj.params["weight"]).T)
    z = g.op("MatMul", [x, weight], f"{key}.matmul")
    return g.op("Add", [z, g.constant(f"{key}.bias", proj.params["bias"])], f"{key}.dense")


def rnn(g, layer, x, key):
    """ONNX RNN with nncli's one bias as ``Wb`` and zeros as ``Rb``."""
    return _recurrent(g, layer, x, key, "RNN", np.arange(layer.units), _rnn_activation(layer.activation))


def _rnn_activation(act):
    """The attributes making an ONNX RNN node apply ``act``."""
    if act.name == "leaky_relu":
        return {"activations": ["LeakyRelu"], "activation_alpha": [float(act.slope)]}
    if act.name == "linear":
        return {"activations": ["Affine"], "activation_alpha": [1.0], "activation_beta": [0.0]}
    return {"activations": [ACTIVATION_OPS[act.name]]}


def lstm(g, layer, x, key):
    """ONNX LSTM: nncli's gate blocks (i, f, g, o) reordered to ONNX's (i, o, f, c)."""
    u = layer.units
    order = np.concatenate([np.arange(0, u), np.arange(3 * u, 4 * u), np.arange(u, 2 * u), np.arange(2 * u, 3 * u)])
    return _recurrent(g, layer, x, key, "LSTM", order, {})


def _recurrent(g, layer, x, key, op_type, rows, attributes):
    """(N, T, F) -> (N, units) or (N, T, units); ``rows`` reorders the gate rows of the weights.

    ONNX runtimes support recurrences on time-major inputs best (layout 0), so the
    batch is transposed to (T, N, F) and back.
    """
    params = layer.params
    w = g.constant(f"{key}.weight_ih", np.asarray(params["weight_ih"])[rows][np.newaxis])
    r = g.constant(f"{key}.weight_hh", np.asarray(params["weight_hh"])[rows][np.newaxis])
    bias = np.asarray(params["bias"])[rows]
    b = g.constant(f"{key}.bias", np.concatenate([bias, np.zeros_like(bias)])[np.newaxis])
    steps = g.op("Transpose", [x], f"{key}.time_major", perm=[1, 0, 2])
    y, y_last = g.op(op_type, [steps, w, r, b], f"{key}.{op_type.lower()}", outputs=2,
                     hidden_size=layer.units, **attributes)
    if not layer.return_sequences:
        return g.op("Squeeze", [y_last, g.ints(f"{key}.axis0", [0])], f"{key}.last")
    y = g.op("Squeeze", [y, g.ints(f"{key}.axis1", [1])], f"{key}.states")  # (T, 1, N, U) -> (T, N, U)
    return g.op("Transpose", [y], f"{key}.batch_major", perm=[1, 0, 2])


CONVERTERS = {
    "dense": dense,
    "conv2d": conv2d,
    "maxpool2d": maxpool2d,
    "avgpool2d": avgpool2d,
    "flatten": flatten,
    "reshape": reshape,
    "activation": activation_layer,
    "dropout": dropout,
    "scale": scale,
    "shift": shift,
    "residual": residual,
    "rnn": rnn,
    "lstm": lstm,
}

_TYPE_NAMES = {cls: name for name, cls in LAYERS.items()}


def convert(g, layer, x, key):
    """Append ``layer``'s nodes; return its output's name."""
    name = _TYPE_NAMES.get(type(layer))
    if name not in CONVERTERS:
        raise RunError(f"cannot export a {type(layer).__name__} layer to ONNX")
    return CONVERTERS[name](g, layer, x, key)

"""The size of a long-form (``model.layers``) network, worked out from its specs alone.

Building a network allocates its parameters, so an absurd one (a conv layer of
4096 filters on 1024x1024 kernels) would die in a MemoryError; this walks the
layer specs with shape arithmetic only, as each layer's ``_build`` does, so
that ``limits.check_memory`` can refuse it first with its size.
"""

import math

from ..nn.layers.conv import output_size

GATES = {"rnn": 1, "lstm": 4}


def network_size(layers, sample_shape, outputs):
    """(parameters, values per sample of a forward pass) of the hidden layers ``layers``
    (specs) on inputs of ``sample_shape`` (no batch axis), plus an output layer of
    ``outputs`` units.

    The values per sample are each layer's outputs and the scratch arrays its
    forward pass fills (conv: the unfolded input columns).  None when a layer
    does not fit the shape it gets: building the network names that problem.
    """
    try:
        parameters, values, shape = _walk(layers, tuple(sample_shape))
    except ValueError:
        return None
    return parameters + (math.prod(shape) + 1) * outputs, values + outputs


def _walk(layers, shape):
    parameters = values = 0
    for spec in layers:
        added, held, shape = _layer(spec, shape)
        parameters, values = parameters + added, values + held
    return parameters, values, shape


def _layer(spec, shape):
    """(parameters, forward values per sample, output shape) of one layer spec on ``shape``."""
    kind, size = spec.type, math.prod(shape)
    if kind == "dense":
        return (size + 1) * spec.units, spec.units, (spec.units,)
    if kind in ("conv2d", "maxpool2d", "avgpool2d"):
        if len(shape) != 3:
            raise ValueError(f"{kind} needs (channels, height, width)")
        channels, height, width = shape
        if kind == "conv2d":
            (kh, kw), (sh, sw), padding = _pair(spec.kernel), _pair(spec.stride), spec.padding
        else:
            (kh, kw), padding = _pair(spec.size), "valid"
            sh, sw = _pair(spec.stride if spec.stride is not None else spec.size)
        oh, _ = output_size(height, kh, sh, padding)
        ow, _ = output_size(width, kw, sw, padding)
        if kind != "conv2d":
            return 0, 2 * channels * oh * ow, (channels, oh, ow)
        columns = channels * kh * kw * oh * ow
        return spec.filters * (channels * kh * kw + 1), columns + spec.filters * oh * ow, (spec.filters, oh, ow)
    if kind == "flatten":
        return 0, 0, (size,)
    if kind == "reshape":
        known = math.prod(s for s in spec.shape if s != -1)
        return 0, 0, tuple(size // known if s == -1 else s for s in spec.shape)
    if kind in ("scale", "shift"):
        return size, size, shape
    if kind in ("activation", "dropout"):
        return 0, size, shape
    if kind in GATES:
        if len(shape) != 2:
            raise ValueError(f"{kind} needs (steps, features)")
        steps, features = shape
        rows = GATES[kind] * spec.units
        out = (steps, spec.units) if spec.return_sequences else (spec.units,)
        return rows * (features + spec.units + 1), steps * (rows + 4 * spec.units), out
    if kind == "residual":
        parameters, values, out = _walk(spec.layers, shape)
        return parameters + _projection(shape, out), values + math.prod(out), out
    raise ValueError(f"unknown layer {kind}")


def _projection(in_shape, out_shape):
    """Parameters of the projection a residual block adds when its shape changes."""
    if in_shape == out_shape:
        return 0
    if len(in_shape) == 3 and len(out_shape) == 3:
        return out_shape[0] * (in_shape[0] + 1)  # a 1x1 convolution
    if len(in_shape) == 2 and len(out_shape) == 2 and in_shape[0] == out_shape[0]:
        return (in_shape[1] + 1) * out_shape[1]  # dense per step
    return (math.prod(in_shape) + 1) * math.prod(out_shape)


def _pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)

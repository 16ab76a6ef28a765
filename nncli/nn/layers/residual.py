"""A residual block: inner layers whose output is added to the block's input."""

import math
from collections.abc import MutableMapping

import numpy as np

from .base import Layer
from .conv import Conv2D
from .dense import Dense


class Residual(Layer):
    """``y = inner(x) + skip(x)``, where ``inner`` runs the given layers in order.

    ``skip`` is the identity when the inner layers keep the shape; otherwise a
    learned linear projection (no activation), named ``proj``:

    * images ``(C, H, W) -> (F, H', W')`` with ``H' = ceil(H / s)``,
      ``W' = ceil(W / s)`` for a stride ``s`` (e.g. a ``same`` convolution):
      a 1x1 convolution with stride ``s``;
    * sequences ``(T, F) -> (T, U)``: a dense layer applied at every step;
    * anything else: a dense layer on the flattened input, reshaped to the output.

    ``params`` and ``grads`` are the inner layers' entries, under ``"<j>.<name>"``
    (``j`` counting the inner layers with parameters, as the model counts its
    layers) and ``"proj.weight"``, ``"proj.bias"``; so the model's keys become
    e.g. ``"2.0.weight"``.  Setting an entry sets the inner layer's (that is how
    a model lays the inner parameters out in its flat array).

    Parameters
    ----------
    layers : list of Layer
        Unbuilt layers, at least one.
    """

    def __init__(self, layers):
        super().__init__()
        self.layers = list(layers)
        if not self.layers or not all(isinstance(layer, Layer) for layer in self.layers):
            raise ValueError("residual needs a non-empty list of layers")
        self.proj = None
        self._rows_axes = 0  # leading sample axes the projection treats as rows
        self._rows = 1  # the projection sees (N * rows, *proj.input_shape)

    def build(self, input_shape, rng, dtype):
        """Build the inner layers (and the projection); ``params`` and ``grads`` join theirs."""
        self.params, self.grads = {}, {}  # none of its own for the base class to convert
        super().build(input_shape, rng, dtype)
        members = [(str(j), layer) for j, layer in enumerate(inner for inner in self.layers if inner.params)]
        if self.proj is not None:
            members.append(("proj", self.proj))
        self.params, self.grads = _Joined(members, "params"), _Joined(members, "grads")
        self.decayed = tuple(f"{prefix}.{name}" for prefix, layer in members
                             for name in layer.params if name in layer.decayed)
        return self.output_shape

    def _build(self, input_shape, rng):
        self.proj, self._rows_axes, self._rows = None, 0, 1
        shape = input_shape
        for layer in self.layers:
            shape = layer.build(shape, rng, self.dtype)
        if shape != input_shape:
            self.proj = self._projection(input_shape, shape)
            self.proj.build(input_shape[self._rows_axes :], rng, self.dtype)
            self._rows = math.prod(input_shape[: self._rows_axes])
        for name, sample_shape in [("out", shape), ("grad_inner", shape), ("dx", input_shape)]:
            self.workspace.declare(name, sample_shape)
        return shape

    def _projection(self, in_shape, out_shape):
        """The linear layer mapping inputs to the output shape (see the class docstring)."""
        self._rows_axes = 0
        if len(in_shape) == 3 and len(out_shape) == 3:
            for stride in range(1, in_shape[1] + 1):
                if out_shape[1:] == (-(-in_shape[1] // stride), -(-in_shape[2] // stride)):
                    return Conv2D(out_shape[0], kernel=1, stride=stride, padding="valid", init="glorot")
        if len(in_shape) == 2 and len(out_shape) == 2 and in_shape[0] == out_shape[0]:
            self._rows_axes = 1
            return Dense(out_shape[1])
        return Dense(math.prod(out_shape))

    def forward(self, x, train=False):
        """x: (N, *input_shape) -> (N, *output_shape); a view of a reused buffer."""
        n = len(x)
        inner = x
        for layer in self.layers:
            inner = layer.forward(inner, train)
        out = self.workspace.rows(n, "out")
        if self.proj is None:
            skip = x
        else:
            rows = x.reshape((n * self._rows,) + self.proj.input_shape)
            skip = self.proj.forward(rows, train).reshape(out.shape)
        return np.add(inner, skip, out=out)

    def backward(self, grad_output):
        """grad_output: dL/dy (N, *output_shape), overwritten -> dL/dx (N, *input_shape) or None."""
        n = len(grad_output)
        grad = self.workspace.rows(n, "grad_inner")
        np.copyto(grad, grad_output)  # the inner layers may overwrite what they get
        self.layers[0].needs_input_grad = self.needs_input_grad
        for layer in reversed(self.layers):
            grad = layer.backward(grad)
        skip = grad_output
        if self.proj is not None:
            self.proj.needs_input_grad = self.needs_input_grad
            rows = grad_output.reshape((n * self._rows,) + self.proj.output_shape)
            skip = self.proj.backward(rows)
        if not self.needs_input_grad:
            return None
        dx = self.workspace.rows(n, "dx")
        return np.add(grad, skip.reshape(dx.shape), out=dx)

    def describe(self):
        inner = ", ".join(repr(layer) for layer in self.layers)
        skip = "skip=identity" if self.proj is None else f"proj={self.proj!r}"
        return f"[{inner}], {skip}"


class _Joined(MutableMapping):
    """The ``params`` (or ``grads``) of member layers, under ``"<prefix>.<name>"`` keys.

    Reading or setting an entry reads or sets the member's own, so the arrays stay
    the members'; entries cannot be added or removed.

    Parameters
    ----------
    members : list of (prefix, Layer)
    attribute : {"params", "grads"}
    """

    def __init__(self, members, attribute):
        self._members = dict(members)
        self._attribute = attribute

    def _entries(self, key):
        """(the member's dict, the name in it) for ``key``; KeyError if there is no such entry."""
        prefix, _, name = key.partition(".")
        entries = getattr(self._members[prefix], self._attribute) if prefix in self._members else {}
        if name not in entries:
            raise KeyError(key)
        return entries, name

    def __getitem__(self, key):
        entries, name = self._entries(key)
        return entries[name]

    def __setitem__(self, key, value):
        entries, name = self._entries(key)
        entries[name] = value

    def __delitem__(self, key):
        raise TypeError("a residual block's parameters are its inner layers'; they cannot be removed")

    def __iter__(self):
        for prefix, layer in self._members.items():
            for name in getattr(layer, self._attribute):
                yield f"{prefix}.{name}"

    def __len__(self):
        return sum(len(getattr(layer, self._attribute)) for layer in self._members.values())

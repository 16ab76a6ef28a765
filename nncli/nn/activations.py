"""Activation functions, each with its derivative computed from the activation's output.

``ACTIVATIONS`` maps the config names to implementations; its keys are the valid
values of ``activation`` in a config.  Every function works in place on a
preallocated buffer so that the training loop allocates nothing per batch.
"""

from abc import ABC, abstractmethod

import numpy as np


class Activation(ABC):
    """An elementwise (or row-wise, for softmax) nonlinearity ``y = f(z)``.

    ``forward(z, out)`` writes ``f(z)`` into ``out`` (which may be ``z`` itself).
    ``backward(y, grad)`` turns ``grad = dL/dy`` into ``dL/dz`` in place, using only
    the output ``y``: the pre-activation need not be kept.
    """

    name = ""

    @abstractmethod
    def forward(self, z, out):
        """Write ``f(z)`` into ``out`` and return it; ``z`` and ``out`` share a shape."""

    @abstractmethod
    def backward(self, y, grad):
        """Turn ``grad`` (dL/dy) into dL/dz in place, given the output ``y``; return it."""

    def __call__(self, z):
        """Out-of-place convenience: ``f(z)`` as a new array."""
        return self.forward(z, np.empty_like(z))

    def __repr__(self):
        return self.name


class Sigmoid(Activation):
    """Logistic function, computed as ``(1 + tanh(z/2)) / 2``: no overflow for any z."""

    name = "sigmoid"

    def forward(self, z, out):
        np.multiply(z, 0.5, out=out)
        np.tanh(out, out=out)
        out += 1.0
        out *= 0.5
        return out

    def backward(self, y, grad):
        # dy/dz = y (1 - y)
        grad *= y
        grad -= grad * y
        return grad


class Tanh(Activation):
    name = "tanh"

    def forward(self, z, out):
        return np.tanh(z, out=out)

    def backward(self, y, grad):
        # dy/dz = 1 - y^2
        grad -= grad * y * y
        return grad


class Relu(Activation):
    name = "relu"

    def forward(self, z, out):
        return np.maximum(z, 0.0, out=out)

    def backward(self, y, grad):
        grad *= y > 0
        return grad


class LeakyRelu(Activation):
    """``max(z, slope * z)``; the sign of the output tells which branch was taken."""

    name = "leaky_relu"
    slope = 0.01

    def forward(self, z, out):
        return np.maximum(z, self.slope * z, out=out)

    def backward(self, y, grad):
        grad *= np.where(y > 0, 1.0, self.slope).astype(grad.dtype, copy=False)
        return grad


class Linear(Activation):
    name = "linear"

    def forward(self, z, out):
        if out is not z:
            np.copyto(out, z)
        return out

    def backward(self, y, grad):
        return grad


class Softmax(Activation):
    """Row-wise softmax over the last axis, shifted by the row maximum for stability."""

    name = "softmax"

    def forward(self, z, out):
        np.subtract(z, z.max(axis=-1, keepdims=True), out=out)
        np.exp(out, out=out)
        out /= out.sum(axis=-1, keepdims=True)
        return out

    def backward(self, y, grad):
        # Jacobian-vector product: dz = y * (g - sum(g * y))
        inner = (grad * y).sum(axis=-1, keepdims=True)
        grad -= inner
        grad *= y
        return grad


ACTIVATIONS = {cls.name: cls() for cls in (Sigmoid, Tanh, Relu, LeakyRelu, Linear, Softmax)}
HIDDEN_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "linear")
OUTPUT_ACTIVATIONS = ("sigmoid", "softmax", "linear")

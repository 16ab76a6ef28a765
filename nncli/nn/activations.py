"""Activation functions, each with its derivative computed from the activation's output.

``ACTIVATIONS`` maps the config names to implementations; its keys are the valid
values of ``activation`` in a config.  Every function works in place on a
preallocated buffer so that the training loop allocates nothing per batch.
"""

from abc import ABC, abstractmethod

import numpy as np

from .scalars import scalar


def reduce_rows(ufunc, z):
    """``ufunc.reduce`` over the last axis, keeping it (``(N, K) -> (N, 1)``).

    NumPy reduces a short last axis row by row, slowly (a 4096 x 10 table of class
    scores takes about ten times longer than its size suggests); a tall, narrow
    table is therefore reduced over a transposed copy, a whole column at a time.
    """
    if z.ndim == 2 and z.shape[0] >= 256 and z.shape[1] <= 64:
        return ufunc.reduce(np.ascontiguousarray(z.T), axis=0)[:, np.newaxis]
    return ufunc.reduce(z, axis=-1, keepdims=True)


class Activation(ABC):
    """An elementwise (or row-wise, for softmax) nonlinearity ``y = f(z)``.

    ``forward(z, out)`` writes ``f(z)`` into ``out`` (which may be ``z`` itself).
    ``backward(y, grad, scratch)`` turns ``grad = dL/dy`` into ``dL/dz`` in place,
    using only the output ``y``: the pre-activation need not be kept.  ``scratch``
    is an array shaped like ``y`` that the activation may overwrite (layers pass a
    reused buffer so that backward allocates nothing); without it, temporaries are
    allocated.
    """

    name = ""

    @abstractmethod
    def forward(self, z, out):
        """Write ``f(z)`` into ``out`` and return it; ``z`` and ``out`` share a shape."""

    @abstractmethod
    def backward(self, y, grad, scratch=None):
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
        half = scalar(0.5, z.dtype)
        np.multiply(z, half, out=out)
        np.tanh(out, out=out)
        np.add(out, scalar(1.0, z.dtype), out=out)
        np.multiply(out, half, out=out)
        return out

    def backward(self, y, grad, scratch=None):
        # dy/dz = y (1 - y): grad y - (grad y) y
        grad *= y
        grad -= np.multiply(grad, y, out=scratch)
        return grad


class Tanh(Activation):
    name = "tanh"

    def forward(self, z, out):
        return np.tanh(z, out=out)

    def backward(self, y, grad, scratch=None):
        # dy/dz = 1 - y^2: grad - (grad y) y
        product = np.multiply(grad, y, out=scratch)
        product *= y
        grad -= product
        return grad


class Relu(Activation):
    name = "relu"

    def __init__(self):
        self._zeros = {}

    def forward(self, z, out):
        # max(z, 0) against an array of zeros: NumPy's maximum with a scalar operand
        # takes a slow path (five times slower on float32); the values are the same
        return np.maximum(z, self.zeros(z.shape, z.dtype), out=out)

    def zeros(self, shape, dtype):
        """A read-only array of zeros of ``shape``, made once per shape."""
        key = (shape, dtype)
        zeros = self._zeros.get(key)
        if zeros is None:
            if len(self._zeros) >= 16:  # many shapes (e.g. streamed predictions): start again
                self._zeros.clear()
            zeros = self._zeros[key] = np.zeros(shape, dtype=dtype)
            zeros.flags.writeable = False
        return zeros

    def backward(self, y, grad, scratch=None):
        # 1 where the unit was active, 0 elsewhere (as 1.0/0.0 in the float scratch)
        grad *= np.greater(y, scalar(0.0, y.dtype), out=scratch) if scratch is not None else y > 0
        return grad


class LeakyRelu(Activation):
    """``max(z, slope * z)``; the sign of the output tells which branch was taken."""

    name = "leaky_relu"
    slope = 0.01

    def forward(self, z, out):
        return np.maximum(z, self.slope * z, out=out)

    def backward(self, y, grad, scratch=None):
        # factor max(1 or 0, slope): exactly 1 where y > 0, slope elsewhere, without branches
        factor = np.greater(y, scalar(0.0, y.dtype), out=scratch) if scratch is not None else (y > 0).astype(grad.dtype)
        np.maximum(factor, self.slope, out=factor)
        grad *= factor
        return grad


class Linear(Activation):
    name = "linear"

    def forward(self, z, out):
        if out is not z:
            np.copyto(out, z)
        return out

    def backward(self, y, grad, scratch=None):
        return grad


class Softmax(Activation):
    """Row-wise softmax over the last axis, shifted by the row maximum for stability."""

    name = "softmax"

    def forward(self, z, out):
        np.subtract(z, reduce_rows(np.maximum, z), out=out)
        np.exp(out, out=out)
        out /= reduce_rows(np.add, out)
        return out

    def backward(self, y, grad, scratch=None):
        # Jacobian-vector product: dz = y * (g - sum(g * y))
        inner = reduce_rows(np.add, np.multiply(grad, y, out=scratch))
        grad -= inner
        grad *= y
        return grad


ACTIVATIONS = {cls.name: cls() for cls in (Sigmoid, Tanh, Relu, LeakyRelu, Linear, Softmax)}
HIDDEN_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "linear")
OUTPUT_ACTIVATIONS = ("sigmoid", "softmax", "linear")

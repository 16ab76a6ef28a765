"""Layers that act on each value (or only on the shape) of their input.

``Reshape`` reinterprets each sample, ``ActivationLayer`` applies a registered
activation, ``Dropout`` zeroes random values while training, and ``Scale`` /
``Shift`` learn one factor / offset per input value.
"""

import math

import numpy as np

from ..activations import ACTIVATIONS
from .base import Layer


class Reshape(Layer):
    """Give each sample a new shape with the same number of values.

    E.g. ``Reshape([32, 32])`` turns ``(N, 1, 32, 32)`` images into ``(N, 32, 32)``
    sequences of 32 steps with 32 features (the image rows).

    Parameters
    ----------
    shape : sequence of int
        The new per-sample shape; one entry may be -1 (inferred).
    """

    decayed = ()

    def __init__(self, shape):
        super().__init__()
        self.shape = (int(shape),) if np.ndim(shape) == 0 else tuple(int(s) for s in shape)
        if not self.shape or any(s < 1 and s != -1 for s in self.shape) or self.shape.count(-1) > 1:
            raise ValueError(f"reshape needs positive sizes (at most one -1), got {list(self.shape)}")

    def _build(self, input_shape, rng):
        size = math.prod(input_shape)
        known = math.prod(s for s in self.shape if s != -1)
        if -1 in self.shape:
            if size % known:
                raise ValueError(f"cannot reshape inputs of shape {input_shape} ({size} values) "
                                 f"into {list(self.shape)}: {size} is not a multiple of {known}")
            return tuple(size // known if s == -1 else s for s in self.shape)
        if known != size:
            raise ValueError(f"cannot reshape inputs of shape {input_shape} ({size} values) "
                             f"into {list(self.shape)} ({known} values)")
        return self.shape

    def forward(self, x, train=False):
        """x: (N, *input_shape) -> (N, *shape); a view when x is contiguous."""
        return x.reshape((len(x),) + self.output_shape)

    def backward(self, grad_output):
        """grad_output: (N, *shape) -> (N, *input_shape) or None."""
        if not self.needs_input_grad:
            return None
        return grad_output.reshape((len(grad_output),) + self.input_shape)

    def describe(self):
        return f"{list(self.output_shape or self.shape)}"


class ActivationLayer(Layer):
    """A registered activation as a layer of its own: ``y = f(x)``, any shape.

    Parameters
    ----------
    activation : str
        A key of ``ACTIVATIONS``; the derivative is taken from the output.
        (``softmax`` acts on the last axis.)
    """

    decayed = ()

    def __init__(self, activation):
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; choose from {', '.join(ACTIVATIONS)}")
        self.activation = ACTIVATIONS[activation]

    def _build(self, input_shape, rng):
        self.workspace.declare("out", input_shape)
        return input_shape

    def forward(self, x, train=False):
        """x: (N, *shape) -> f(x) (N, *shape); a view of a reused buffer."""
        self._y = self.activation.forward(x, self.workspace.rows(len(x), "out"))
        return self._y

    def backward(self, grad_output):
        """grad_output: dL/dy (N, *shape), overwritten -> dL/dx (N, *shape) or None."""
        if not self.needs_input_grad:
            return None
        return self.activation.backward(self._y, grad_output)

    def describe(self):
        return self.activation.name


class Dropout(Layer):
    """Inverted dropout: while training, zero each value with probability ``rate``
    and scale the others by ``1 / (1 - rate)``; the identity at evaluation.

    The masks come from a generator seeded at build time from the build ``rng``
    (one draw), so training is reproducible given the model's seed.  It is the
    public attribute ``rng``; a checkpoint can save and restore
    ``rng.bit_generator.state``.

    Parameters
    ----------
    rate : float
        Probability of dropping a value, in [0, 1).
    """

    decayed = ()

    def __init__(self, rate=0.5):
        super().__init__()
        self.rate = float(rate)
        if not 0.0 <= self.rate < 1.0:
            raise ValueError(f"dropout rate must be in [0, 1), got {rate!r}")
        self.rng = None
        self._mask = None

    def _build(self, input_shape, rng):
        self.rng = np.random.default_rng(int(rng.integers(2**63)))
        self.workspace.declare("mask", input_shape)
        self.workspace.declare("out", input_shape)
        return input_shape

    def forward(self, x, train=False):
        """x: (N, *shape) -> (N, *shape): x itself at evaluation, else ``x * mask``."""
        if not train or self.rate == 0.0:
            self._mask = None
            return x
        mask, out = self.workspace.rows(len(x), ("mask", "out"))
        self.rng.random(out=mask, dtype=self.dtype)
        np.greater_equal(mask, self.rate, out=mask)
        mask *= 1.0 / (1.0 - self.rate)
        self._mask = mask
        return np.multiply(x, mask, out=out)

    def backward(self, grad_output):
        """grad_output: dL/dy (N, *shape), overwritten -> dL/dx (N, *shape) or None."""
        if not self.needs_input_grad:
            return None
        if self._mask is not None:
            grad_output *= self._mask
        return grad_output

    def describe(self):
        return f"rate={self.rate:g}"


class Scale(Layer):
    """``y = x * weight``, one learned factor per input value (``weight`` starts at 1).

    Parameter ``weight`` has the per-sample input shape, e.g. ``(units,)`` after a
    dense layer or ``(C, H, W)`` after a convolution.  Not weight-decayed.
    """

    decayed = ()

    def _build(self, input_shape, rng):
        self.params["weight"] = np.ones(input_shape)
        self.workspace.declare("out", input_shape)
        self.workspace.declare("product", input_shape)
        return input_shape

    def forward(self, x, train=False):
        """x: (N, *shape) -> (N, *shape); a view of a reused buffer."""
        self._x = x
        return np.multiply(x, self.params["weight"], out=self.workspace.rows(len(x), "out"))

    def backward(self, grad_output):
        """grad_output: dL/dy (N, *shape), overwritten -> dL/dx (N, *shape) or None."""
        product = np.multiply(grad_output, self._x, out=self.workspace.rows(len(grad_output), "product"))
        np.sum(product, axis=0, out=self.grads["weight"])
        if not self.needs_input_grad:
            return None
        grad_output *= self.params["weight"]
        return grad_output

    def describe(self):
        return f"shape={self.input_shape}" if self.input_shape else ""


class Shift(Layer):
    """``y = x + bias``, one learned offset per input value (``bias`` starts at 0).

    Parameter ``bias`` has the per-sample input shape.  Not weight-decayed.
    """

    decayed = ()

    def _build(self, input_shape, rng):
        self.params["bias"] = np.zeros(input_shape)
        self.workspace.declare("out", input_shape)
        return input_shape

    def forward(self, x, train=False):
        """x: (N, *shape) -> (N, *shape); a view of a reused buffer."""
        return np.add(x, self.params["bias"], out=self.workspace.rows(len(x), "out"))

    def backward(self, grad_output):
        """grad_output: dL/dy (N, *shape) -> dL/dx (the same array) or None."""
        np.sum(grad_output, axis=0, out=self.grads["bias"])
        if not self.needs_input_grad:
            return None
        return grad_output

    def describe(self):
        return f"shape={self.input_shape}" if self.input_shape else ""

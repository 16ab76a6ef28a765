"""The fully connected layer ``y = f(x W^T + b)``."""

import math

import numpy as np

from ..activations import ACTIVATIONS
from ..init import INITIALIZERS
from .base import Layer


class Dense(Layer):
    """Fully connected layer; inputs with more than one feature axis are flattened.

    Parameters ``weight`` (units, in_features), as PyTorch's ``nn.Linear``, and
    ``bias`` (units,).  After ``forward``, ``output`` is its result (N, units).
    With ``keep_logits`` (the model sets it on its output layer, which needs the
    pre-activation for exact log-losses) ``logits`` is the pre-activation
    (N, units), else None.
    """

    def __init__(self, units, activation="linear", init="glorot"):
        super().__init__()
        self.units = int(units)
        self.activation = ACTIVATIONS[activation]
        self.init = init
        self.keep_logits = False
        self.output = None
        self.logits = None

    def _build(self, input_shape, rng):
        fan_in = math.prod(input_shape)
        self.params["weight"] = INITIALIZERS[self.init](rng, (self.units, fan_in), fan_in, self.units)
        # The classic N(0,1) scheme draws biases too; the others start them at zero.
        if self.init == "normal":
            self.params["bias"] = rng.standard_normal(self.units)
        else:
            self.params["bias"] = np.zeros(self.units)
        for name in ("out", "logits", "scratch"):
            self.workspace.declare(name, (self.units,))
        self.workspace.declare("dx", (fan_in,))
        self._flat_input = len(input_shape) == 1
        return (self.units,)

    def forward(self, x, train=False):
        """x: (N, *input_shape) -> (N, units)."""
        n = len(x)
        self._x = x if x.ndim == 2 else x.reshape(n, -1)
        if self.keep_logits:
            out, z = self.workspace.rows(n, ("out", "logits"))
        else:
            out = z = self.workspace.rows(n, "out")  # the activation acts in place
        np.matmul(self._x, self.params["weight"].T, out=z)
        z += self.params["bias"]
        self.logits = z if self.keep_logits else None
        self.output = self.activation.forward(z, out)
        return self.output

    def backward(self, grad_output):
        """grad_output: dL/dy (N, units), overwritten -> dL/dx (N, *input_shape) or None."""
        scratch = self.workspace.rows(len(grad_output), "scratch")
        return self.backward_from_logits(self.activation.backward(self.output, grad_output, scratch))

    def backward_from_logits(self, grad_logits):
        """dL/dz (N, units) -> fills grads, returns dL/dx (N, *input_shape) or None."""
        np.matmul(grad_logits.T, self._x, out=self.grads["weight"])
        np.add.reduce(grad_logits, axis=0, out=self.grads["bias"])  # np.sum without its wrapper
        if not self.needs_input_grad:
            return None
        n = len(grad_logits)
        dx = self.workspace.rows(n, "dx")
        np.matmul(grad_logits, self.params["weight"], out=dx)
        return dx if self._flat_input else dx.reshape((n,) + self.input_shape)

    def describe(self):
        return f"{self.units}, activation={self.activation.name}"

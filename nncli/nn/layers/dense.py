"""The fully connected layer ``y = f(x W^T + b)``."""

import math

import numpy as np

from ..activations import ACTIVATIONS
from ..init import INITIALIZERS
from .base import Layer, views_flag


class Dense(Layer):
    """Fully connected layer; inputs with more than one feature axis are flattened.

    Parameters ``weight`` (units, in_features), as PyTorch's ``nn.Linear``, and
    ``bias`` (units,).  With ``keep_logits`` the pre-activation is kept in
    ``self.logits`` (the output layer needs it for exact log-losses).
    """

    packable = True

    def __init__(self, units, activation="linear", init="glorot"):
        super().__init__()
        self.units = int(units)
        self.activation = ACTIVATIONS[activation]
        self.init = init
        self._keep_logits = False
        self.logits = None

    keep_logits = views_flag("keep_logits", "Whether ``forward`` keeps the pre-activation in ``self.logits``.")

    def _build(self, input_shape, rng):
        fan_in = math.prod(input_shape)
        self.params["weight"] = INITIALIZERS[self.init](rng, (self.units, fan_in), fan_in, self.units)
        # The classic N(0,1) scheme draws biases too; the others start them at zero.
        if self.init == "normal":
            self.params["bias"] = rng.standard_normal(self.units)
        else:
            self.params["bias"] = np.zeros(self.units)
        return (self.units,)

    def forward(self, x, train=False):
        """x: (N, *input_shape) -> (N, units)."""
        n = len(x)
        self._x = x if x.ndim == 2 else x.reshape(n, -1)
        out, z = self.batch_views("forward", n) or self._forward_views(n)
        np.matmul(self._x, self.params["weight"].T, out=z)
        z += self.params["bias"]
        self.logits = z if self._keep_logits else None
        self._y = self.activation.forward(z, out)
        return self._y

    def _forward_views(self, n):
        """(out, z) for n rows: z is the kept logits, or ``out`` itself (activation in place)."""
        out = self.buffer("out", (n, self.units))
        z = self.buffer("logits", (n, self.units)) if self.keep_logits else out
        return self.remember_views("forward", n, (out, z))

    def _backward_views(self, n):
        """Views for n rows: (scratch for the activation's derivative, dL/dx as (n, in_features),
        dL/dx shaped as the input); the last two are None when no dL/dx is needed."""
        scratch = self.buffer("scratch", (n, self.units))
        if not self.needs_input_grad:
            return self.remember_views("backward", n, (scratch, None, None))
        dx = self.buffer("dx", (n, math.prod(self.input_shape)))
        return self.remember_views("backward", n, (scratch, dx, dx.reshape((n,) + self.input_shape)))

    def backward(self, grad_output):
        """grad_output: dL/dy (N, units), overwritten -> dL/dx (N, *input_shape) or None."""
        n = len(grad_output)
        scratch, _, _ = self.batch_views("backward", n) or self._backward_views(n)
        return self.backward_from_logits(self.activation.backward(self._y, grad_output, scratch))

    def backward_from_logits(self, grad_logits):
        """dL/dz (N, units) -> fills grads, returns dL/dx (N, *input_shape) or None."""
        np.matmul(grad_logits.T, self._x, out=self.grads["weight"])
        np.add.reduce(grad_logits, axis=0, out=self.grads["bias"])  # np.sum without its wrapper
        if not self._needs_input_grad:
            return None
        n = len(grad_logits)
        _, dx, dx_shaped = self.batch_views("backward", n) or self._backward_views(n)
        np.matmul(grad_logits, self.params["weight"], out=dx)
        return dx_shaped

    def describe(self):
        return f"{self.units}, activation={self.activation.name}"

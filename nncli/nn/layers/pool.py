"""Pooling over images ``(N, C, H, W)``, and ``Flatten`` from images to feature rows."""

import math

import numpy as np

from .base import Layer
from .conv import output_size, pair, window


class _Pool2D(Layer):
    """Shared geometry: ``size`` x ``size`` windows every ``stride`` pixels, no padding.

    Input ``(N, C, H, W)`` -> ``(N, C, H', W')`` with ``H' = (H - size) // stride + 1``
    (windows that do not fit are dropped, as in PyTorch and Keras).

    Parameters
    ----------
    size : int or (int, int)
        Window height and width.
    stride : int or (int, int), optional
        Step between windows; defaults to ``size`` (non-overlapping windows).
    """

    decayed = ()

    def __init__(self, size=2, stride=None):
        super().__init__()
        self.size = pair(size, "size")
        self.stride = self.size if stride is None else pair(stride, "stride")

    def _build(self, input_shape, rng):
        if len(input_shape) != 3:
            raise ValueError(f"{type(self).__name__} needs inputs of shape (channels, height, width), "
                             f"got {input_shape}")
        channels, height, width = input_shape
        oh, _ = output_size(height, self.size[0], self.stride[0], "valid")
        ow, _ = output_size(width, self.size[1], self.stride[1], "valid")
        self._out_hw = (oh, ow)
        for name in ("out", "routed"):
            self.workspace.declare(name, (channels, oh, ow))
        for name in ("winner", "found"):
            self.workspace.declare(name, (channels, oh, ow), np.bool_)
        self.workspace.declare("dx", input_shape)
        return (channels, oh, ow)

    def _windows(self):
        """``(k, index)`` for every offset in the window; ``x[index]`` is ``(N, C, H', W')``."""
        kh, kw = self.size
        for i in range(kh):
            for j in range(kw):
                yield i * kw + j, window(i, j, self.stride, self._out_hw)

    def _fold_windows(self, x, combine):
        """Every window offset of ``x`` folded with the ufunc ``combine`` into a reused buffer (N, C, H', W')."""
        out = self.workspace.rows(len(x), "out")
        for k, index in self._windows():
            if k == 0:
                np.copyto(out, x[index])
            else:
                combine(out, x[index], out=out)
        return out

    def describe(self):
        size = self.size[0] if self.size[0] == self.size[1] else self.size
        stride = self.stride[0] if self.stride[0] == self.stride[1] else self.stride
        return f"size={size}, stride={stride}"


class MaxPool2D(_Pool2D):
    """Maximum over each window; the gradient goes to the first maximal element.

    Forward only takes maxima; backward finds the winners again by comparing the
    kept input with the kept output, offset by offset (much cheaper than tracking
    an argmax with masked copies, whose data-dependent branches are slow).

    """

    def forward(self, x, train=False):
        """x: (N, C, H, W) -> (N, C, H', W'); a view of a reused buffer."""
        out = self._fold_windows(x, np.maximum)
        self._x, self._y = x, out
        return out

    def backward(self, grad_output):
        """grad_output: dL/dy (N, C, H', W') -> dL/dx (N, C, H, W) or None."""
        if not self.needs_input_grad:
            return None
        # found: the window has its winner
        dx, winner, found, routed = self.workspace.rows(len(grad_output), ("dx", "winner", "found", "routed"))
        dx.fill(0)
        for k, index in self._windows():
            np.equal(self._x[index], self._y, out=winner)
            if k == 0:
                np.copyto(found, winner)
            else:
                np.greater(winner, found, out=winner)  # a winner only if none was found before
                found |= winner
            np.multiply(grad_output, winner, out=routed)
            dx[index] += routed
        return dx


class AvgPool2D(_Pool2D):
    """Mean over each window.

    """

    def forward(self, x, train=False):
        """x: (N, C, H, W) -> (N, C, H', W'); a view of a reused buffer."""
        out = self._fold_windows(x, np.add)
        out *= 1.0 / math.prod(self.size)
        return out

    def backward(self, grad_output):
        """grad_output: dL/dy (N, C, H', W'), overwritten -> dL/dx (N, C, H, W) or None."""
        if not self.needs_input_grad:
            return None
        dx = self.workspace.rows(len(grad_output), "dx")
        dx.fill(0)
        grad_output *= 1.0 / math.prod(self.size)
        for _, index in self._windows():
            dx[index] += grad_output
        return dx


class Flatten(Layer):
    """``(N, *shape)`` -> ``(N, prod(shape))``, e.g. conv features into a dense layer.

    (``Dense`` flattens by itself; ``Flatten`` makes the step explicit and lets
    other layers, e.g. ``Scale``, work on the flat features.)
    """

    decayed = ()

    def _build(self, input_shape, rng):
        return (math.prod(input_shape),)

    def forward(self, x, train=False):
        """x: (N, *input_shape) -> (N, prod(input_shape)); a view when x is contiguous."""
        return x.reshape(len(x), -1)

    def backward(self, grad_output):
        """grad_output: (N, prod(input_shape)) -> (N, *input_shape) or None."""
        if not self.needs_input_grad:
            return None
        return grad_output.reshape((len(grad_output),) + self.input_shape)

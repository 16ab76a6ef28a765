"""Pooling over images ``(N, C, H, W)``, and ``Flatten`` from images to feature rows."""

import math

import numpy as np

from .base import Layer, reuse_buffer
from .conv import output_size, pair, window


class _Pool2D(Layer):
    """Shared geometry: ``size`` x ``size`` windows every ``stride`` pixels, no padding.

    Input ``(N, C, H, W)`` -> ``(N, C, H', W')`` with ``H' = (H - size) // stride + 1``
    (windows that do not fit are dropped, as in PyTorch and Keras).
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
        return (channels, oh, ow)

    def _windows(self):
        """``(k, index)`` for every offset in the window; ``x[index]`` is ``(N, C, H', W')``."""
        kh, kw = self.size
        for i in range(kh):
            for j in range(kw):
                yield i * kw + j, window(i, j, self.stride, self._out_hw)

    def describe(self):
        size = self.size[0] if self.size[0] == self.size[1] else self.size
        stride = self.stride[0] if self.stride[0] == self.stride[1] else self.stride
        return f"size={size}, stride={stride}"


class MaxPool2D(_Pool2D):
    """Maximum over each window; the gradient goes to the (first) maximal element.

    Parameters
    ----------
    size : int or (int, int)
        Window height and width.
    stride : int or (int, int), optional
        Step between windows; defaults to ``size`` (non-overlapping windows).
    """

    def forward(self, x, train=False):
        """x: (N, C, H, W) -> (N, C, H', W'); a view of a reused buffer."""
        shape = (len(x),) + self.output_shape
        out = self.buffer("out", shape)
        self._argmax = reuse_buffer(self._buffers, "argmax", shape, np.int32)
        larger = reuse_buffer(self._buffers, "larger", shape, np.bool_)
        for k, index in self._windows():
            candidate = x[index]
            if k == 0:
                np.copyto(out, candidate)
                self._argmax.fill(0)
                continue
            np.greater(candidate, out, out=larger)
            np.copyto(out, candidate, where=larger)
            np.copyto(self._argmax, k, where=larger)
        return out

    def backward(self, grad_output):
        """grad_output: dL/dy (N, C, H', W') -> dL/dx (N, C, H, W) or None."""
        if not self.needs_input_grad:
            return None
        n = len(grad_output)
        dx = self.buffer("dx", (n,) + self.input_shape)
        dx.fill(0)
        chosen = reuse_buffer(self._buffers, "chosen", grad_output.shape, np.bool_)
        routed = self.buffer("routed", grad_output.shape)
        for k, index in self._windows():
            np.equal(self._argmax, k, out=chosen)
            np.multiply(grad_output, chosen, out=routed)
            dx[index] += routed
        return dx


class AvgPool2D(_Pool2D):
    """Mean over each window.

    Parameters
    ----------
    size : int or (int, int)
        Window height and width.
    stride : int or (int, int), optional
        Step between windows; defaults to ``size`` (non-overlapping windows).
    """

    def forward(self, x, train=False):
        """x: (N, C, H, W) -> (N, C, H', W'); a view of a reused buffer."""
        out = self.buffer("out", (len(x),) + self.output_shape)
        for k, index in self._windows():
            if k == 0:
                np.copyto(out, x[index])
            else:
                out += x[index]
        out *= 1.0 / math.prod(self.size)
        return out

    def backward(self, grad_output):
        """grad_output: dL/dy (N, C, H', W'), overwritten -> dL/dx (N, C, H, W) or None."""
        if not self.needs_input_grad:
            return None
        dx = self.buffer("dx", (len(grad_output),) + self.input_shape)
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

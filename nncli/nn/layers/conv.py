"""The 2-D convolution layer over images ``(N, C, H, W)``, computed with im2col.

Also home of the window geometry (output sizes, padding, strided window slices)
that the pooling layers share.
"""

import numpy as np

from ..activations import ACTIVATIONS
from ..init import INITIALIZERS
from .base import Layer

PADDINGS = ("same", "valid")


def pair(value, name):
    """``3 -> (3, 3)``, ``[3, 5] -> (3, 5)``; a ValueError unless positive integers."""
    values = (value, value) if np.ndim(value) == 0 else tuple(value)
    positive = all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v > 0 for v in values)
    if len(values) != 2 or not positive:
        raise ValueError(f"{name} must be a positive integer or a pair of them, got {value!r}")
    return int(values[0]), int(values[1])


def output_size(size, kernel, stride, padding):
    """Output length along one axis and the padding ``(before, after)`` it needs.

    ``same``: ``ceil(size / stride)`` outputs, zero padding split as evenly as
    possible (the extra row or column goes after), as in TensorFlow.
    ``valid``: only windows that fit, ``(size - kernel) // stride + 1`` outputs.
    """
    if padding == "same":
        out = -(-size // stride)
        total = max((out - 1) * stride + kernel - size, 0)
        return out, (total // 2, total - total // 2)
    if size < kernel:
        raise ValueError(f"a window of {kernel} does not fit an input of size {size} without padding")
    return (size - kernel) // stride + 1, (0, 0)


def window(i, j, stride, out_hw):
    """Index selecting, for kernel offset ``(i, j)``, the input pixel of every output pixel.

    ``x[window(i, j, ...)]`` on an ``(N, C, H, W)`` array is ``(N, C, H', W')``:
    element ``[n, c, p, q]`` is ``x[n, c, i + p*sh, j + q*sw]``.
    """
    (sh, sw), (oh, ow) = stride, out_hw
    return (slice(None), slice(None), slice(i, i + sh * (oh - 1) + 1, sh), slice(j, j + sw * (ow - 1) + 1, sw))


class Conv2D(Layer):
    """2-D convolution (cross-correlation, as in every framework) with an activation.

    Input ``(N, C, H, W)`` -> output ``(N, filters, H', W')``.  Parameters
    ``weight`` ``(filters, C, kh, kw)``, as PyTorch's ``nn.Conv2d``, and ``bias``
    ``(filters,)``.

    Forward gathers the kh*kw shifted (and strided) copies of the padded input
    into a column buffer ``(N, C*kh*kw, H'*W')`` and does one batched matmul
    with the weight ``(filters, C*kh*kw)``.  Backward scatters the column
    gradient back with one strided add per kernel offset (col2im).

    Parameters
    ----------
    filters : int
        Output channels.
    kernel : int or (int, int)
        Kernel height and width.
    stride : int or (int, int)
    padding : {"same", "valid"}
        ``same`` keeps ``ceil(H / stride)`` rows; ``valid`` uses no padding.
    activation : str
        A key of ``ACTIVATIONS``; its derivative is taken from the output.
    init : {"he", "glorot", "normal"}
        Weight initialiser, with ``fan_in = C*kh*kw`` and ``fan_out = filters*kh*kw``.
    """

    decayed = ("weight",)

    def __init__(self, filters, kernel=3, stride=1, padding="same", activation="linear", init="he"):
        super().__init__()
        self.filters = int(filters)
        if self.filters < 1:
            raise ValueError(f"filters must be a positive integer, got {filters!r}")
        self.kernel = pair(kernel, "kernel")
        self.stride = pair(stride, "stride")
        if padding not in PADDINGS:
            raise ValueError(f"padding must be one of {', '.join(PADDINGS)}, got {padding!r}")
        self.padding = padding
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; choose from {', '.join(ACTIVATIONS)}")
        self.activation = ACTIVATIONS[activation]
        if init not in INITIALIZERS:
            raise ValueError(f"unknown init {init!r}; choose from {', '.join(INITIALIZERS)}")
        self.init = init

    def _build(self, input_shape, rng):
        if len(input_shape) != 3:
            raise ValueError(f"conv2d needs inputs of shape (channels, height, width), got {input_shape}")
        channels, height, width = input_shape
        (kh, kw), (sh, sw) = self.kernel, self.stride
        oh, self._pad_h = output_size(height, kh, sh, self.padding)
        ow, self._pad_w = output_size(width, kw, sw, self.padding)
        self._out_hw = (oh, ow)
        fan_in, fan_out = channels * kh * kw, self.filters * kh * kw
        shape = (self.filters, channels, kh, kw)
        self.params["weight"] = INITIALIZERS[self.init](rng, shape, fan_in, fan_out)
        if self.init == "normal":
            self.params["bias"] = rng.standard_normal(self.filters)
        else:
            self.params["bias"] = np.zeros(self.filters)
        padded = (channels, height + sum(self._pad_h), width + sum(self._pad_w))
        columns = (channels, kh, kw, oh, ow)
        for name, sample_shape in [("padded", padded), ("cols", columns), ("out", (self.filters, oh, ow)),
                                   ("dweight", (self.filters, channels * kh * kw)), ("dcols", columns),
                                   ("dpadded", padded), ("dx", input_shape)]:
            self.workspace.declare(name, sample_shape)
        return (self.filters, oh, ow)

    def _interior(self):
        """Index of the unpadded input inside the padded buffer."""
        (top, _), (left, _) = self._pad_h, self._pad_w
        h, w = self.input_shape[1:]
        return (slice(None), slice(None), slice(top, top + h), slice(left, left + w))

    def forward(self, x, train=False):
        """x: (N, C, H, W) -> (N, filters, H', W'); a view of a reused buffer."""
        n = len(x)
        (kh, kw), (oh, ow) = self.kernel, self._out_hw
        if any(self._pad_h) or any(self._pad_w):
            padded = self.workspace.rows(n, "padded")
            padded.fill(0)
            padded[self._interior()] = x
        else:
            padded = x
        c = self.input_shape[0]
        cols = self.workspace.rows(n, "cols")
        for i in range(kh):
            for j in range(kw):
                cols[:, :, i, j] = padded[window(i, j, self.stride, self._out_hw)]
        self._cols = cols.reshape(n, c * kh * kw, oh * ow)
        out = self.workspace.rows(n, "out")
        z = out.reshape(n, self.filters, oh * ow)
        np.matmul(self.params["weight"].reshape(self.filters, -1), self._cols, out=z)
        z += self.params["bias"][:, None]
        self._y = self.activation.forward(out, out)
        return self._y

    def backward(self, grad_output):
        """grad_output: dL/dy (N, filters, H', W'), overwritten -> dL/dx (N, C, H, W) or None."""
        n = len(grad_output)
        (kh, kw), (oh, ow) = self.kernel, self._out_hw
        c = self.input_shape[0]
        dz = self.activation.backward(self._y, grad_output).reshape(n, self.filters, oh * ow)
        np.sum(dz, axis=(0, 2), out=self.grads["bias"])
        per_sample = self.workspace.rows(n, "dweight")
        np.matmul(dz, self._cols.transpose(0, 2, 1), out=per_sample)
        np.sum(per_sample, axis=0, out=self.grads["weight"].reshape(self.filters, -1))
        if not self.needs_input_grad:
            return None
        dcols = self.workspace.rows(n, "dcols")
        np.matmul(self.params["weight"].reshape(self.filters, -1).T, dz,
                  out=dcols.reshape(n, c * kh * kw, oh * ow))
        dpadded = self.workspace.rows(n, "dpadded")
        dpadded.fill(0)
        for i in range(kh):
            for j in range(kw):
                dpadded[window(i, j, self.stride, self._out_hw)] += dcols[:, :, i, j]
        if dpadded.shape[1:] == self.input_shape:
            return dpadded
        dx = self.workspace.rows(n, "dx")
        np.copyto(dx, dpadded[self._interior()])
        return dx

    def describe(self):
        kernel = "x".join(map(str, self.kernel))
        stride = self.stride[0] if self.stride[0] == self.stride[1] else self.stride
        return (f"{self.filters}, kernel={kernel}, stride={stride}, padding={self.padding}, "
                f"activation={self.activation.name}")

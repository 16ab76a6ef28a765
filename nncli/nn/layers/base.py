"""The contract every layer keeps, and the buffer reuse they share."""

from abc import ABC, abstractmethod

import numpy as np


def reuse_buffer(store, name, shape, dtype):
    """Return ``store[name][:shape[0]]``, (re)allocating it only when it is too small.

    Parameters
    ----------
    store : dict
        Where the buffers live between calls (and the views handed out, so that a
        batch size seen before costs one dictionary lookup).
    shape : tuple
        Wanted shape; the first axis is the batch axis and may shrink between calls.
    """
    key = (name, tuple(shape), dtype)
    view = store.get(key)
    if view is not None:
        return view
    buf = store.get(name)
    if buf is None or buf.shape[1:] != key[1][1:] or len(buf) < shape[0] or buf.dtype != dtype:
        buf = np.empty(shape, dtype=dtype)
        # views of the old buffer must not be handed out again
        for stale in [k for k in store if isinstance(k, tuple) and k[0] == name]:
            del store[stale]
        store[name] = buf
    if len(store) > 256:  # many different batch sizes (e.g. streamed predictions): forget the views
        for stale in [k for k in store if isinstance(k, tuple)]:
            del store[stale]
    view = store[key] = buf[: shape[0]]
    return view


def views_flag(name, doc):
    """A boolean layer attribute that decides which buffers a batch needs: changing it
    forgets the cached batch views.  The value lives in ``_<name>`` (read that in hot code)."""
    private = f"_{name}"

    def get(layer):
        return getattr(layer, private)

    def assign(layer, value):
        if bool(value) != getattr(layer, private):
            layer._batch_views.clear()
        setattr(layer, private, bool(value))

    return property(get, assign, doc=doc)


class Layer(ABC):
    """One step of a network.

    A layer is built once for an input shape (without the batch axis), then called
    on batches whose first axis is the sample axis.  ``params`` and ``grads`` are
    dicts with the same keys; ``backward`` only fills ``grads``, an optimizer applies
    them.  ``backward`` may overwrite the array it is given.

    Buffers are allocated once for the largest batch seen and reused (as views of
    their leading rows) for every later batch, so training allocates nothing per batch.
    """

    #: parameter names that weight decay applies to
    decayed = ("weight",)

    needs_input_grad = views_flag("needs_input_grad", "Whether ``backward`` returns dL/dx (a first layer needs not).")

    #: True when the layer reads ``params[name]`` and writes ``grads[name]`` only
    #: through those dicts at each call (keeping no other reference to the arrays),
    #: so that ``Sequential`` may replace them by views of one flat buffer, which
    #: lets an optimizer update all of a small network's parameters in one pass.
    packable = False

    def __init__(self):
        self.params = {}
        self.grads = {}
        self.input_shape = None
        self.output_shape = None
        self.dtype = np.float32
        self._buffers = {}
        # (kind, rows) -> a tuple of buffer views for a batch of that many rows
        self._batch_views = {}
        # The first layer never needs dL/dx; skipping it saves a matmul per batch.
        self._needs_input_grad = True

    def build(self, input_shape, rng, dtype):
        """Create parameters for inputs of ``input_shape``; return the output shape."""
        self.input_shape = tuple(input_shape)
        self.dtype = np.dtype(dtype)
        self._buffers.clear()  # a rebuilt layer starts with buffers of its new shapes and dtype
        self._batch_views.clear()
        self.output_shape = tuple(self._build(self.input_shape, rng))
        for name, value in self.params.items():
            self.params[name] = np.ascontiguousarray(value, dtype=self.dtype)
            self.grads[name] = np.zeros_like(self.params[name])
        return self.output_shape

    def _build(self, input_shape, rng):
        """Fill ``self.params`` (any float dtype) and return the output shape."""
        return input_shape

    @abstractmethod
    def forward(self, x, train=False):
        """Map a batch ``x`` of shape ``(N, *input_shape)`` to ``(N, *output_shape)``."""

    @abstractmethod
    def backward(self, grad_output):
        """Given dL/dy ``(N, *output_shape)``, fill ``grads`` and return dL/dx (or None)."""

    def buffer(self, name, shape):
        """A reusable array of ``shape`` (first axis: batch) in the layer's dtype."""
        if type(shape) is not tuple:
            shape = tuple(shape)
        view = self._buffers.get((name, shape, self.dtype))  # the common case, without a call
        if view is None:
            allocated = self._buffers.get(name)
            view = reuse_buffer(self._buffers, name, shape, self.dtype)
            if self._buffers[name] is not allocated:  # views of the old buffer are not handed out again
                self._batch_views.clear()
        return view

    def batch_views(self, kind, rows):
        """The views ``remember_views`` stored for ``kind`` and a batch of ``rows`` rows, or None.

        One dictionary lookup where fetching each buffer by name costs one per
        buffer: on a small network that is a tenth of a batch's time.
        """
        return self._batch_views.get((kind, rows))

    def remember_views(self, kind, rows, views):
        """Keep ``views`` (a tuple of ``buffer`` views) for ``batch_views``; return them."""
        if len(self._batch_views) >= 16:  # many batch sizes (e.g. streamed predictions): start again
            self._batch_views.clear()
        self._batch_views[(kind, rows)] = views
        return views

    @property
    def n_params(self):
        return sum(p.size for p in self.params.values())

    def describe(self):
        """Short description used in ``repr`` and model summaries."""
        return ""

    def __repr__(self):
        return f"{type(self).__name__}({self.describe()})"

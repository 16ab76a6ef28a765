"""The contract every layer keeps."""

from abc import ABC, abstractmethod

import numpy as np

from ..workspace import Workspace


class Layer(ABC):
    """One step of a network.

    A layer is built once for an input shape (without the batch axis), then called
    on batches whose first axis is the sample axis.  A new layer type implements
    ``_build`` (fill ``params``, declare its per-batch arrays in ``workspace``,
    return the output shape), ``forward``, ``backward`` and ``describe``; see
    docs/adding-a-layer.md.

    ``params`` and ``grads`` are dicts with the same keys; ``backward`` only fills
    ``grads``, an optimizer applies them.  Read them through the dicts at every
    call (keep no other reference): a ``Sequential`` replaces them by views of its
    one flat parameter (gradient) array.  ``backward`` may overwrite the array it
    is given.

    Attributes set from outside
    ---------------------------
    needs_input_grad : bool
        Whether ``backward`` must return dL/dx; the model sets it False on its
        first layer (nothing uses that gradient, and skipping it saves a matmul),
        and ``backward`` then returns None.
    """

    #: parameter names that weight decay applies to
    decayed = ("weight",)

    def __init__(self):
        self.params = {}
        self.grads = {}
        self.input_shape = None
        self.output_shape = None
        self.dtype = np.float32
        self.workspace = Workspace()
        self.needs_input_grad = True

    def build(self, input_shape, rng, dtype):
        """Create parameters for inputs of ``input_shape``; return the output shape."""
        self.input_shape = tuple(input_shape)
        self.dtype = np.dtype(dtype)
        self.workspace.reset(self.dtype)  # a rebuilt layer starts with arrays of its new shapes and dtype
        self.output_shape = tuple(self._build(self.input_shape, rng))
        for name, value in self.params.items():
            self.params[name] = np.ascontiguousarray(value, dtype=self.dtype)
            self.grads[name] = np.zeros_like(self.params[name])
        return self.output_shape

    def _build(self, input_shape, rng):
        """Fill ``self.params`` (any float dtype), declare workspace arrays; return the output shape."""
        return input_shape

    @abstractmethod
    def forward(self, x, train=False):
        """Map a batch ``x`` of shape ``(N, *input_shape)`` to ``(N, *output_shape)``."""

    @abstractmethod
    def backward(self, grad_output):
        """Given dL/dy ``(N, *output_shape)``, fill ``grads`` and return dL/dx (or None)."""

    @property
    def n_params(self):
        return sum(p.size for p in self.params.values())

    def describe(self):
        """Short description used in ``repr`` and model summaries."""
        return ""

    def __repr__(self):
        return f"{type(self).__name__}({self.describe()})"

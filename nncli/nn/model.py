"""Sequential: layers in a row, ending in an output layer paired with a loss."""

import numpy as np

from .layout import Layout
from .losses import LOSSES
from .workspace import Workspace


class Sequential:
    """A stack of layers trained with one loss.

    The last layer is the output layer (a ``Dense`` with the output activation);
    it keeps its logits so that log-losses are exact, and when its activation is
    the one paired with the loss the backward pass starts from
    ``(prediction - target) / N`` directly.  The first layer is told that no
    dL/dx is needed (``needs_input_grad``).

    All parameters live in one flat array ``flat_params`` and their gradients in
    ``flat_grads``, laid out by ``layout`` (key -> span, keys as in
    ``weights.npz``); every layer's ``params[name]`` and ``grads[name]`` are views
    of them.  An optimizer updates the flat arrays in one pass per operation.

    Parameters
    ----------
    layers : list of Layer
        Unbuilt layers, the output layer last.
    loss : str
        A key of ``LOSSES``.
    input_shape : tuple
        One sample's shape, e.g. ``(2,)`` or ``(1, 32, 32)``.
    rng : np.random.Generator
        Draws the initial weights.
    dtype : str or dtype
        ``float32`` (default) or ``float64``.
    """

    def __init__(self, layers, loss, input_shape, rng, dtype="float32"):
        self.layers = list(layers)
        self.loss = LOSSES[loss]
        self.input_shape = tuple(input_shape)
        self.dtype = np.dtype(dtype)
        shape = self.input_shape
        for index, layer in enumerate(self.layers):
            try:
                shape = layer.build(shape, rng, self.dtype)
            except ValueError as exc:
                which = "the output layer" if index == len(self.layers) - 1 else f"layer {index}"
                raise ValueError(f"{which} ({type(layer).__name__}): {exc}") from None
        self.output_shape = shape
        self.layers[0].needs_input_grad = False
        self.output_layer.keep_logits = True
        self._paired = self.loss.paired_activation == self.output_layer.activation.name
        self.workspace = Workspace(self.dtype)
        self.workspace.declare("delta", self.output_shape)
        self._lay_out_parameters()

    def _lay_out_parameters(self):
        """Move every parameter (and gradient) into the flat arrays, values unchanged.

        ``layout`` places them back to back in the order of ``parameters()``; each
        ``layer.params[name]`` becomes its view of ``flat_params``, likewise the
        gradients.  (That is why layers read their arrays through those dicts.)
        """
        entries = self.parameters()
        self.layout = Layout((key, layer.params[name].shape, name in layer.decayed) for key, layer, name in entries)
        self.flat_params = np.empty(self.layout.size, dtype=self.dtype)
        self.flat_grads = np.zeros(self.layout.size, dtype=self.dtype)
        for key, layer, name in entries:
            view = self.layout.view(self.flat_params, key)
            np.copyto(view, layer.params[name])
            layer.params[name] = view
            layer.grads[name] = self.layout.view(self.flat_grads, key)

    @property
    def output_layer(self):
        return self.layers[-1]

    def forward(self, x, train=False):
        """x: (N, *input_shape) -> predictions (N, K); a view of a reused buffer."""
        for layer in self.layers:
            x = layer.forward(x, train)
        return x

    def backward(self, target, row_weights=None):
        """Fill every layer's grads for the batch of the last ``forward``.

        Parameters
        ----------
        target : ndarray (N, K)
            0/1 indicators (classification) or values (regression).
        row_weights : ndarray (N,), optional
            Each row's weight in the loss (class weights): the gradient of
            ``loss.weighted_value``; None is the plain mean loss.
        """
        prediction = self.output_layer.output
        delta = self.workspace.rows(len(prediction), "delta")
        if self._paired:
            delta = self.loss.paired_delta(prediction, target, delta)
            if row_weights is not None:  # row i of dL/dz scales with its loss
                np.multiply(delta, row_weights[:, np.newaxis], out=delta)
            grad = self.output_layer.backward_from_logits(delta)
        else:
            delta = self.loss.gradient(prediction, target, delta)
            if row_weights is not None:
                np.multiply(delta, row_weights[:, np.newaxis], out=delta)
            grad = self.output_layer.backward(delta)
        for layer in reversed(self.layers[:-1]):
            grad = layer.backward(grad)

    def batch_loss(self, target, row_weights=None):
        """Mean loss of the batch of the last ``forward`` (rows weighted by ``row_weights`` (N,) if given)."""
        out = self.output_layer
        if row_weights is not None:
            return self.loss.weighted_value(out.output, target, out.logits, row_weights)
        return self.loss.value(out.output, target, out.logits)

    def predict(self, X, batch_size=4096):
        """Outputs for all rows of ``X``, computed in chunks: (N, K), a new array."""
        result = np.empty((len(X),) + self.output_shape, dtype=self.dtype)
        for start in range(0, len(X), batch_size):
            chunk = np.asarray(X[start : start + batch_size], dtype=self.dtype)
            result[start : start + len(chunk)] = self.forward(chunk)
        return result

    def evaluate(self, X, target, batch_size=4096):
        """(mean loss, outputs (N, K)) over all rows, in chunks."""
        outputs = np.empty((len(X),) + self.output_shape, dtype=self.dtype)
        total = 0.0
        for start in range(0, len(X), batch_size):
            stop = start + batch_size
            chunk = np.asarray(X[start:stop], dtype=self.dtype)
            outputs[start:stop] = self.forward(chunk)
            total += self.batch_loss(target[start:stop]) * len(chunk)
        return total / max(len(X), 1), outputs

    def parameters(self):
        """``[(key, layer, name)]`` for every parameter; keys as in ``weights.npz``.

        ``key`` is ``"<i>.<name>"``, ``i`` counting the layers that have parameters.
        """
        entries = []
        index = 0
        for layer in self.layers:
            if not layer.params:
                continue
            for name in layer.params:
                entries.append((f"{index}.{name}", layer, name))
            index += 1
        return entries

    def state_dict(self):
        """Parameter arrays by key (copies)."""
        return {key: layer.params[name].copy() for key, layer, name in self.parameters()}

    def load_state_dict(self, state):
        """Copy arrays into the parameters; raise ValueError on a mismatch."""
        expected = {key: layer.params[name] for key, layer, name in self.parameters()}
        missing = sorted(set(expected) - set(state))
        extra = sorted(set(state) - set(expected))
        if missing or extra:
            raise ValueError(f"weights do not fit this model (missing {missing}, unexpected {extra})")
        for key, target in expected.items():
            value = np.asarray(state[key])
            if value.shape != target.shape:
                raise ValueError(f"weight {key} has shape {value.shape}, the model needs {target.shape}")
            np.copyto(target, value, casting="same_kind")

    @property
    def n_params(self):
        return sum(layer.n_params for layer in self.layers)

    def __repr__(self):
        inner = ",\n".join(f"  {layer!r}" for layer in self.layers)
        return (
            f"Sequential(input={self.input_shape}, loss={self.loss.name}, "
            f"params={self.n_params}, dtype={self.dtype.name},\n{inner}\n)"
        )

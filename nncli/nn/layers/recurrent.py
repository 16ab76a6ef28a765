"""Recurrent layers over sequences ``(N, T, F)``: a plain RNN and an LSTM.

Both start from a zero state, loop over the T time steps (never over samples),
and are trained with backpropagation through time.  They return the last
hidden state ``(N, units)``, or with ``return_sequences`` every hidden state
``(N, T, units)``.  The input projection of all time steps is one matmul; so
are the weight gradients, thanks to a copy of the previous hidden states kept
in ``(N, T, units)`` layout.
"""

import math

import numpy as np

from ..activations import ACTIVATIONS
from .base import Layer


class _Recurrent(Layer):
    """What RNN and LSTM share: shapes, initialisation bounds, output and gradients.

    Subclasses set ``gates`` (rows of ``weight_ih`` per unit: 1 or 4).
    """

    decayed = ("weight_ih", "weight_hh")
    gates = 1

    def __init__(self, units, return_sequences=False):
        super().__init__()
        self.units = int(units)
        if self.units < 1:
            raise ValueError(f"units must be a positive integer, got {units!r}")
        self.return_sequences = bool(return_sequences)

    def _build(self, input_shape, rng):
        if len(input_shape) != 2:
            raise ValueError(f"{type(self).__name__} needs sequences of shape (steps, features), got "
                             f"{input_shape}; a reshape layer can make them, e.g. image rows as steps")
        steps, features = input_shape
        rows = self.gates * self.units
        # PyTorch's scheme: U(-1/sqrt(units), 1/sqrt(units)) for both weight matrices.
        bound = 1.0 / math.sqrt(self.units)
        self.params["weight_ih"] = rng.uniform(-bound, bound, (rows, features))
        self.params["weight_hh"] = rng.uniform(-bound, bound, (rows, self.units))
        self.params["bias"] = np.zeros(rows)
        sequence, state = (steps, self.units), (self.units,)
        for name, sample_shape in [("z", (steps, rows)), ("dz", (steps, rows)), ("dx", input_shape),
                                   ("last", state), ("dh", state), ("h", sequence), ("h_prev", sequence),
                                   ("recurrent", (rows,))]:
            self.workspace.declare(name, sample_shape)
        return (steps, self.units) if self.return_sequences else (self.units,)

    def _project_inputs(self, x):
        """Keep x (N, T, F) and return ``x W_ih^T + b`` for all steps: (N, T, gates*units)."""
        n, steps = len(x), self.input_shape[0]
        self._x = np.ascontiguousarray(x)
        z = self.workspace.rows(n, "z")
        np.matmul(self._x.reshape(n * steps, -1), self.params["weight_ih"].T, out=z.reshape(n * steps, -1))
        z += self.params["bias"]
        return z

    def _output(self, h):
        """All hidden states h (N, T, units) -> the layer's output."""
        if self.return_sequences:
            return h
        last = self.workspace.rows(len(h), "last")
        np.copyto(last, h[:, -1])
        return last

    def _grad_into_state(self, t, grad_output, dz, dh):
        """dL/dh_t into ``dh`` (N, units): from the output and from step t+1 (whose dL/dz is dz[:, t+1])."""
        steps = self.input_shape[0]
        if t == steps - 1:
            np.copyto(dh, grad_output[:, t] if self.return_sequences else grad_output)
            return dh
        np.matmul(dz[:, t + 1], self.params["weight_hh"], out=dh)
        if self.return_sequences:
            dh += grad_output[:, t]
        return dh

    def _finish_backward(self, dz):
        """Fill grads from dL/dz (N, T, gates*units); return dL/dx (N, T, F) or None."""
        n, steps = dz.shape[:2]
        flat_dz = dz.reshape(n * steps, -1)
        np.matmul(flat_dz.T, self._x.reshape(n * steps, -1), out=self.grads["weight_ih"])
        np.matmul(flat_dz.T, self._h_prev.reshape(n * steps, -1), out=self.grads["weight_hh"])
        np.sum(flat_dz, axis=0, out=self.grads["bias"])
        if not self.needs_input_grad:
            return None
        dx = self.workspace.rows(n, "dx")
        np.matmul(flat_dz, self.params["weight_ih"], out=dx.reshape(n * steps, -1))
        return dx

    def describe(self):
        return f"{self.units}, return_sequences={self.return_sequences}"


class RNN(_Recurrent):
    """Elman RNN: ``h_t = f(x_t W_ih^T + h_{t-1} W_hh^T + bias)``, ``h_0 = 0``.

    Parameters ``weight_ih`` (units, F), ``weight_hh`` (units, units) and one
    ``bias`` (units,) (PyTorch has two biases; their sum is equivalent).
    Weights start U(-1/sqrt(units), 1/sqrt(units)), the bias at zero.

    Parameters
    ----------
    units : int
        Size of the hidden state.
    activation : str
        A key of ``ACTIVATIONS`` (default tanh); its derivative is taken from the output.
    return_sequences : bool
        Return all hidden states (N, T, units) instead of the last (N, units).
    """

    def __init__(self, units, activation="tanh", return_sequences=False):
        super().__init__(units, return_sequences)
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; choose from {', '.join(ACTIVATIONS)}")
        self.activation = ACTIVATIONS[activation]

    def forward(self, x, train=False):
        """x: (N, T, F) -> (N, units), or (N, T, units) with return_sequences."""
        n, steps = len(x), self.input_shape[0]
        z = self._project_inputs(x)
        h, h_prev, recurrent = self.workspace.rows(n, ("h", "h_prev", "recurrent"))
        self._h_prev = h_prev
        h_prev[:, 0] = 0
        for t in range(steps):
            if t == 0:
                np.copyto(h[:, 0], z[:, 0])
            else:
                np.matmul(h_prev[:, t], self.params["weight_hh"].T, out=recurrent)
                np.add(z[:, t], recurrent, out=h[:, t])
            self.activation.forward(h[:, t], h[:, t])
            if t + 1 < steps:
                h_prev[:, t + 1] = h[:, t]
        self._h = h
        return self._output(h)

    def backward(self, grad_output):
        """grad_output: dL/dy, (N, units) or (N, T, units) -> dL/dx (N, T, F) or None."""
        n, steps = len(grad_output), self.input_shape[0]
        dz, dh = self.workspace.rows(n, ("dz", "dh"))
        for t in reversed(range(steps)):
            self._grad_into_state(t, grad_output, dz, dh)
            np.copyto(dz[:, t], self.activation.backward(self._h[:, t], dh))
        return self._finish_backward(dz)

    def describe(self):
        return f"{super().describe()}, activation={self.activation.name}"


class LSTM(_Recurrent):
    """Long short-term memory, gates in PyTorch's order (input, forget, cell, output).

    With ``[i, f, g, o] = x_t W_ih^T + h_{t-1} W_hh^T + bias`` split in four
    blocks of ``units`` (i, f, o through a sigmoid, g through tanh):
    ``c_t = f * c_{t-1} + i * g`` and ``h_t = o * tanh(c_t)``; ``h_0 = c_0 = 0``.

    Parameters ``weight_ih`` (4*units, F), ``weight_hh`` (4*units, units) and a
    single ``bias`` (4*units,) (PyTorch's two biases summed).  Weights start
    U(-1/sqrt(units), 1/sqrt(units)); the bias starts at zero except the forget
    gate's block, which starts at 1 so that the cell remembers early in training.

    Parameters
    ----------
    units : int
        Size of the hidden and cell states.
    return_sequences : bool
        Return all hidden states (N, T, units) instead of the last (N, units).
    """

    gates = 4

    def _build(self, input_shape, rng):
        shape = super()._build(input_shape, rng)
        self.params["bias"][self.units : 2 * self.units] = 1.0
        sequence = (input_shape[0], self.units)
        for name in ("c", "tanh_c"):
            self.workspace.declare(name, sequence)
        for name in ("forget", "dc", "through_h"):
            self.workspace.declare(name, (self.units,))
        return shape

    def _split(self, array):
        """The four gate blocks (i, f, g, o) of the last axis."""
        u = self.units
        return array[..., :u], array[..., u : 2 * u], array[..., 2 * u : 3 * u], array[..., 3 * u :]

    def forward(self, x, train=False):
        """x: (N, T, F) -> (N, units), or (N, T, units) with return_sequences."""
        n, steps, u = len(x), self.input_shape[0], self.units
        sigmoid, tanh = ACTIVATIONS["sigmoid"], ACTIVATIONS["tanh"]
        gates = self._project_inputs(x)  # becomes the gate activations, step by step
        c, tanh_c, h, h_prev, recurrent, forget = self.workspace.rows(
            n, ("c", "tanh_c", "h", "h_prev", "recurrent", "forget"))
        self._c, self._tanh_c, self._h, self._h_prev = c, tanh_c, h, h_prev
        h_prev[:, 0] = 0
        for t in range(steps):
            step = gates[:, t]
            if t > 0:
                np.matmul(h_prev[:, t], self.params["weight_hh"].T, out=recurrent)
                step += recurrent
            sigmoid.forward(step[:, : 2 * u], step[:, : 2 * u])
            tanh.forward(step[:, 2 * u : 3 * u], step[:, 2 * u : 3 * u])
            sigmoid.forward(step[:, 3 * u :], step[:, 3 * u :])
            i, f, g, o = self._split(step)
            np.multiply(i, g, out=c[:, t])
            if t > 0:
                np.multiply(f, c[:, t - 1], out=forget)
                c[:, t] += forget
            np.tanh(c[:, t], out=tanh_c[:, t])
            np.multiply(o, tanh_c[:, t], out=h[:, t])
            if t + 1 < steps:
                h_prev[:, t + 1] = h[:, t]
        self._gates = gates
        return self._output(h)

    def backward(self, grad_output):
        """grad_output: dL/dy, (N, units) or (N, T, units) -> dL/dx (N, T, F) or None."""
        n, steps = len(grad_output), self.input_shape[0]
        sigmoid, tanh = ACTIVATIONS["sigmoid"], ACTIVATIONS["tanh"]
        # dc: dL/dc_t, carried backwards through the forget gates
        dz, dh, dc, through_h = self.workspace.rows(n, ("dz", "dh", "dc", "through_h"))
        for t in reversed(range(steps)):
            self._grad_into_state(t, grad_output, dz, dh)
            i, f, g, o = self._split(self._gates[:, t])
            di, df, dg, do = self._split(dz[:, t])
            tanh_c = self._tanh_c[:, t]
            np.multiply(dh, tanh_c, out=do)
            sigmoid.backward(o, do)
            np.multiply(dh, o, out=through_h)
            tanh.backward(tanh_c, through_h)
            if t == steps - 1:
                np.copyto(dc, through_h)
            else:
                dc += through_h
            np.multiply(dc, g, out=di)
            sigmoid.backward(i, di)
            np.multiply(dc, i, out=dg)
            tanh.backward(g, dg)
            if t > 0:
                np.multiply(dc, self._c[:, t - 1], out=df)
                sigmoid.backward(f, df)
                dc *= f
            else:
                df.fill(0)
        return self._finish_backward(dz)

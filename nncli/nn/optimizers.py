"""Optimizers: apply gradients that ``backward`` computed, in place.

``OPTIMIZERS`` maps the config names (``training.optimizer``) to classes.  An
optimizer is handed a model's flat parameter array, its flat gradient array and
their ``Layout`` (which span belongs to which key, and which are decayed); its
state (velocities, moments) is flat arrays of the same layout, allocated once.
``step(lr)`` updates all parameters in place with one array operation per step
of the rule, whatever the number of layers, and no temporaries beyond one
scratch array.

Weight decay is L2 regularisation added to the gradient of the parameters the
layout marks as decayed (weights, not biases): ``g <- g + weight_decay * p``.
"""

import math

import numpy as np

from .scalars import scalar


class Optimizer:
    """Base class: holds the flat arrays, applies weight decay, keeps the state arrays.

    Subclasses define ``update(lr)``, which updates ``self.params`` in place from
    ``self.grads``, using ``self.scratch`` and state arrays from ``slot()``.

    Parameters
    ----------
    params, grads : ndarray (P,)
        A model's ``flat_params`` and ``flat_grads`` (C-contiguous, one dtype).
    layout : Layout
        The model's ``layout`` over them (``layout.size == P``).
    weight_decay : float
    """

    name = ""
    #: names of the state arrays the optimizer keeps per parameter
    slots = ()
    #: the ``training`` config keys this optimizer takes (its constructor's keywords);
    #: the one list the schema checks a config against
    settings = ("weight_decay",)

    def __init__(self, params, grads, layout, weight_decay=0.0):
        for array in (params, grads):
            if array.shape != (layout.size,) or not array.flags.c_contiguous or array.dtype != params.dtype:
                raise ValueError(f"an optimizer needs flat C-contiguous arrays of {layout.size} values of one "
                                 f"dtype; got shapes {params.shape}, {grads.shape}")
        self.params, self.grads, self.layout = params, grads, layout
        self.weight_decay = float(weight_decay)
        self.steps = 0
        self.scratch = np.empty_like(params)
        self._state = {}  # slot name -> flat array like params
        # per parameter key: {slot: view of the slot's flat array}, for checkpoints
        self.state = {key: {} for key in layout}
        self._decayed = [(params[start:stop], grads[start:stop], self.scratch[start:stop])
                         for start, stop in layout.decayed_runs()]

    def slot(self, name):
        """State array ``name`` (flat, like ``params``), zeros on first use."""
        array = self._state.get(name)
        if array is None:
            array = self._state[name] = np.zeros_like(self.params)
            for key, view in self.layout.views(array).items():
                self.state[key][name] = view
        return array

    def step(self, lr):
        """Update every parameter in place with learning rate ``lr``."""
        self.steps += 1
        if self.weight_decay:
            for param, grad, scratch in self._decayed:
                np.multiply(param, self.weight_decay, out=scratch)
                grad += scratch
        self.update(lr)

    def update(self, lr):
        """Update the flat parameters in place."""
        raise TypeError(f"{type(self).__name__} does not define update")

    def state_arrays(self):
        """Flat ``{"<key>.<slot>": array}`` of the optimizer state, for checkpoints."""
        return {f"{key}.{slot}": array for key, slots in self.state.items() for slot, array in slots.items()}

    def load_state_arrays(self, arrays):
        """Copy what ``state_arrays()`` returned back in; ValueError if it does not fit.

        The state arrays are views of the flat slot arrays: restore them through
        this method (which copies), never by rebinding ``state[key][slot]``.
        """
        for name, value in arrays.items():
            key, _, slot = name.rpartition(".")
            if key not in self.layout:
                raise ValueError(f"optimizer state for unknown parameter {key}")
            if slot not in self.slots:
                raise ValueError(f"optimizer state {slot} is not one of {self.name}'s ({', '.join(self.slots)})")
            self.slot(slot)
            target = self.state[key][slot]
            if np.shape(value) != target.shape:
                raise ValueError(f"optimizer state {name} has shape {np.shape(value)}, expected {target.shape}")
            np.copyto(target, value)

    def __repr__(self):
        return f"{type(self).__name__}(weight_decay={self.weight_decay})"


class SGD(Optimizer):
    """``p <- p - lr * g``."""

    name = "sgd"

    def update(self, lr):
        np.multiply(self.grads, scalar(lr, self.grads.dtype), out=self.scratch)
        self.params -= self.scratch


class Momentum(Optimizer):
    """Heavy ball, as PyTorch: ``v <- mu v + g``; ``p <- p - lr v``."""

    name = "momentum"
    slots = ("velocity",)
    settings = ("momentum", "weight_decay")

    def __init__(self, params, grads, layout, momentum=0.9, weight_decay=0.0):
        super().__init__(params, grads, layout, weight_decay)
        self.momentum = float(momentum)

    def update(self, lr):
        velocity, scratch = self.slot("velocity"), self.scratch
        velocity *= self.momentum
        velocity += self.grads
        np.multiply(velocity, lr, out=scratch)
        self.params -= scratch


class Nesterov(Momentum):
    """Nesterov momentum, as PyTorch: ``v <- mu v + g``; ``p <- p - lr (g + mu v)``."""

    name = "nesterov"

    def update(self, lr):
        velocity, scratch = self.slot("velocity"), self.scratch
        velocity *= self.momentum
        velocity += self.grads
        np.multiply(velocity, self.momentum, out=scratch)
        scratch += self.grads
        scratch *= lr
        self.params -= scratch


class RMSProp(Optimizer):
    """``s <- rho s + (1 - rho) g^2``; ``p <- p - lr g / (sqrt(s) + eps)``."""

    name = "rmsprop"
    slots = ("square",)
    settings = ("rho", "eps", "weight_decay")

    def __init__(self, params, grads, layout, rho=0.9, eps=1e-8, weight_decay=0.0):
        super().__init__(params, grads, layout, weight_decay)
        self.rho = float(rho)
        self.eps = float(eps)

    def update(self, lr):
        grad, square, scratch = self.grads, self.slot("square"), self.scratch
        square *= self.rho
        np.multiply(grad, grad, out=scratch)
        scratch *= 1.0 - self.rho
        square += scratch
        np.sqrt(square, out=scratch)
        scratch += self.eps
        np.divide(grad, scratch, out=scratch)
        scratch *= lr
        self.params -= scratch


class Adam(Optimizer):
    """Adam (Kingma & Ba), with bias correction:

    ``m <- b1 m + (1 - b1) g``; ``v <- b2 v + (1 - b2) g^2``;
    ``p <- p - lr * m_hat / (sqrt(v_hat) + eps)`` with ``m_hat = m / (1 - b1^t)``,
    ``v_hat = v / (1 - b2^t)``.

    To save passes over the parameters, the state slots ``m_scaled`` and
    ``v_scaled`` keep ``m / (1 - b1)`` and ``v / (1 - b2)`` (each then updates in
    place as ``s <- b s + x``), and the constant factors are folded into two
    scalars: ten array operations per step instead of thirteen; the same update
    up to rounding.
    """

    name = "adam"
    slots = ("m_scaled", "v_scaled")
    settings = ("beta1", "beta2", "eps", "weight_decay")

    def __init__(self, params, grads, layout, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
        super().__init__(params, grads, layout, weight_decay)
        self.beta1 = float(beta1)
        self.beta2 = float(beta2)
        self.eps = float(eps)

    def update(self, lr):
        grad, scratch = self.grads, self.scratch
        m, v = self.slot("m_scaled"), self.slot("v_scaled")  # m / (1 - b1), v / (1 - b2)
        t = self.steps
        np.multiply(m, scalar(self.beta1, m.dtype), out=m)
        m += grad
        np.multiply(v, scalar(self.beta2, v.dtype), out=v)
        v += np.multiply(grad, grad, out=scratch)
        # m_hat = a m, sqrt(v_hat) = c sqrt(v) for the scaled slots, so the step is
        # lr a m / (c sqrt(v) + eps) = (lr a / c) m / (sqrt(v) + eps / c)
        a = (1.0 - self.beta1) / (1.0 - self.beta1**t)
        # (Python floats, not NumPy scalars: a float64 scalar would make float32 arithmetic float64)
        c = math.sqrt((1.0 - self.beta2) / (1.0 - self.beta2**t))
        np.sqrt(v, out=scratch)
        scratch += self.eps / c
        np.divide(m, scratch, out=scratch)
        scratch *= lr * a / c
        self.params -= scratch


OPTIMIZERS = {cls.name: cls for cls in (SGD, Momentum, Nesterov, RMSProp, Adam)}


def make_optimizer(name, model, training):
    """Build optimizer ``name`` over ``model``'s flat arrays, with the settings of a training config that it takes."""
    optimizer = OPTIMIZERS[name]
    settings = {key: getattr(training, key) for key in optimizer.settings}
    return optimizer(model.flat_params, model.flat_grads, model.layout, **settings)

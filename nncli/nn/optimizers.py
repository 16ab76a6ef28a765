"""Optimizers: apply gradients that ``backward`` computed, in place.

``OPTIMIZERS`` maps the config names (``training.optimizer``) to classes.  Each
optimizer is built over the model's ``parameters()`` and keeps its state arrays
(velocities, moments) allocated once; ``step(lr)`` updates every parameter in
place without temporaries beyond one scratch buffer.

Parameters that lie back to back in one buffer (``Sequential`` packs the
parameters of its layers so, and their gradients likewise) are updated together,
as one flat array: a step then costs a handful of array operations whatever the
number of layers.  The arithmetic is the same, element by element.

Weight decay is L2 regularisation added to the gradient of the parameters a
layer marks as ``decayed`` (weights, not biases): ``g <- g + weight_decay * p``.
"""

import math

import numpy as np

from .scalars import scalar


def _address(array):
    return array.__array_interface__["data"][0]


def _owner(array):
    """The array that owns ``array``'s memory."""
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array


class Group:
    """Parameters updated as one array: ``param`` and ``grad`` are flat views
    spanning the members, which are ``[(key, start, stop, shape)]``; ``slots``
    holds the optimizer's state arrays for the whole group."""

    def __init__(self, key, param, grad):
        if not (param.flags.c_contiguous and grad.flags.c_contiguous):
            raise ValueError(f"parameter {key} and its gradient must be C-contiguous arrays")
        self.members = [(key, 0, param.size, param.shape)]
        self.param, self.grad = param.reshape(-1), grad.reshape(-1)
        self.slots = {}

    def views(self, flat):
        """``{key: view}`` of a flat array shaped like ``param``, one per member."""
        return {key: flat[start:stop].reshape(shape) for key, start, stop, shape in self.members}

    def adjoins(self, param, grad):
        """Whether ``param`` and ``grad`` continue this group's buffers right where they end."""
        return _continues(self.param, param) and _continues(self.grad, grad)

    def extend(self, key, param, grad):
        start = self.members[-1][2]
        self.members.append((key, start, start + param.size, param.shape))
        self.param = _span(self.param, start + param.size)
        self.grad = _span(self.grad, start + param.size)


def _continues(old, new):
    """``new`` starts where ``old`` ends, in the same contiguous owner buffer."""
    owner = _owner(old)
    return (new.flags.c_contiguous and old.flags.c_contiguous and owner.flags.c_contiguous
            and new.dtype == old.dtype and _owner(new) is owner
            and _address(new) == _address(old) + old.nbytes)


def _span(first, size):
    """A flat view of ``size`` elements of ``first``'s owner, starting where ``first`` starts."""
    owner = _owner(first).reshape(-1)
    offset = (_address(first) - _address(owner)) // owner.itemsize
    return owner[offset : offset + size]


def group_parameters(entries):
    """Split ``[(key, param, grad, decayed)]`` into Groups of adjoining arrays, in order."""
    groups = []
    for key, param, grad, _ in entries:
        if groups and groups[-1].adjoins(param, grad):
            groups[-1].extend(key, param, grad)
        else:
            groups.append(Group(key, param, grad))
    return groups


class Optimizer:
    """Base class: holds ``[(key, param, grad, decayed)]``, groups them, applies weight decay.

    Subclasses define ``update(group, lr)``, which updates ``group.param`` in place
    from ``group.grad``, using ``group.scratch`` and state arrays from ``slot()``.
    """

    name = ""
    #: names of the state arrays the optimizer keeps per parameter
    slots = ()
    #: the ``training`` config keys this optimizer takes (its constructor's keywords);
    #: the one list the schema checks a config against
    settings = ("weight_decay",)

    def __init__(self, parameters, weight_decay=0.0):
        self.entries = [
            (key, layer.params[name], layer.grads[name], name in layer.decayed)
            for key, layer, name in parameters
        ]
        self.weight_decay = float(weight_decay)
        self.steps = 0
        self.groups = group_parameters(self.entries)
        for group in self.groups:
            group.scratch = np.empty_like(group.param)
        # per parameter key: {slot: view of the group's state array}, for checkpoints
        self.state = {key: {} for key, *_ in self.entries}
        scratch = {key: view for group in self.groups for key, view in group.views(group.scratch).items()}
        self._decayed = [(param, grad, scratch[key]) for key, param, grad, decayed in self.entries if decayed]

    def slot(self, group, name):
        """State array ``name`` of ``group`` (shaped like ``group.param``), zeros on first use."""
        array = group.slots.get(name)
        if array is None:
            array = group.slots[name] = np.zeros_like(group.param)
            for key, view in group.views(array).items():
                self.state[key][name] = view
        return array

    def step(self, lr):
        """Update every parameter in place with learning rate ``lr``."""
        self.steps += 1
        if self.weight_decay:
            for param, grad, scratch in self._decayed:
                np.multiply(param, self.weight_decay, out=scratch)
                grad += scratch
        for group in self.groups:
            self.update(group, lr)

    def update(self, group, lr):
        """Update one group of parameters in place."""
        raise TypeError(f"{type(self).__name__} does not define update")

    def state_arrays(self):
        """Flat ``{"<key>.<slot>": array}`` of the optimizer state, for checkpoints."""
        return {f"{key}.{slot}": array for key, slots in self.state.items() for slot, array in slots.items()}

    def load_state_arrays(self, arrays):
        """Copy what ``state_arrays()`` returned back in; ValueError if it does not fit.

        The state arrays are views of per-group buffers: restore them through
        this method (which copies), never by rebinding ``state[key][slot]``.
        """
        groups = {key: group for group in self.groups for key, *_ in group.members}
        for name, value in arrays.items():
            key, _, slot = name.rpartition(".")
            if key not in groups:
                raise ValueError(f"optimizer state for unknown parameter {key}")
            if slot not in self.slots:
                raise ValueError(f"optimizer state {slot} is not one of {self.name}'s ({', '.join(self.slots)})")
            self.slot(groups[key], slot)
            target = self.state[key][slot]
            if np.shape(value) != target.shape:
                raise ValueError(f"optimizer state {name} has shape {np.shape(value)}, expected {target.shape}")
            np.copyto(target, value)

    def __repr__(self):
        return f"{type(self).__name__}(weight_decay={self.weight_decay})"


class SGD(Optimizer):
    """``p <- p - lr * g``."""

    name = "sgd"

    def update(self, group, lr):
        np.multiply(group.grad, scalar(lr, group.grad.dtype), out=group.scratch)
        group.param -= group.scratch


class Momentum(Optimizer):
    """Heavy ball, as PyTorch: ``v <- mu v + g``; ``p <- p - lr v``."""

    name = "momentum"
    slots = ("velocity",)
    settings = ("momentum", "weight_decay")

    def __init__(self, parameters, momentum=0.9, weight_decay=0.0):
        super().__init__(parameters, weight_decay)
        self.momentum = float(momentum)

    def update(self, group, lr):
        velocity, scratch = self.slot(group, "velocity"), group.scratch
        velocity *= self.momentum
        velocity += group.grad
        np.multiply(velocity, lr, out=scratch)
        group.param -= scratch


class Nesterov(Momentum):
    """Nesterov momentum, as PyTorch: ``v <- mu v + g``; ``p <- p - lr (g + mu v)``."""

    name = "nesterov"

    def update(self, group, lr):
        velocity, scratch = self.slot(group, "velocity"), group.scratch
        velocity *= self.momentum
        velocity += group.grad
        np.multiply(velocity, self.momentum, out=scratch)
        scratch += group.grad
        scratch *= lr
        group.param -= scratch


class RMSProp(Optimizer):
    """``s <- rho s + (1 - rho) g^2``; ``p <- p - lr g / (sqrt(s) + eps)``."""

    name = "rmsprop"
    slots = ("square",)
    settings = ("rho", "eps", "weight_decay")

    def __init__(self, parameters, rho=0.9, eps=1e-8, weight_decay=0.0):
        super().__init__(parameters, weight_decay)
        self.rho = float(rho)
        self.eps = float(eps)

    def update(self, group, lr):
        grad, square, scratch = group.grad, self.slot(group, "square"), group.scratch
        square *= self.rho
        np.multiply(grad, grad, out=scratch)
        scratch *= 1.0 - self.rho
        square += scratch
        np.sqrt(square, out=scratch)
        scratch += self.eps
        np.divide(grad, scratch, out=scratch)
        scratch *= lr
        group.param -= scratch


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

    def __init__(self, parameters, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
        super().__init__(parameters, weight_decay)
        self.beta1 = float(beta1)
        self.beta2 = float(beta2)
        self.eps = float(eps)

    def update(self, group, lr):
        grad, scratch = group.grad, group.scratch
        m, v = self.slot(group, "m_scaled"), self.slot(group, "v_scaled")  # m / (1 - b1), v / (1 - b2)
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
        group.param -= scratch


OPTIMIZERS = {cls.name: cls for cls in (SGD, Momentum, Nesterov, RMSProp, Adam)}


def make_optimizer(name, parameters, training):
    """Build optimizer ``name`` with the settings of a training config that it takes."""
    optimizer = OPTIMIZERS[name]
    return optimizer(parameters, **{key: getattr(training, key) for key in optimizer.settings})

"""Optimizers: apply gradients that ``backward`` computed, in place.

``OPTIMIZERS`` maps the config names (``training.optimizer``) to classes.  Each
optimizer is built over the model's ``parameters()`` and keeps its state arrays
(velocities, moments) allocated once; ``step(lr)`` updates every parameter in
place without temporaries beyond one scratch buffer per parameter.

Weight decay is L2 regularisation added to the gradient of the parameters a
layer marks as ``decayed`` (weights, not biases): ``g <- g + weight_decay * p``.
"""

import numpy as np


class Optimizer:
    """Base class: holds ``[(key, param, grad)]`` and applies weight decay."""

    name = ""

    def __init__(self, parameters, weight_decay=0.0):
        self.entries = [
            (key, layer.params[name], layer.grads[name], name in layer.decayed)
            for key, layer, name in parameters
        ]
        self.weight_decay = float(weight_decay)
        self.steps = 0
        self.state = {key: {} for key, *_ in self.entries}

    def _slot(self, key, slot, like):
        """State array ``slot`` of parameter ``key``, zeros on first use."""
        buffers = self.state[key]
        if slot not in buffers:
            buffers[slot] = np.zeros_like(like)
        return buffers[slot]

    def step(self, lr):
        """Update every parameter in place with learning rate ``lr``."""
        self.steps += 1
        for key, param, grad, decayed in self.entries:
            if decayed and self.weight_decay:
                grad += self.weight_decay * param
            self.update(key, param, grad, lr)

    def update(self, key, param, grad, lr):
        """Update one parameter array in place."""
        raise TypeError(f"{type(self).__name__} does not define update")

    def state_arrays(self):
        """Flat ``{"<key>.<slot>": array}`` of the optimizer state, for checkpoints."""
        return {f"{key}.{slot}": array for key, slots in self.state.items() for slot, array in slots.items()}

    def __repr__(self):
        return f"{type(self).__name__}(weight_decay={self.weight_decay})"


class SGD(Optimizer):
    """``p <- p - lr * g``."""

    name = "sgd"

    def update(self, key, param, grad, lr):
        scratch = self._slot(key, "scratch", param)
        np.multiply(grad, lr, out=scratch)
        param -= scratch


class Momentum(Optimizer):
    """Heavy ball, as PyTorch: ``v <- mu v + g``; ``p <- p - lr v``."""

    name = "momentum"

    def __init__(self, parameters, momentum=0.9, weight_decay=0.0):
        super().__init__(parameters, weight_decay)
        self.momentum = float(momentum)

    def update(self, key, param, grad, lr):
        velocity = self._slot(key, "velocity", param)
        velocity *= self.momentum
        velocity += grad
        scratch = self._slot(key, "scratch", param)
        np.multiply(velocity, lr, out=scratch)
        param -= scratch


class Nesterov(Momentum):
    """Nesterov momentum, as PyTorch: ``v <- mu v + g``; ``p <- p - lr (g + mu v)``."""

    name = "nesterov"

    def update(self, key, param, grad, lr):
        velocity = self._slot(key, "velocity", param)
        velocity *= self.momentum
        velocity += grad
        scratch = self._slot(key, "scratch", param)
        np.multiply(velocity, self.momentum, out=scratch)
        scratch += grad
        scratch *= lr
        param -= scratch


class RMSProp(Optimizer):
    """``s <- rho s + (1 - rho) g^2``; ``p <- p - lr g / (sqrt(s) + eps)``."""

    name = "rmsprop"

    def __init__(self, parameters, rho=0.9, eps=1e-8, weight_decay=0.0):
        super().__init__(parameters, weight_decay)
        self.rho = float(rho)
        self.eps = float(eps)

    def update(self, key, param, grad, lr):
        square = self._slot(key, "square", param)
        scratch = self._slot(key, "scratch", param)
        square *= self.rho
        np.multiply(grad, grad, out=scratch)
        scratch *= 1.0 - self.rho
        square += scratch
        np.sqrt(square, out=scratch)
        scratch += self.eps
        np.divide(grad, scratch, out=scratch)
        scratch *= lr
        param -= scratch


class Adam(Optimizer):
    """Adam (Kingma & Ba), with bias correction:

    ``m <- b1 m + (1 - b1) g``; ``v <- b2 v + (1 - b2) g^2``;
    ``p <- p - lr * m_hat / (sqrt(v_hat) + eps)`` with ``m_hat = m / (1 - b1^t)``,
    ``v_hat = v / (1 - b2^t)``.
    """

    name = "adam"

    def __init__(self, parameters, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
        super().__init__(parameters, weight_decay)
        self.beta1 = float(beta1)
        self.beta2 = float(beta2)
        self.eps = float(eps)

    def update(self, key, param, grad, lr):
        m = self._slot(key, "m", param)
        v = self._slot(key, "v", param)
        scratch = self._slot(key, "scratch", param)
        t = self.steps
        # m += (1 - b1) (g - m) is the same moving average without a second temporary
        np.subtract(grad, m, out=scratch)
        scratch *= 1.0 - self.beta1
        m += scratch
        np.multiply(grad, grad, out=scratch)
        scratch -= v
        scratch *= 1.0 - self.beta2
        v += scratch
        # sqrt(v_hat) + eps = sqrt(v) / sqrt(1 - b2^t) + eps; m_hat = m / (1 - b1^t)
        np.sqrt(v, out=scratch)
        scratch *= 1.0 / np.sqrt(1.0 - self.beta2**t)
        scratch += self.eps
        np.divide(m, scratch, out=scratch)
        scratch *= lr / (1.0 - self.beta1**t)
        param -= scratch


OPTIMIZERS = {cls.name: cls for cls in (SGD, Momentum, Nesterov, RMSProp, Adam)}


def make_optimizer(name, parameters, training):
    """Build optimizer ``name`` with the options of a training config that apply to it."""
    options = {"weight_decay": training.weight_decay}
    if name in ("momentum", "nesterov"):
        options["momentum"] = training.momentum
    elif name == "rmsprop":
        options.update(rho=training.rho, eps=training.eps)
    elif name == "adam":
        options.update(beta1=training.beta1, beta2=training.beta2, eps=training.eps)
    return OPTIMIZERS[name](parameters, **options)

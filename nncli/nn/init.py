"""Weight initialisers; each draws from an ``np.random.Generator`` for reproducibility.

``INITIALIZERS`` maps the config names (``model.init``) to functions
``init(rng, shape, fan_in, fan_out) -> ndarray (float64)``.
"""

import numpy as np


def normal(rng, shape, fan_in, fan_out):
    """The classic N(0, 1) of the from-scratch write-ups (fine for small sigmoid nets)."""
    return rng.standard_normal(shape)


def glorot(rng, shape, fan_in, fan_out):
    """Glorot/Xavier uniform: U(-a, a) with a = sqrt(6 / (fan_in + fan_out))."""
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape)


def he(rng, shape, fan_in, fan_out):
    """He/Kaiming normal: N(0, 2 / fan_in), suited to ReLU layers."""
    return rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)


INITIALIZERS = {"normal": normal, "glorot": glorot, "he": he}

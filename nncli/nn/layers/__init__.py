"""Layer types by their config name (``model.layers[].type``)."""

from .base import Layer
from .dense import Dense

LAYERS = {"dense": Dense}

__all__ = ["LAYERS", "Layer", "Dense"]

"""Layer types by their config name (``model.layers[].type``).

Each constructor's keyword names are the config keys of that layer type;
``residual`` takes a list of already-constructed layers.
"""

from .base import Layer
from .conv import Conv2D
from .dense import Dense
from .pointwise import ActivationLayer, Dropout, Reshape, Scale, Shift
from .pool import AvgPool2D, Flatten, MaxPool2D
from .recurrent import LSTM, RNN
from .residual import Residual

LAYERS = {
    "dense": Dense,
    "conv2d": Conv2D,
    "maxpool2d": MaxPool2D,
    "avgpool2d": AvgPool2D,
    "flatten": Flatten,
    "reshape": Reshape,
    "activation": ActivationLayer,
    "dropout": Dropout,
    "scale": Scale,
    "shift": Shift,
    "residual": Residual,
    "rnn": RNN,
    "lstm": LSTM,
}

__all__ = ["LAYERS", "Layer", "Dense", "Conv2D", "MaxPool2D", "AvgPool2D", "Flatten", "Reshape",
           "ActivationLayer", "Dropout", "Scale", "Shift", "Residual", "RNN", "LSTM"]

"""From the ``model`` and ``training`` config sections to a Sequential network.

The output layer is chosen from the task: one sigmoid unit for two classes,
softmax over K classes, linear units for regression.  ``model.output`` and
``training.loss`` may change it within the pairs that make sense.
"""

from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError
from .layers import LAYERS, Dense
from .losses import LOSS_OUTPUTS
from .model import Sequential


@dataclass(frozen=True)
class Head:
    """The output layer and loss a task needs: activation, units, loss name."""

    activation: str
    units: int
    loss: str


def resolve_head(model_config, loss, task, n_classes, n_targets):
    """Pick the output activation, its width and the loss; refuse unsound pairs."""
    output = model_config.output
    if task == "regression":
        if loss not in ("auto", "mse"):
            raise ConfigError(f"training.loss {loss} needs a classification dataset; regression uses mse")
        output = "linear" if output == "auto" else output
        if output == "softmax":
            raise ConfigError("model.output softmax is for classification; use linear or sigmoid for regression")
        return Head(output, n_targets, "mse")
    if output == "auto":
        output = {"cross_entropy": "softmax", "bce": "sigmoid"}.get(loss, "sigmoid" if n_classes == 2 else "softmax")
    if output == "linear":
        raise ConfigError("model.output linear cannot give class probabilities; use sigmoid or softmax")
    if loss == "auto":
        loss = "cross_entropy" if output == "softmax" else "bce"
    if output not in LOSS_OUTPUTS[loss]:
        allowed = " or ".join(LOSS_OUTPUTS[loss])
        raise ConfigError(f"training.loss {loss} needs model.output {allowed} (got {output})")
    units = 1 if (n_classes == 2 and output == "sigmoid") else n_classes
    return Head(output, units, loss)


def build_layers(model_config):
    """The hidden layers of the config (short or long form), unbuilt."""
    if model_config.layers is None:
        return [Dense(units, model_config.activation, model_config.init) for units in model_config.hidden]
    return [_layer(spec, model_config) for spec in model_config.layers]


def _layer(spec, model_config):
    """One layer from its spec; unset activation and init come from the model section."""
    options = spec.model_dump(exclude={"type"})
    if spec.type == "residual":
        options["layers"] = [_layer(inner, model_config) for inner in spec.layers]
    if options.get("activation", "") is None:
        options["activation"] = model_config.activation
    if options.get("init", "") is None:
        options["init"] = model_config.init
    return LAYERS[spec.type](**options)


def build_model(config, input_shape, task, n_classes, n_targets, seed):
    """Build (and initialise from ``seed``) the network a config describes.

    Returns
    -------
    (Sequential, Head)
    """
    head = resolve_head(config.model, config.training.loss, task, n_classes, n_targets)
    rng = np.random.default_rng(seed)
    try:
        layers = build_layers(config.model)
        layers.append(Dense(head.units, head.activation, config.model.init))
        return Sequential(layers, head.loss, input_shape, rng, config.training.dtype), head
    except ValueError as exc:
        raise ConfigError(f"model does not fit the data's input shape {tuple(input_shape)}: {exc}") from None


def target_matrix(y, head, n_classes, dtype):
    """What the output layer is trained towards: (N, units) in ``dtype``.

    Class indices become one 0/1 column for a single sigmoid unit, one-hot rows
    otherwise; regression targets become columns.
    """
    y = np.asarray(y)
    if n_classes:
        if head.units == 1:
            return (y == 1).astype(dtype).reshape(-1, 1)
        return np.eye(n_classes, dtype=dtype)[y]
    return y.astype(dtype).reshape(len(y), -1)

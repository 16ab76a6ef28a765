"""What ``nncli config`` prints: a config resolved, or the JSON Schema of config files."""

import json

from ..data.registry import DATASETS
from .loading import load_config
from .resolved import resolved_yaml
from .schema import SCHEDULE_SPECS, Config

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
#: pydantic writes these for constraints inside a union; JSON Schema's names for them
BOUND_KEYWORDS = {"ge": "minimum", "le": "maximum", "gt": "exclusiveMinimum", "lt": "exclusiveMaximum"}


#: what an editor shows on hover, per section (``$defs`` name, or None for the top level) and key
DESCRIPTIONS = {
    None: {
        "name": "Names the run directory (default: the config file's stem).",
        "seed": "Drives initial weights, shuffling and dropout (and the data, unless data.seed is set).",
        "data": "The dataset and how it is split and scaled.",
        "model": "The network: hidden/activation (short form) or layers (long form).",
        "training": "Epochs, batch size, loss, optimizer, schedule, stopping, checkpoints, class weights.",
        "output": "What a run writes besides its files: the pictures.",
    },
    "DataConfig": {
        "dataset": "blobs | circles | moons | xor | random | digits | ocr | csv.",
        "params": "The dataset's own settings (n_samples, noise, ...), checked per dataset.",
        "test_size": "Fraction of the rows held out as the test split.",
        "val_size": "Fraction of the non-test rows held out for validation (0: none).",
        "scale": "standard | minmax | none; fitted on the training split only.",
        "seed": "Drives data generation and the splits (null: the top-level seed).",
        "path": "csv only: the CSV file, relative to this config file.",
        "target": "csv only: the label (or value) column.",
        "task": "csv only: classification | regression (default: inferred from the target column).",
    },
    "ModelConfig": {
        "hidden": "Units of each hidden layer (short form); [] is a network with no hidden layer.",
        "activation": "Hidden layers' activation (short form).",
        "init": "normal | glorot | he.",
        "layers": "Long form: a list of layers ({type: dense, units: 8}, conv2d, lstm, ...); "
                  "the output layer is appended.",
        "output": "auto | sigmoid | softmax | linear: the output layer's activation.",
        "init_from": "A run directory whose trained weights start this network (relative to the working "
                     "directory); shapes must match layer by layer.",
    },
    "TrainingConfig": {
        "epochs": "Passes over the training split.",
        "batch_size": "Rows per update; 1 = after every row; full = the whole training split.",
        "loss": "auto | bce | cross_entropy | mse.",
        "optimizer": "sgd | momentum | nesterov | rmsprop | adam.",
        "lr": "Learning rate.",
        "momentum": "momentum and nesterov only.",
        "rho": "rmsprop only.",
        "beta1": "adam only.",
        "beta2": "adam only.",
        "eps": "rmsprop and adam only.",
        "weight_decay": "L2 on weights (not biases), added to the gradient; every optimizer.",
        "schedule": "constant | step | exponential | cosine | plateau, or a mapping {type: ..., ...}.",
        "target_auc": "Stop as soon as the monitored AUC (val if any, else train) reaches this.",
        "early_stopping": "{monitor, patience, min_delta, restore_best}; null: off.",
        "dtype": "float32 | float64.",
        "checkpoint_seconds": "Write checkpoint.npz after an epoch once this many seconds have passed "
                              "since the last (null: not by time).",
        "checkpoint_every": "Also write checkpoint.npz every N epochs (null: by time only).",
        "class_weight": "Classification: balanced (scikit-learn's formula) or {label: weight}; "
                        "each row's loss times its class's weight.",
    },
    "EarlyStopping": {
        "monitor": "The metric watched (default: val_loss with a validation split, else train_loss).",
        "patience": "Epochs without improvement before stopping.",
        "min_delta": "The least change that counts as an improvement.",
        "restore_best": "Keep the weights of the best epoch, not the last.",
    },
    "OutputConfig": {
        "plots": "Draw the pictures into RUN_DIR/plots/ (false: none, as nncli train --no-plots).",
    },
}


def resolved_config_text(path, overrides=()):
    """The config at ``path`` with its bases merged, ``overrides`` applied and defaults filled,
    as the YAML a run directory's ``config.yaml`` would hold (``data.path`` absolute)."""
    return resolved_yaml(load_config(path, overrides))


def json_schema():
    """The JSON Schema (draft 2020-12) of a config file, for editors (YAML language server).

    pydantic builds it from the schema models; added here is what the models
    accept before validation: ``base`` (a file with one may leave out ``data`` and
    ``data.dataset``), and a schedule given by its name alone (``schedule: cosine``).
    """
    schema = _json_bounds(Config.model_json_schema())
    schema = {"$schema": JSON_SCHEMA_DIALECT, **schema, "title": "nncli config",
              "description": "A config file of nncli (YAML): what to train and how."}
    schema["properties"]["base"] = {
        "type": "string", "title": "Base",
        "description": "Path of a config (relative to this file) whose keys this file overrides."}
    training = schema["$defs"]["TrainingConfig"]["properties"]
    training["schedule"] = {"title": "Schedule", "anyOf": [
        {"type": "string", "enum": list(SCHEDULE_SPECS)},
        {key: value for key, value in training["schedule"].items() if key != "title"}]}
    training["batch_size"] = {"title": "Batch Size", "default": 32,
                              "anyOf": [{"type": "integer", "minimum": 1}, {"const": "full"}]}
    schema["$defs"]["DataConfig"]["allOf"] = [
        {"if": {"properties": {"dataset": {"const": name}}, "required": ["dataset"]},
         "then": {"properties": {"params": _json_bounds(spec.params.model_json_schema())}}}
        for name, spec in DATASETS.items()]
    for section, texts in DESCRIPTIONS.items():
        properties = (schema if section is None else schema["$defs"][section])["properties"]
        for key, text in texts.items():
            properties[key]["description"] = text
    # a file with a base may leave out what its base gives: data, and data.dataset
    del schema["required"]
    del schema["$defs"]["DataConfig"]["required"]
    schema["allOf"] = [{"if": {"not": {"required": ["base"]}},
                        "then": {"required": ["data"], "properties": {"data": {"required": ["dataset"]}}}}]
    return schema


def json_schema_text():
    """``json_schema()`` as indented JSON text."""
    return json.dumps(json_schema(), indent=2) + "\n"


def _json_bounds(node):
    """``node`` with pydantic's ``ge``/``le``/``gt``/``lt`` keywords renamed to JSON Schema's."""
    if isinstance(node, dict):
        is_number = node.get("type") in ("integer", "number")
        return {(BOUND_KEYWORDS[key] if is_number and key in BOUND_KEYWORDS else key): _json_bounds(value)
                for key, value in node.items()}
    if isinstance(node, list):
        return [_json_bounds(item) for item in node]
    return node

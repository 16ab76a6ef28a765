"""The resolved config as YAML text: what a run directory's ``config.yaml`` holds."""

import os
from pathlib import Path

import yaml

from ..data.registry import FILE_KEYS
from .schema import OPTIMIZER_SETTINGS


def resolved_yaml(config, relative_to=None):
    """The resolved config as YAML text, for ``config.yaml`` in the run directory.

    Every key is written with its value, defaults included, except the keys that
    do not apply: file keys of a generated dataset, the unused model form, and the
    optimizer settings the chosen optimizer does not take.

    With ``relative_to`` (the run directory) ``data.path`` is written relative to
    it when the two share a directory below the file system's root (a project
    holding both ``runs/`` and its data can then move as a whole), else absolute;
    either way loading the run's config.yaml finds the same file.
    """
    data = config.model_dump(mode="json")
    # keys left null are left out: file keys of generated data, data.seed that follows seed
    for key in [k for k in FILE_KEYS + ("seed",) if data["data"][k] is None]:
        del data["data"][key]
    if data["data"].get("path") is not None and relative_to is not None:
        data["data"]["path"] = _path_from(data["data"]["path"], os.path.abspath(relative_to))
    model = data["model"]
    for key in ("hidden", "layers"):
        if model[key] is None:
            del model[key]
    if model.get("layers") is not None:
        for layer in model["layers"]:
            for key in [k for k, v in layer.items() if v is None]:
                del layer[key]
    training = data["training"]
    for key in [k for k, takers in OPTIMIZER_SETTINGS.items() if training["optimizer"] not in takers]:
        del training[key]
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=None)


def _path_from(path, directory):
    """``path`` relative to ``directory`` if they share more than the root, else ``path``."""
    try:
        common = os.path.commonpath([path, directory])
    except ValueError:  # different drives (Windows)
        return path
    return path if common == Path(path).anchor else os.path.relpath(path, directory)

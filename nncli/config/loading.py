"""Load a config: YAML (bounded, safe, with line numbers), its ``base`` configs, ``--set``
overrides -> validated Config.

Every problem becomes a ``ConfigError`` naming the file, line, key path and what
is allowed (the wording is ``messages.describe``'s); a config with several
problems gets one line for each (``ConfigProblems``).
"""

import os
from pathlib import Path

from pydantic import ValidationError

from ..data.registry import DATASETS
from ..errors import ConfigError, echo
from .compose import read_composed
from .messages import describe, dotted, problems, report
from .overrides import apply_override
from .schema import OPTIMIZER_SETTINGS, Config, TrainingConfig


class ConfigProblems(ConfigError):
    """Several problems of one config: ``lines`` holds one message per problem (the CLI
    prints each on its own line)."""

    def __init__(self, lines):
        super().__init__("\n".join(lines))
        self.lines = list(lines)


def load_config(path, overrides=(), run_file=False, name=None):
    """Read, compose, override and validate a config file.

    Parameters
    ----------
    path : str or Path
        The YAML file; a ``base: other.yaml`` key in it names a config whose keys
        it overrides (see ``compose``).
    overrides : sequence of str
        ``"dotted.key=value"`` strings; values are parsed as YAML.
    run_file : bool
        True for the ``config.yaml`` of a run directory.  Earlier nncli wrote
        every optimizer setting there (``rho`` for adam, ...), which a config
        written by hand may not give: the settings the run's optimizer does not
        take are dropped instead of refused (training ignored them), unless an
        override gives them.
    name : str, optional
        The run name given by ``--name`` (messages say ``--name``, not ``--set name``).

    Returns
    -------
    Config
        Validated, with defaults filled in (``name`` defaults to the file's stem).
    """
    path = Path(path)
    raw, places = read_composed(path)
    origins = {}  # key path -> the option that gave it
    for override in overrides:
        key = apply_override(raw, override)
        if key[0] == "base":
            raise ConfigError("--set base: a base config is named in the config file (base: other.yaml), "
                              "not on the command line")
        origins[key] = f"--set {echo(dotted(key))}"
    if name is not None:
        raw["name"] = name
        origins[("name",)] = "--name"
    if run_file:
        _drop_settings_of_other_optimizers(raw, origins)
    raw.setdefault("name", _default_name(path))
    config = validate(raw, source=str(path), lines=places, set_keys=origins)
    return _resolve_data_path(config, path, origins)


def _drop_settings_of_other_optimizers(raw, set_keys):
    training = raw.get("training")
    if not isinstance(training, dict):
        return
    optimizer = training.get("optimizer", TrainingConfig.model_fields["optimizer"].default)
    if not isinstance(optimizer, str):
        return  # validation names the problem
    for key, takers in OPTIMIZER_SETTINGS.items():
        if optimizer not in takers and ("training", key) not in set_keys:
            training.pop(key, None)


def _resolve_data_path(config, config_path, set_keys):
    """``config`` with ``data.path`` absolute: relative to the config file's directory,
    or to the working directory when it came from ``--set`` (as shell paths do).
    (A base config's relative ``data.path`` was made absolute when it was read.)"""
    data_path = config.data.path
    if data_path is None:
        return config
    from_shell = any(key == ("data", "path")[: len(key)] for key in set_keys)
    base = Path.cwd() if from_shell else config_path.parent
    return config.replace("data.path", os.path.abspath(base / Path(data_path).expanduser()))


def _default_name(path):
    stem = "".join(c if c.isalnum() or c in "._-" else "-" for c in path.stem).strip("-.") or "run"
    return stem[:100]


def validate(raw, source="<config>", lines=None, set_keys=()):
    """Validate a raw config dict (and its dataset params); raise ConfigError, one line
    per problem (``ConfigProblems`` when there are several).

    ``lines`` ({key path: YAML line, or "file:line" for keys from a base config})
    and ``set_keys`` (key paths given on the command line; a dict names each
    one's option) only serve the messages.
    """
    lines = lines or {}
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        found = problems(exc, raw, source, lines, set_keys) + _params_problems(raw, source, lines, set_keys)
        raise _problems(report(found, source)) from None
    params = DATASETS[config.data.dataset].params
    try:
        return config.replace("data.params", params.model_validate(config.data.params).model_dump())
    except ValidationError as exc:
        raise _problems(describe(exc, raw, source, lines, set_keys, ("data", "params"), params)) from None


def _params_problems(raw, source, lines, set_keys):
    """The problems of ``data.params`` when the rest of the config has some too (when the
    dataset is known, its params can be checked all the same)."""
    data = raw.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("params"), dict):
        return []
    spec = DATASETS.get(data.get("dataset")) if isinstance(data.get("dataset"), str) else None
    if spec is None:
        return []
    try:
        spec.params.model_validate(data["params"])
    except ValidationError as exc:
        return problems(exc, raw, source, lines, set_keys, ("data", "params"), spec.params)
    return []


def _problems(messages):
    return ConfigError(messages[0]) if len(messages) == 1 else ConfigProblems(messages)

"""Load a config: YAML (safe loader, with line numbers) + ``--set`` overrides -> validated Config.

Every problem becomes one ``ConfigError`` line naming the file, line, key path
and what is allowed (the wording is ``messages.describe``'s).
"""

import os
from pathlib import Path

import yaml
from pydantic import ValidationError

from ..data.registry import DATASETS
from ..errors import ConfigError
from .messages import describe
from .overrides import apply_override
from .schema import OPTIMIZER_SETTINGS, Config, TrainingConfig


def load_config(path, overrides=(), run_file=False):
    """Read, override and validate a config file.

    Parameters
    ----------
    path : str or Path
        The YAML file.
    overrides : sequence of str
        ``"dotted.key=value"`` strings; values are parsed as YAML.
    run_file : bool
        True for the ``config.yaml`` of a run directory.  Earlier nncli wrote
        every optimizer setting there (``rho`` for adam, ...), which a config
        written by hand may not give: the settings the run's optimizer does not
        take are dropped instead of refused (training ignored them), unless an
        override gives them.

    Returns
    -------
    Config
        Validated, with defaults filled in (``name`` defaults to the file's stem).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from None
    raw, lines = parse_yaml(text, str(path))
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of keys "
                          "(name, seed, data, model, training, output)")
    set_keys = {apply_override(raw, override) for override in overrides}
    if run_file:
        _drop_settings_of_other_optimizers(raw, set_keys)
    raw.setdefault("name", _default_name(path))
    config = validate(raw, source=str(path), lines=lines, set_keys=set_keys)
    return _resolve_data_path(config, path, set_keys)


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
    or to the working directory when it came from ``--set`` (as shell paths do)."""
    data_path = config.data.path
    if data_path is None:
        return config
    from_shell = any(key == ("data", "path")[: len(key)] for key in set_keys)
    base = Path.cwd() if from_shell else config_path.parent
    return config.replace("data.path", os.path.abspath(base / Path(data_path).expanduser()))


def _default_name(path):
    stem = "".join(c if c.isalnum() or c in "._-" else "-" for c in path.stem).strip("-.") or "run"
    return stem[:100]


def parse_yaml(text, source):
    """Parse YAML safely; return ``(data, {key path tuple: line number})``."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        problem = exc.problem or exc.context or "invalid YAML"
        raise ConfigError(f"{where}: invalid YAML: {problem}") from None
    except yaml.reader.ReaderError as exc:
        code = ord(exc.character) if isinstance(exc.character, str) else exc.character
        raise ConfigError(f"{source}: invalid YAML: character #x{code:04x} at position "
                          f"{exc.position} is not allowed") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: invalid YAML: {' '.join(str(exc).split())}") from None
    lines = {}
    if node is not None:
        _record_lines(node, (), lines, source)
    return data, lines


def _record_lines(node, path, lines, source):
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                raise ConfigError(f"{source}:{key_node.start_mark.line + 1}: duplicate key '{key}'")
            seen.add(key)
            lines[path + (key,)] = key_node.start_mark.line + 1
            _record_lines(value_node, path + (key,), lines, source)
            lines[path + (key,)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record_lines(item, path + (index,), lines, source)


def validate(raw, source="<config>", lines=None, set_keys=()):
    """Validate a raw config dict (and its dataset params); raise one-line ConfigError.

    ``lines`` ({key path: YAML line}) and ``set_keys`` (key paths given by
    ``--set``) only serve the message.
    """
    lines = lines or {}
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(describe(exc, raw, source, lines, set_keys)) from None
    params = DATASETS[config.data.dataset].params
    try:
        return config.replace("data.params", params.model_validate(config.data.params).model_dump())
    except ValidationError as exc:
        raise ConfigError(describe(exc, raw, source, lines, set_keys, ("data", "params"), params)) from None

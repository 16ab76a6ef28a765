"""Load a config: YAML (safe loader, with line numbers) + ``--set`` overrides -> validated Config.

Every problem becomes one ``ConfigError`` line naming the file, line, key path
and what is allowed, with a "did you mean" suggestion for misspelt names.
"""

import difflib
import os
import typing
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError

from .data.registry import DATASETS, FILE_KEYS
from .errors import ConfigError
from .schema import Config


def load_config(path, overrides=()):
    """Read, override and validate a config file.

    Parameters
    ----------
    path : str or Path
        The YAML file.
    overrides : sequence of str
        ``"dotted.key=value"`` strings; values are parsed as YAML.

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
    set_keys = set()
    for override in overrides:
        set_keys.add(apply_override(raw, override))
    raw.setdefault("name", _default_name(path))
    config = validate(raw, source=str(path), lines=lines, set_keys=set_keys)
    _resolve_data_path(config, path, set_keys)
    return config


def _resolve_data_path(config, config_path, set_keys):
    """Make ``data.path`` absolute: relative to the config file's directory, or to
    the working directory when it came from ``--set`` (as shell paths do)."""
    data_path = config.data.path
    if data_path is None:
        return
    from_shell = any(key == ("data", "path")[: len(key)] for key in set_keys)
    base = Path.cwd() if from_shell else config_path.parent
    config.data.path = os.path.abspath(base / Path(data_path).expanduser())


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


def apply_override(raw, override):
    """Apply ``"a.b.c=value"`` to the nested dict ``raw``; return the key path tuple."""
    key, sep, value_text = override.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"--set needs KEY=VALUE with a dotted key, e.g. training.lr=0.01 (got '{override}')")
    try:
        value = yaml.safe_load(value_text) if value_text.strip() else None
    except yaml.YAMLError:
        raise ConfigError(f"--set {key}: cannot parse value '{value_text}' as YAML") from None
    parts = [int(p) if p.isdigit() else p for p in key.strip().split(".")]
    node = raw
    for part in parts[:-1]:
        child = _get(node, part)
        if isinstance(child, str) and not isinstance(node, list):
            # a name standing for a mapping (`schedule: cosine`) is short for {type: name}
            child = {"type": child}
            node[part] = child
        if child is None or not isinstance(child, (dict, list)):
            if isinstance(node, list):
                raise ConfigError(f"--set {key}: index {part} is out of range")
            child = {}
            node[part] = child
        node = child
    last = parts[-1]
    if isinstance(node, list):
        if not isinstance(last, int) or last >= len(node):
            raise ConfigError(f"--set {key}: index {last} is out of range")
    node[last] = value
    return tuple(parts)


def _get(node, part):
    if isinstance(node, list):
        return node[part] if isinstance(part, int) and part < len(node) else None
    return node.get(part)


def validate(raw, source="<config>", lines=None, set_keys=()):
    """Validate a raw config dict (and its dataset params); raise one-line ConfigError."""
    lines = lines or {}
    _refuse_bools_for_numbers(raw, Config, (), source, lines, set_keys)
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_describe(_first(exc), raw, source, lines, set_keys, ())) from None
    spec = DATASETS[config.data.dataset]
    _refuse_bools_for_numbers(config.data.params, spec.params, ("data", "params"), source, lines, set_keys)
    try:
        config.data.params = spec.params.model_validate(config.data.params).model_dump()
    except ValidationError as exc:
        prefix = ("data", "params")
        raise ConfigError(_describe(_first(exc), raw, source, lines, set_keys, prefix, spec.params)) from None
    return config


def _refuse_bools_for_numbers(node, model, loc, source, lines, set_keys):
    """ConfigError where a boolean stands for a key that does not take one.

    YAML reads ``yes``, ``no``, ``on`` and ``true`` as booleans, and pydantic would
    take one as the number 1 or 0: ``epochs: yes`` would train one epoch.
    """
    if not isinstance(node, dict) or model is None:
        return
    for key, value in node.items():
        field = model.model_fields.get(key)
        if field is None or _takes_bools(field.annotation):
            continue
        items = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
        for index, item in items:
            where = loc + (key,) + (() if index is None else (index,))
            if isinstance(item, bool):
                raise ConfigError(f"{_where(where, source, lines, set_keys)}: {_dotted(where)} cannot be "
                                  f"{str(item).lower()} (YAML reads yes/no/on/off as true/false)")
            if isinstance(item, dict):
                _refuse_bools_for_numbers(item, _model_in(field.annotation, item), where, source, lines, set_keys)


def _takes_bools(annotation):
    """Whether a field of this annotation may hold true/false (bool, or a union with it)."""
    return annotation is bool or any(_takes_bools(arg) for arg in typing.get_args(annotation))


def _first(exc):
    """The error to report: a misspelt key first, since it often explains a missing one."""
    errors = exc.errors()
    return next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])


def _describe(error, raw, source, lines, set_keys, prefix, root=Config):
    """One line for a pydantic error: where, which key, what is wrong, what is allowed."""
    loc = prefix + _clean_loc(error["loc"], _get_path(raw, prefix), root)
    kind = error["type"]
    value = error.get("input")
    where = _where(loc, source, lines, set_keys)
    dotted = _dotted(loc)
    if kind == "extra_forbidden":
        parent = loc[:-1]
        options = _fields_at(root, _strip(parent, prefix), _get_path(raw, prefix))
        hint = _did_you_mean(str(loc[-1]), options)
        place = f" in {_dotted(parent)}" if parent else ""
        valid = f"; valid keys: {', '.join(options)}" if options else ""
        return f"{where}: unknown key '{loc[-1]}'{place}{hint}{valid}"
    if kind == "union_tag_not_found":
        return f"{where}: {dotted} needs a {error['ctx']['discriminator']} key"
    if kind == "union_tag_invalid":
        loc = loc + (error["ctx"]["discriminator"].strip("'"),)
        where, dotted, value = _where(loc, source, lines, set_keys), _dotted(loc), error["ctx"]["tag"]
    if kind in ("literal_error", "union_tag_invalid"):
        expected = _expected(error)
        hint = _did_you_mean(str(value), expected) if isinstance(value, str) else ""
        return f"{where}: {dotted} must be one of {', '.join(expected)} (got {value!r}){hint}"
    if kind == "missing":
        return f"{where}: {dotted} is required"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return f"{where}: {dotted} {_bound_text(kind, error['ctx'])} (got {value!r})"
    if kind == "value_error":
        message = str(error["ctx"]["error"]) if "ctx" in error else error["msg"]
        return f"{where}: {dotted}: {message}" if dotted else f"{where}: {message}"
    if kind == "string_pattern_mismatch" and loc == ("name",):
        return f"{where}: name may hold only letters, digits, '.', '_' and '-' (got {value!r})"
    return f"{where}: {dotted}: {_type_text(error)} (got {value!r})"


def _bound_text(kind, ctx):
    words = {"greater_than": ("gt", "greater than"), "greater_than_equal": ("ge", "at least"),
             "less_than": ("lt", "less than"), "less_than_equal": ("le", "at most")}
    key, text = words[kind]
    return f"must be {text} {ctx[key]}"


def _type_text(error):
    kind = error["type"]
    if kind.startswith("int"):
        return "must be an integer"
    if kind.startswith("float"):
        return "must be a number"
    if kind.startswith("bool"):
        return "must be true or false"
    if kind.startswith("string"):
        return "must be a string"
    if kind.startswith("list"):
        return "must be a list"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "must be a mapping of keys"
    return error["msg"]


def _expected(error):
    ctx = error.get("ctx", {})
    text = ctx.get("expected") or ctx.get("expected_tags") or ""
    return [part.strip().strip("'") for part in text.replace(" or ", ", ").split(",") if part.strip()]


def _did_you_mean(word, options):
    close = difflib.get_close_matches(word, [str(o) for o in options], n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _dotted(loc):
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _where(loc, source, lines, set_keys):
    for key in set_keys:
        if tuple(loc[: len(key)]) == key or tuple(key[: len(loc)]) == tuple(loc):
            return f"--set {_dotted(key)}"
    for end in range(len(loc), -1, -1):
        if tuple(loc[:end]) in lines:
            return f"{source}:{lines[tuple(loc[:end])]}"
    return source


def _get_path(raw, path):
    for part in path:
        raw = _get(raw, part) if isinstance(raw, (dict, list)) else None
    return raw


def _strip(loc, prefix):
    return loc[len(prefix):]


def _clean_loc(loc, raw, root):
    """Drop the union tags pydantic inserts (e.g. ``layers.0.dense.units``)."""
    cleaned = []
    node = raw
    for part in loc:
        if isinstance(node, dict) and part not in node and node.get("type") == part:
            continue
        if isinstance(node, dict) and part not in node and isinstance(part, str) and part in ("int", "str"):
            continue
        cleaned.append(part)
        node = _get(node, part) if isinstance(node, (dict, list)) else None
    return tuple(cleaned)


def _fields_at(root, path, raw):
    """Valid key names of the schema section at ``path`` (for "did you mean").

    A list of tagged-union items (``model.layers``) has a different schema per
    item: each model is looked up with the raw value it describes, so that the
    keys offered are those of that item's ``type``.
    """
    annotation, node = root, raw
    for part in path:
        if isinstance(part, int):
            node = _get(node, part) if isinstance(node, list) else None
            continue
        model = _model_in(annotation, node)
        field = model.model_fields.get(part) if model is not None else None
        if field is None:
            return []
        node = _get(node, part) if isinstance(node, dict) else None
        annotation = field.annotation
    model = _model_in(annotation, node)
    return list(model.model_fields) if model is not None else []


def _model_in(annotation, node):
    """The BaseModel class inside an annotation (Optional, list, tagged union)."""
    candidates = []
    stack = [annotation]
    while stack:
        item = stack.pop()
        if isinstance(item, type) and issubclass(item, BaseModel):
            candidates.append(item)
        else:
            stack.extend(typing.get_args(item))
    if len(candidates) > 1 and isinstance(node, dict):
        for model in candidates:
            tag = model.model_fields.get("type")
            if tag is not None and node.get("type") in typing.get_args(tag.annotation):
                return model
    return candidates[0] if candidates else None


def resolved_yaml(config, relative_to=None):
    """The resolved config as YAML text, for ``config.yaml`` in the run directory.

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
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=None)


def _path_from(path, directory):
    """``path`` relative to ``directory`` if they share more than the root, else ``path``."""
    try:
        common = os.path.commonpath([path, directory])
    except ValueError:  # different drives (Windows)
        return path
    return path if common == Path(path).anchor else os.path.relpath(path, directory)

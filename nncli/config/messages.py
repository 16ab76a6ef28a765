"""Pydantic validation errors -> one ``ConfigError`` line.

The line names where the problem is (``file:line`` or the ``--set`` that gave
the key), the dotted key, what is wrong and what is allowed, with a "did you
mean" suggestion for misspelt names.
"""

import difflib
import typing

from pydantic import BaseModel

from ..number_types import KEY_MESSAGE_ERRORS
from .overrides import get_part
from .schema import Config


def describe(exc, raw, source, lines, set_keys, prefix=(), root=Config):
    """One line for a pydantic ``ValidationError`` of ``root`` validating ``raw``.

    ``lines`` maps key paths to YAML line numbers, ``set_keys`` holds the key
    paths ``--set`` gave, and ``prefix`` is where ``raw`` sits in the whole
    config (``("data", "params")`` for a dataset's params).
    """
    error = _first(exc)
    kind = error["type"]
    loc = prefix + _clean_loc(error["loc"], get_path(raw, prefix), kind)
    value = error.get("input")
    if kind == "union_tag_invalid":  # the error is the mapping's; name its type key
        loc = loc + (error["ctx"]["discriminator"].strip("'"),)
        tag = get_path(raw, loc)
        value = tag if isinstance(tag, bool) else error["ctx"]["tag"]
    where = _where(loc, source, lines, set_keys)
    dotted = _dotted(loc)
    if kind == "extra_forbidden":
        parent = loc[:-1]
        options = _fields_at(root, parent[len(prefix):], get_path(raw, prefix))
        hint = _did_you_mean(str(loc[-1]), options)
        place = f" in {_dotted(parent)}" if parent else ""
        valid = f"; valid keys: {', '.join(options)}" if options else ""
        return f"{where}: unknown key '{loc[-1]}'{place}{hint}{valid}"
    if kind in KEY_MESSAGE_ERRORS:
        return f"{where}: {dotted} {error['msg']}"
    if isinstance(value, bool) and kind != "missing":
        # a key that takes no boolean (a number refuses one itself, as yaml_bool)
        return f"{where}: {dotted} cannot be {str(value).lower()} (YAML reads yes/no/on/off as true/false)"
    if kind == "union_tag_not_found":
        return f"{where}: {dotted} needs a {error['ctx']['discriminator']} key"
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


def _first(exc):
    """The error to report: a yes/no/on/off first (it often explains the others), then a
    misspelt key (it often explains a missing one)."""
    errors = exc.errors()
    return next((e for e in errors if _is_yaml_bool(e)),
                next((e for e in errors if e["type"] == "extra_forbidden"), errors[0]))


def _is_yaml_bool(error):
    if error["type"] == "union_tag_invalid":
        return error["ctx"]["tag"] in ("True", "False")
    return isinstance(error.get("input"), bool) and error["type"] not in ("extra_forbidden", "missing")


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


def get_path(raw, path):
    """The raw value at key path ``path``, or None."""
    for part in path:
        raw = get_part(raw, part) if isinstance(raw, (dict, list)) else None
    return raw


def _clean_loc(loc, raw, kind):
    """Drop the union tags pydantic inserts into an error's location: the ``type`` of
    a tagged-union item (``layers.0.dense.units``) and the member of a plain union
    (``kernel.constrained-int``); the raw config has no key of either name."""
    cleaned = []
    node, tag_seen = raw, None
    for index, part in enumerate(loc):
        if isinstance(node, dict) and node.get("type") == part and tag_seen is not node:
            tag_seen = node  # an item's own key may be named as its type (`{type: activation, activation: ...}`)
            continue
        missing_key = index == len(loc) - 1 and kind == "missing"
        if isinstance(part, str) and not missing_key and not (isinstance(node, dict) and part in node):
            continue
        cleaned.append(part)
        node = get_part(node, part) if isinstance(node, (dict, list)) else None
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
            node = get_part(node, part) if isinstance(node, list) else None
            continue
        model = _model_in(annotation, node)
        field = model.model_fields.get(part) if model is not None else None
        if field is None:
            return []
        node = get_part(node, part) if isinstance(node, dict) else None
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

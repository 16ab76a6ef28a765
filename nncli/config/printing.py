"""What ``nncli config`` prints: a config resolved, or the JSON Schema of config files."""

import json

from ..data.registry import DATASETS
from .loading import load_config
from .resolved import resolved_yaml
from .schema import SCHEDULE_SPECS, Config

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
#: pydantic writes these for constraints inside a union; JSON Schema's names for them
BOUND_KEYWORDS = {"ge": "minimum", "le": "maximum", "gt": "exclusiveMinimum", "lt": "exclusiveMaximum"}


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

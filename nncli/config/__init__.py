"""Configs: YAML files (or dicts) -> validated, frozen ``Config`` objects, and back.

- ``loading``: ``--set`` applied, validation (``load_config``, ``validate``), every problem one line
- ``yaml_text``: config text as hostile input: size, nesting and alias expansion bounded; safe YAML with lines
- ``compose``: ``base: other.yaml``, a config built on another
- ``overrides``: one ``--set a.b=value`` applied to the raw config
- ``schema``: every key, its default and allowed values (names from the registries)
- ``messages``: pydantic errors as lines naming file, line and key, with "did you mean"
- ``resolved``: the resolved config as the YAML text a run directory keeps
"""

from .loading import ConfigProblems, load_config, validate
from .resolved import resolved_yaml
from .schema import Config
from .yaml_text import parse_value, parse_yaml, read_config_text

__all__ = ["Config", "ConfigProblems", "load_config", "parse_value", "parse_yaml", "read_config_text",
           "resolved_yaml", "validate"]

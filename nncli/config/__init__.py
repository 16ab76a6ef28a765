"""Configs: YAML files (or dicts) -> validated, frozen ``Config`` objects, and back.

- ``loading``: safe YAML with line numbers, ``--set`` applied, validation (``load_config``, ``validate``)
- ``overrides``: one ``--set a.b=value`` applied to the raw config
- ``schema``: every key, its default and allowed values (names from the registries)
- ``messages``: a pydantic error as one line naming file, line and key
- ``resolved``: the resolved config as the YAML text a run directory keeps
"""

from .loading import load_config, parse_yaml, validate
from .resolved import resolved_yaml
from .schema import Config

__all__ = ["Config", "load_config", "parse_yaml", "resolved_yaml", "validate"]

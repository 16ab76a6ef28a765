"""``base: other.yaml``: a config built on another, whose keys it overrides.

The base's path is relative to the file that names it; a base may have a base
of its own (at most ``MAX_BASES`` files in a chain) and a chain that comes back
to a file is refused, naming the chain.  Mappings are merged key by key, at any
depth; any other value (a list, a number, a name) in the file replaces the
base's whole; only ``name`` is never inherited.  Each file is read under the
same limits as any config (``yaml_text``), and every key remembers the file and
line that gave it, so a problem in a base names the base.  A relative
``data.path`` in a base is relative to the base's directory.
"""

import os
from pathlib import Path

from ..errors import ConfigError, echo
from .yaml_text import parse_yaml, read_config_text

MAX_BASES = 16
"""Longest chain of base configs (the file itself not counted)."""

TOP_KEYS = "name, seed, data, model, training, output, base"


def read_composed(path):
    """The raw config of ``path`` with its bases merged in: ``(raw dict, {key path: "file:line"})``."""
    return _read(Path(path), ())


def _read(path, chain):
    """``chain`` holds the files that led here, outermost first."""
    raw, lines = parse_yaml(read_config_text(path), str(path))
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of keys ({TOP_KEYS})")
    places = {key: f"{path}:{line}" for key, line in lines.items()}
    if "base" not in raw:
        return raw, places
    base = raw.pop("base")
    where = places.get(("base",), str(path))
    if base is None:
        return raw, _without(places, ("base",))
    if not isinstance(base, str) or not base.strip():
        raise ConfigError(f"{where}: base must be the path of a config file (got {echo(repr(base))})")
    base_path = path.parent / Path(base).expanduser()
    here = os.path.realpath(path)
    seen = [os.path.realpath(step) for step in chain] + [here]
    if os.path.realpath(base_path) in seen:
        names = " -> ".join(str(step) for step in chain + (path, base_path))
        raise ConfigError(f"{where}: base configs form a cycle: {echo(names, 400)}")
    if len(chain) >= MAX_BASES:
        raise ConfigError(f"{where}: more than {MAX_BASES} base configs in a chain")
    if not base_path.exists():
        raise ConfigError(f"{where}: base config not found: {echo(str(base_path), 200)}")
    base_raw, base_places = _read(base_path, chain + (path,))
    base_raw.pop("name", None)  # a base is shared: each file names its runs (by default, its stem)
    _anchor_data_path(base_raw, base_path)
    base_places = _without(base_places, ("name",))
    return merge(base_raw, raw), _merge_places(base_places, _without(places, ("base",)), raw)


def merge(base, override):
    """``override`` laid over ``base``: mappings merged key by key, anything else replaced.
    Neither argument is changed."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _merge_places(base_places, file_places, file_raw):
    """Where each key of the merged config came from: the file where it gives the key,
    else the base; nothing of the base's below a value the file replaced."""
    replaced = {key for key in file_places if key and not isinstance(_at(file_raw, key), dict)}
    kept = {key: place for key, place in base_places.items()
            if not any(key[:end] in replaced for end in range(1, len(key)))}
    return {**kept, **file_places}


def _at(raw, key):
    for part in key:
        if isinstance(raw, dict):
            raw = raw.get(part)
        elif isinstance(raw, list) and isinstance(part, int) and part < len(raw):
            raw = raw[part]
        else:
            return None
    return raw


def _without(places, key):
    return {k: v for k, v in places.items() if k[: len(key)] != key}


def _anchor_data_path(raw, base_path):
    """Make a base's relative ``data.path`` absolute (relative to the base's own directory)."""
    data = raw.get("data")
    if isinstance(data, dict) and isinstance(data.get("path"), str) and data["path"].strip():
        data["path"] = os.path.abspath(base_path.parent / Path(data["path"]).expanduser())

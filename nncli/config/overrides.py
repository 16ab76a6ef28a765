"""``--set a.b.c=value``: one override applied to the raw (not yet validated) config."""

from ..errors import ConfigError, echo
from .yaml_text import MAX_DEPTH, parse_value


def apply_override(raw, override):
    """Apply ``"a.b.c=value"`` (the value parsed as YAML) to the nested dict ``raw``
    in place; return the key path tuple, e.g. ``("training", "lr")``."""
    key, sep, value_text = override.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"--set needs KEY=VALUE with a dotted key, e.g. training.lr=0.01 (got '{echo(override)}')")
    key = key.strip()
    shown = echo(key)
    if key.count(".") >= MAX_DEPTH:
        raise ConfigError(f"--set {shown}: the key is nested deeper than {MAX_DEPTH} levels")
    value = parse_value(value_text, f"--set {shown}") if value_text.strip() else None
    parts = [int(p) if p.isdigit() else p for p in key.split(".")]
    node = raw
    for part in parts[:-1]:
        child = get_part(node, part)
        if isinstance(child, str) and not isinstance(node, list):
            # a name standing for a mapping (`schedule: cosine`) is short for {type: name}
            child = {"type": child}
            node[part] = child
        if child is None or not isinstance(child, (dict, list)):
            if isinstance(node, list):
                raise ConfigError(f"--set {shown}: index {part} is out of range")
            child = {}
            node[part] = child
        node = child
    last = parts[-1]
    if isinstance(node, list):
        if not isinstance(last, int) or last >= len(node):
            raise ConfigError(f"--set {shown}: index {last} is out of range")
    node[last] = value
    return tuple(parts)


def get_part(node, part):
    """``node[part]`` of a raw dict or list, or None where there is no such key or index."""
    if isinstance(node, list):
        return node[part] if isinstance(part, int) and part < len(node) else None
    return node.get(part)

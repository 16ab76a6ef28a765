"""Config text as hostile input: bounded reading and bounded, safe YAML parsing.

A config file (or a run's ``config.yaml``) must be a regular file of at most
``MAX_CONFIG_BYTES``; it is checked with ``stat`` before it is opened and read
no further than one byte past the limit, so ``/dev/zero``, a FIFO or a huge
file is refused at once.  YAML is parsed once, with the safe loader, through a
composer that bounds the nesting depth (``MAX_DEPTH``) and the number of nodes
(``MAX_VALUES``) as it goes, and refuses self-referring anchors; the composed
document is then measured with every alias expanded, counting each distinct
node once, so an alias bomb ("billion laughs") is refused in milliseconds,
before anything walks its alias paths.
"""

import os
import re
import stat
from pathlib import Path

import yaml

from ..errors import ConfigError, echo

MAX_CONFIG_BYTES = 256 * 1024
"""Largest config file read (bytes).  Hand-written configs are a few hundred; pure-Python
YAML scans about a megabyte in two seconds, so this keeps every refusal well under one."""
MAX_DEPTH = 64
"""Deepest nesting of mappings and lists in a config or a ``--set`` value."""
MAX_VALUES = 10_000
"""Most keys, items and values a config may hold, aliases expanded (hand-written configs hold
about a hundred; pure-Python YAML reads some ten thousand a second on a slow machine)."""


def read_config_text(path):
    """The text of the config file ``path``; ConfigError unless it is a regular UTF-8
    file of at most ``MAX_CONFIG_BYTES`` bytes."""
    path = Path(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        # a run directory given where its config was meant (`nncli config RUN_DIR`)
        hint = (f" (a run directory: its config is {path / 'config.yaml'}; nncli train --resume {path} continues "
                "the run)") if (path / "config.yaml").is_file() else ""
        raise ConfigError(f"{path}: a config must be a regular file, not {_kind(info.st_mode)}{hint}")
    if info.st_size > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path}: config file too large ({info.st_size} bytes; the limit is "
                          f"{MAX_CONFIG_BYTES} bytes)")
    try:
        # non-blocking, and checked again once open: a file swapped for a FIFO after the
        # stat above must not hang the open or the read
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with open(descriptor, "rb") as handle:
            if not stat.S_ISREG(os.fstat(descriptor).st_mode):
                raise ConfigError(f"{path}: a config must be a regular file")
            data = handle.read(MAX_CONFIG_BYTES + 1)  # a file growing while read stops here
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path}: config file too large (over {MAX_CONFIG_BYTES} bytes)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start} cannot be decoded)") from None


def _kind(mode):
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


class _OverLimit(Exception):
    """Raised while composing: ``message`` at ``mark``."""

    def __init__(self, mark, message):
        super().__init__(message)
        self.mark, self.message = mark, message


class _BoundedLoader(yaml.SafeLoader):
    """The safe loader with the nesting depth and the number of nodes bounded while composing
    (PyYAML's composer recurses once per level, so 1000 levels would end in a RecursionError,
    and reading on through a long file would take seconds to refuse it afterwards)."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent, index):
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _OverLimit(self.peek_event().start_mark, f"nested deeper than {MAX_DEPTH} levels")
            if not self.check_event(yaml.AliasEvent):
                self._nodes += 1
                if self._nodes > MAX_VALUES:
                    raise _OverLimit(self.peek_event().start_mark, f"holds more than {MAX_VALUES} values")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def parse_yaml(text, source):
    """Parse YAML safely, once; return ``(data, {key path tuple: line number})``.

    ConfigError (naming ``source``, line and column where known) for invalid YAML,
    nesting deeper than ``MAX_DEPTH``, a recursive alias, more than ``MAX_VALUES``
    values with aliases expanded, or a key given twice in one mapping.
    """
    loader = None
    try:
        loader = _BoundedLoader(text)  # the reader refuses control characters here already
        node = loader.get_single_node()
        if node is not None:
            _check_size(node, source)
        data = loader.construct_document(node) if node is not None else None
    except _OverLimit as exc:
        raise ConfigError(f"{source}:{exc.mark.line + 1}: {exc.message}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        problem = exc.problem or exc.context or "invalid YAML"
        raise ConfigError(f"{where}: invalid YAML: {echo(problem)}") from None
    except yaml.reader.ReaderError as exc:
        code = ord(exc.character) if isinstance(exc.character, str) else exc.character
        raise ConfigError(f"{source}: invalid YAML: character #x{code:04x} at position "
                          f"{exc.position} is not allowed") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: invalid YAML: {echo(' '.join(str(exc).split()))}") from None
    finally:
        if loader is not None:
            loader.dispose()
    lines = {}
    if node is not None:
        _record_lines(node, (), lines, source)
    return data, lines


def parse_value(text, source):
    """One YAML value given on the command line (``--set``, ``--grid``), bounded as a config is."""
    if len(text) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{source}: value too long ({len(text)} characters; the limit is {MAX_CONFIG_BYTES})")
    try:
        return parse_yaml(text, source)[0]
    except ConfigError as exc:
        # `--set a.b:1:6: ...` reads as a key; say where in the value instead
        match = re.match(rf"{re.escape(source)}:(\d+)(?::(\d+))?: ", str(exc))
        if match is None:
            raise
        line, column = match.groups()
        place = [f"line {line}"] if "\n" in text.strip() else []
        place += [f"column {column}"] if column else []
        where = f"{source} ({', '.join(place)})" if place else source
        raise ConfigError(f"{where}: {str(exc)[match.end():]}") from None


def _check_size(root, source):
    """Refuse a document that expands to more than ``MAX_VALUES`` nodes, or refers to itself.

    Each distinct node is visited once: its expanded size is one plus its
    children's, remembered by identity, so a node reached through many aliases
    costs nothing more.
    """
    expanded = {}  # id(node) -> expanded size
    stack = [(root, False)]
    on_path = set()  # nodes being expanded: an alias back to one of them is a cycle
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            on_path.discard(key)
            expanded[key] = 1 + sum(expanded[id(child)] for child in _children(node))
            if expanded[key] > MAX_VALUES:
                raise ConfigError(f"{source}:{node.start_mark.line + 1}: expands to more than {MAX_VALUES} "
                                  "values (YAML aliases repeat what an anchor names; an alias bomb?)")
            continue
        if key in expanded:
            continue
        on_path.add(key)
        stack.append((node, True))
        for child in _children(node):
            if id(child) in on_path:
                raise ConfigError(f"{source}:{child.start_mark.line + 1}: a YAML alias refers to a value "
                                  "that contains it")
            if id(child) not in expanded:
                stack.append((child, False))


def _children(node):
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return node.value
    return ()


def _record_lines(node, path, lines, source):
    """Fill ``lines`` with the YAML line of every key path (bounded: ``_check_size`` ran)."""
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                raise ConfigError(f"{source}:{key_node.start_mark.line + 1}: duplicate key '{echo(key)}'")
            seen.add(key)
            _record_lines(value_node, path + (key,), lines, source)
            lines[path + (key,)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record_lines(item, path + (index,), lines, source)

"""Reading a run's text files back, whatever was put in their place.

A run directory can hold anything by the time it is read: a FIFO or ``/dev/zero``
where ``meta.json`` was, a directory named ``config.yaml``, a huge file, binary
garbage, JSON nested a million deep.  Every read here therefore

* opens the file without blocking and refuses anything but a regular file
  (a FIFO would wait for a writer forever, a device never ends);
* refuses a file over its size limit before reading it (``TEXT_LIMIT``, ``YAML_LIMIT``,
  ``METRICS_LIMIT``);
* bounds the nesting depth and the number of values of what it parses
  (``DEPTH_LIMIT``, ``VALUE_LIMIT``; YAML aliases count each time they are used),
  so that no later walk over the value recurses too deep or expands a bomb;
* admits only the plain values nncli writes (mappings with text keys, lists,
  text, numbers, booleans, null);

and fails as one ``RunError`` line naming the file.  Stdlib only (``nncli runs``
must start fast).
"""

import json
import os
import re
import stat

from ..errors import RunError, echo

#: bytes of a run's meta.json or summary.json: far above what nncli writes (a few
#: kilobytes), far below what could take time or memory to parse
TEXT_LIMIT = 1 << 20
#: bytes of a run's config.yaml: what a config file may hold (config.yaml_text.MAX_CONFIG_BYTES,
#: not imported: that would load pydantic into `nncli runs`), so a run that trained can be read
YAML_LIMIT = 256 << 10
#: bytes of a run's metrics.csv (a row is about 200 bytes: over a million epochs)
METRICS_LIMIT = 256 << 20
#: nesting depth of a JSON or YAML value (nncli writes at most 4)
DEPTH_LIMIT = 32
#: values in one parsed file, a YAML alias counted each time it is used
VALUE_LIMIT = 100_000

_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def open_regular(path, limit=None):
    """``path`` opened for binary reading, if it is a regular file of at most ``limit`` bytes.

    Opened with O_NONBLOCK and checked with fstat on the open descriptor, so that
    a FIFO, a device or a directory in its place is refused at once (and a swap
    between a check and the open cannot slip one in).  RunError otherwise.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(path, flags)
    except FileNotFoundError:
        raise RunError(f"{path} is missing") from None
    except OSError as exc:
        raise RunError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            kind = next((name for test, name in _KINDS if test(status.st_mode)), "not a regular file")
            raise RunError(f"{path} is {kind}, not a file")
        if limit is not None and status.st_size > limit:
            raise RunError(f"{path} is {status.st_size} bytes, over the {limit}-byte limit for this run file")
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def file_problem(path):
    """Why ``path`` is not a readable regular file ("... is missing", "... is a FIFO, ..."), or None."""
    try:
        open_regular(path).close()
    except RunError as exc:
        return str(exc)
    return None


def read_bytes(path, limit):
    """The bytes of a regular file of at most ``limit`` bytes (RunError otherwise)."""
    with open_regular(path, limit) as handle:
        try:
            data = handle.read(limit + 1)
        except OSError as exc:
            raise RunError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(data) > limit:  # it grew after the check
        raise RunError(f"{path} is over the {limit}-byte limit for this run file")
    return data


def read_text(path, limit=TEXT_LIMIT):
    """The UTF-8 text of a regular file of at most ``limit`` bytes (RunError otherwise)."""
    try:
        return read_bytes(path, limit).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RunError(f"{path} is not UTF-8 text (byte {exc.start})") from None


def read_json(path, limit=TEXT_LIMIT):
    """Parsed JSON of ``path``, bounded as the module says; RunError naming the file otherwise."""
    return parse_json(read_text(path, limit), str(path))


def read_json_object(path, limit=TEXT_LIMIT):
    """``read_json`` of a file that must hold a JSON object (meta.json, summary.json): a dict."""
    value = read_json(path, limit)
    if not isinstance(value, dict):
        raise RunError(f"{path} is not a JSON object")
    return value


def parse_json(text, source):
    """Parsed JSON ``text`` (from ``source``, named in errors), bounded in depth and values."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise RunError(f"{source} is nested deeper than {DEPTH_LIMIT} levels") from None
    except ValueError as exc:  # JSONDecodeError, or an integer of more digits than Python converts
        where = f" (line {exc.lineno}, column {exc.colno})" if hasattr(exc, "lineno") else ""
        raise RunError(f"{source} is not valid JSON{where}") from None
    check_plain(value, source)
    return value


def read_yaml(path, limit=YAML_LIMIT, values=VALUE_LIMIT):
    """Parsed YAML of ``path`` (safe loader), bounded as the module says; RunError otherwise.

    ``limit`` and ``values`` are for files larger by nature than a run's config.yaml
    (a sweep's sweep.yaml lists every trial).
    """
    return parse_yaml(read_text(path, limit), str(path), values)


def parse_yaml(text, source, values=VALUE_LIMIT):
    """Parsed YAML ``text`` (safe loader; from ``source``, named in errors), bounded in depth and values."""
    import yaml

    # Nesting is bounded before parsing: libyaml's composer recurses in C (a million "["
    # could overflow the stack) and pure-Python PyYAML takes seconds to fail on them.
    if _flow_depth(text) > DEPTH_LIMIT or _indicators_on_a_line(text) > DEPTH_LIMIT:
        raise RunError(f"{source} is nested deeper than {DEPTH_LIMIT} levels")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: 50 times faster than pure Python
    try:
        value = yaml.load(text, Loader=loader)  # noqa: S506 (both loaders are the safe one)
    except RecursionError:
        raise RunError(f"{source} is nested deeper than {DEPTH_LIMIT} levels") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        raise RunError(f"{source} is not valid YAML{where}") from None
    except (ValueError, TypeError, OverflowError):  # a scalar the constructor cannot make (a date out of range)
        raise RunError(f"{source} holds a value that cannot be read") from None
    check_plain(value, source, values)
    return value


_QUOTED = re.compile(r"'[^']*'|\"(?:[^\"\\]|\\.)*\"")
_BRACKETS = re.compile(r"[\[\]{}]")
_BLOCK_INDICATOR = re.compile(r"(?:^|[ \t])[-?](?=[ \t]|$)")


def _flow_depth(text):
    """The deepest nesting of YAML flow brackets in ``text``, quoted text left out (an
    estimate that can only err high, from brackets in comments: no config has 32)."""
    depth = deepest = 0
    for match in _BRACKETS.finditer(_QUOTED.sub("", text)):
        depth += 1 if match.group() in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _indicators_on_a_line(text):
    """The most YAML block indicators (``- ``, ``? ``) on one line: each can open a level
    (``- - - x``).  Levels opened by indentation cost a line and a growing indent each, so
    a file within YAML_LIMIT holds at most a few hundred of those."""
    return max((len(_BLOCK_INDICATOR.findall(line)) for line in text.splitlines()), default=0)


def check_plain(value, source, values=VALUE_LIMIT):
    """RunError unless ``value`` is plain data within ``DEPTH_LIMIT`` and ``values`` values.

    Plain: mappings with text keys, lists, text, numbers, booleans and null (what
    JSON holds; YAML may also make dates, sets and bytes, which nncli never writes).
    The walk is iterative and counts a value each time it is reached, so a YAML
    alias bomb (shared lists referring to each other) stops at the limit.
    """
    pending = [(value, 1, "")]
    seen = 0
    while pending:
        item, depth, where = pending.pop()
        seen += 1
        if seen > values:
            raise RunError(f"{source} holds more than {values} values")
        if depth > DEPTH_LIMIT:
            raise RunError(f"{source} is nested deeper than {DEPTH_LIMIT} levels (at {echo(where)})")
        if isinstance(item, dict):
            for key, inner in item.items():
                if not isinstance(key, str):
                    raise RunError(f"{source} has a key that is not text ({echo(key)} in {echo(where) or 'top'})")
                pending.append((inner, depth + 1, f"{where}.{key}" if where else key))
        elif isinstance(item, list):
            pending.extend((inner, depth + 1, f"{where}[{i}]") for i, inner in enumerate(item))
        elif not (item is None or isinstance(item, (str, int, float))):
            raise RunError(f"{source} holds a {type(item).__name__} at {echo(where) or 'top'}, "
                           "which nncli never writes")

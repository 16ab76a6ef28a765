"""``nncli runs --filter KEY<OP>VALUE``: keep the runs whose KEY compares so with VALUE.

OP is one of ``=`` (or ``==``), ``!=``, ``<``, ``<=``, ``>``, ``>=``.  KEY is a
config key (``training.lr``), a summary key (``val_loss``, ``best_epoch``),
``status`` or ``name`` (the config's name or the run directory's).  For ``=``
and ``!=`` VALUE is read as YAML, so ``model.hidden=[16,16]`` works; the
ordered comparisons compare numbers as numbers and refuse anything else.
"""

import math
import operator
import re
from dataclasses import dataclass

import yaml

from ..errors import UsageError, echo
from .rows import ABSENT, is_number, value_of

ORDERED = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
# two-character operators first, so "<=" is not read as "<" and a value "=..."
_FILTER = re.compile(r"^\s*([^\s<>=!]+)\s*(<=|>=|==|!=|=|<|>)\s*(.*?)\s*$", re.DOTALL)


@dataclass
class Filter:
    key: str
    op: str
    text: str  # the VALUE as written
    wanted: object  # VALUE read as YAML (equality) or as a float (ordered comparisons)

    def keep(self, rows):
        """The rows that pass; raises UsageError for a run whose value is not a number for an ordered OP."""
        if self.op in ORDERED:
            return [row for row in rows if self._compare(row)]
        equal = [self._equals(row) for row in rows]
        return [row for row, same in zip(rows, equal) if same == (self.op in ("=", "=="))]

    def _values(self, row):
        if self.key == "name":  # the run's name as the config gives it, or its directory's name
            return [row["config"].get("name", ABSENT), row["name"]]
        return [value_of(row, self.key)]

    def _equals(self, row):
        return any(_matches(value, self.wanted, self.text) for value in self._values(row))

    def _compare(self, row):
        value = self._values(row)[-1]
        if value is ABSENT or value is None:
            return False  # a run without the key (a metric of an unfinished run) is not kept
        number = _number(value)
        if number is None and row["problem"]:
            return False  # a broken run's values are not what nncli wrote: not kept, not the user's mistake
        if number is None:
            raise UsageError(f"--filter {echo(self.key)}{self.op}{echo(self.text)}: {echo(self.key)} of run "
                             f"{echo(row['name'])} is {echo(repr(value))}, not a number; "
                             f"'{self.op}' compares numbers only")
        return ORDERED[self.op](number, self.wanted)


def parse_filter(text):
    """``"training.lr<=0.01"`` -> Filter; a one-line usage error for anything malformed."""
    found = _FILTER.match(text)
    if not found:
        raise UsageError(f"--filter needs KEY<OP>VALUE with OP one of =, !=, <, <=, >, >= "
                         f"(e.g. training.optimizer=adam or val_loss<0.3), got '{echo(text)}'")
    key, op, value_text = found.groups()
    if op in ORDERED:
        wanted = _number(value_text)
        if wanted is None:
            raise UsageError(f"--filter {echo(text)}: '{op}' compares numbers and '{echo(value_text)}' is not a number")
        return Filter(key, op, value_text, wanted)
    try:
        wanted = yaml.safe_load(value_text) if value_text else None
    except yaml.YAMLError:
        wanted = value_text
    return Filter(key, op, value_text, wanted)


def _number(value):
    """A float for a number or a text that is one (YAML reads 1e-3 as text); None otherwise."""
    if is_number(value):
        try:
            return float(value)
        except OverflowError:  # an integer beyond any float
            return math.inf if value > 0 else -math.inf
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _matches(value, wanted, text):
    if value is ABSENT:
        return False
    if value == wanted or str(value) == text:
        return True
    try:  # numbers written differently: 1e-3 (a string to YAML) and 0.001
        return float(value) == float(text)
    except (TypeError, ValueError, OverflowError):
        return False

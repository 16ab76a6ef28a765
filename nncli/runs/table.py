"""The ``nncli runs`` table on a terminal, fitted to its width.

When the table is too wide, it gives up, in this order: the whole run name
(shortened in the middle with an ellipsis, keeping the random suffix that makes
it unique), the start time, the metrics from the last but one (the sort column,
or else the first metric, stays), the varying config keys from the last, and
that last metric; a line on stderr names what was left out (``--csv`` and
``--json`` always have everything).
"""

import math
import sys
from dataclasses import dataclass, field

from .groups import statuses_text

ELLIPSIS = "…"
#: columns named in the line saying which were left out (the line stays short)
NAMED_LEFT_OUT = 12


@dataclass
class Column:
    header: str
    cells: list
    role: str = "fixed"  # name, started, param, metric, problem, or fixed (never left out)
    numeric: bool = False
    full: list = field(default_factory=list)  # the name column's whole names

    def __post_init__(self):
        # a run's names and values are whatever is on disk: escape what a terminal would obey
        self.header = printable(self.header)
        self.cells = [printable(cell) for cell in self.cells]

    @property
    def width(self):
        """Characters it takes in a rich table: the widest cell or header, padding and rule."""
        return max([len(self.header)] + [len(cell) for cell in self.cells]) + 3


def render_runs(listing, console):
    """The runs of a Listing as a table on ``console``; returns the headers left out to fit."""
    rows = listing.rows
    columns = [Column("name", [row["name"] for row in rows], "name"),
               Column("status", [row["status"] for row in rows]),
               Column("started", [(row["started_at"] or "").replace("T", " ")[:19] for row in rows], "started"),
               Column("epochs", [_cell(row["summary"].get("epochs_run")) for row in rows], numeric=True)]
    columns += [Column(key, [_cell(row["config"].get(key)) for row in rows], "param") for key in listing.params]
    columns += [Column(key, [_cell(row["summary"].get(key)) for row in rows], "metric", numeric=True)
                for key in listing.metrics]
    if any(row["problem"] for row in rows):
        columns.append(Column("problem", [row["problem"] or "" for row in rows], "problem"))
    return _print(columns, console, listing.sort)


def render_groups(records, keys, metrics, console, sort=None):
    """Group records (see nncli.runs.groups) as a table: keys, n, statuses, mean ± std of ``metrics``."""
    columns = [Column(key, [_cell(record[key]) for record in records]) for key in keys]
    columns += [Column("n", [str(record["n"]) for record in records], numeric=True),
                Column("statuses", [statuses_text(record["statuses"]) for record in records])]
    columns += [Column(key, [_spread(record[f"{key}_mean"], record[f"{key}_std"]) for record in records],
                       "metric", numeric=True) for key in metrics]
    return _print(columns, console, sort)


def printable(text):
    """``text`` with control characters (escape sequences, line breaks) written as escapes."""
    return text if text.isprintable() else "".join(
        c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def _print(columns, console, sort):
    from rich.table import Table
    from rich.text import Text

    columns, left_out = fit(columns, console.width, keep=sort)
    table = Table()
    for column in columns:  # Text, not markup: a value such as "[/red]" is shown as it is
        table.add_column(Text(column.header), justify="right" if column.numeric else "left",
                         no_wrap=column.role != "problem")
    for line in zip(*(column.cells for column in columns)):
        table.add_row(*(Text(cell) for cell in line))
    console.print(table)
    if left_out:
        plural = "s" if len(left_out) > 1 else ""
        named = ", ".join(left_out[:NAMED_LEFT_OUT]) + (f" and {len(left_out) - NAMED_LEFT_OUT} more"
                                                        if len(left_out) > NAMED_LEFT_OUT else "")
        print(f"{len(left_out)} column{plural} left out to fit {console.width} characters: {printable(named)} "
              "(widen the terminal, or use --csv or --json)", file=sys.stderr)
    return left_out


def fit(columns, width, keep=None):
    """The columns that fit ``width`` characters (the name column shortened), and the headers left out.

    Columns are left out in a fixed order (see the module) until the rest fits; as
    leaving out more never makes the table wider, the number to leave out is found by
    bisection, so thousands of columns (a run with a hostile config) cost no more
    than a few fittings.
    """
    name = next((column for column in columns if column.role == "name"), None)
    shortest = 0
    if name is not None:
        name.full = list(name.cells)
        shortest = _shortest_unique(name.full, len(name.header))
    widths = {id(column): column.width for column in columns if column is not name}  # fixed: only the name shrinks

    # the metric kept longest: the sort column, else the first (a validation metric when there is one)
    metrics = [c for c in columns if c.role == "metric"]
    last = next((c for c in metrics if c.header == keep), metrics[0] if metrics else None)
    droppable = ([c for c in columns if c.role == "started"] + [c for c in metrics if c is not last][::-1]
                 + [c for c in columns if c.role == "param"][::-1] + ([last] if last else []))
    total = sum(widths.values())
    dropped_widths = [0]
    for column in droppable:
        dropped_widths.append(dropped_widths[-1] + widths[id(column)])

    def fits(count):
        """Whether the table fits with the first ``count`` droppable columns left out (shortens the name)."""
        others = total - dropped_widths[count]
        if name is None:
            return 1 + others <= width
        # the name takes what the others leave, down to its shortest unique width
        _shorten_column(name, max(width - 1 - others - 3, shortest))
        return 1 + others + name.width <= width

    low, high = 0, len(droppable)  # the fewest columns to leave out: fits(high), or nothing fits
    while low < high:
        middle = (low + high) // 2
        if fits(middle):
            high = middle
        else:
            low = middle + 1
    fits(low)  # the name shortened for the columns kept
    dropped = {id(column) for column in droppable[:low]}
    left_out = [column.header for column in droppable[:low][::-1] if column.role != "started"]
    return [column for column in columns if id(column) not in dropped], left_out


def _shorten_column(column, width):
    column.cells = [shorten(text, width) for text in column.full]


def shorten(name, width):
    """``name`` in at most ``width`` characters: its start, an ellipsis, and its unique suffix.

    ``circles-20261121-235147-7dbc`` at 14 -> ``circles-…-7dbc``: the suffix after the last
    ``-`` (a run directory's random hex) is kept whole while there is room for it.
    """
    if len(name) <= width:
        return name
    base = name.rsplit("/", 1)[-1]
    tail = base[base.rfind("-"):] if "-" in base else base[-4:]
    tail = tail[-max(width - 1, 1):]
    return name[:max(width - 1 - len(tail), 0)] + ELLIPSIS + tail


def _shortest_unique(names, least):
    """The smallest width at which the shortened names are still all different (and readable)."""
    longest = max((len(name) for name in names), default=least)
    distinct = len(set(names))
    for width in range(min(max(least, 10), longest), longest + 1):
        if len({shorten(name, width) for name in names}) == distinct:
            return width
    return longest


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.4g}"
    if isinstance(value, (list, dict)):
        return str(value).replace("'", "")
    return str(value)


def _spread(mean, std):
    """``0.9712 ± 0.0041``; ``0.9712 ± —`` for a single run, whose spread is unknown."""
    if mean is None:
        return ""
    return f"{_cell(mean)} ± {'—' if std is None else f'{std:.2g}'}"

"""``nncli runs``: one row per run directory under a root, for comparing sweeps.

Every run brings its whole config (flattened to dotted keys) and its whole
``summary.json`` (epochs run, best epoch, train seconds, the final
train/val/test metrics).  Reading runs is in :mod:`nncli.runs.rows`, filtering
in :mod:`nncli.runs.filters`, aggregation over groups in :mod:`nncli.runs.groups`,
the table in :mod:`nncli.runs.table`.
"""

import difflib
import json
import math
from dataclasses import dataclass
from pathlib import Path

from ..csv_text import csv_text as write_csv_text
from ..errors import UsageError, echo
from ..metric_names import HIGHER_IS_BETTER  # (NumPy-free: `nncli runs` must start fast)
from .filters import parse_filter
from .rows import (
    ABSENT,
    BASE_COLUMNS,
    canonical,
    find_runs,
    is_number,
    read_run,
    union_keys,
    value_of,
    varying_keys,
)

#: what summary.json reports per split (test_auc, val_loss, ...)
METRIC_NAMES = ("loss", "auc", "accuracy", "mse", "mae", "r2")
SPLITS = ("train", "val", "test")


@dataclass
class Listing:
    """The runs under a root, filtered and sorted, and the columns that describe them.

    ``config_keys``, ``summary_keys`` and ``numeric_keys`` (the summary keys with a
    number in some run) are those of every run under the root, whatever the filters
    keep, so --csv and --json columns depend on the root only; ``params`` are the
    config keys that vary between the kept rows.
    """

    rows: list
    config_keys: list
    summary_keys: list
    numeric_keys: list
    params: list
    sort: str = None
    known: list = ()  # every key some run under the root has (empty when there is no run)

    @property
    def columns(self):
        """The columns of --csv and --json: base columns, config keys, summary keys, problem."""
        return list(BASE_COLUMNS) + self.config_keys + self.summary_keys + ["problem"]

    @property
    def metrics(self):
        """The summary keys the table shows: validation and test metrics, and the sort key first."""
        shown = [k for k in self.numeric_keys if k.split("_", 1)[0] in ("val", "test")
                 and any(is_number(row["summary"].get(k)) for row in self.rows)]
        if self.sort in self.numeric_keys and self.sort not in shown and self.sort != "epochs_run":
            shown.insert(0, self.sort)
        return shown


def list_runs(root="runs", sort=None, filters=(), reverse=False):
    """The runs under ``root``, filtered and sorted.

    Parameters
    ----------
    sort : str, optional
        A summary key (``test_auc``, ``val_loss``, ``best_epoch``, ``train_seconds``,
        or just ``auc`` for the test AUC), ``name``, ``status``, ``started_at`` or a
        config key.  AUC, accuracy and R^2 sort descending, everything else
        ascending (``reverse`` turns either round); missing values last.
    filters : sequence of str
        ``KEY<OP>VALUE`` with OP one of ``= != < <= > >=`` (see :mod:`nncli.runs.filters`).

    Returns
    -------
    Listing
    """
    root = Path(root)
    rows = [read_run(path, root) for path in find_runs(root)]
    rows.sort(key=lambda row: (row["started_at"] or "", row["name"]))
    config_keys = [k for k in union_keys(row["config"] for row in rows) if k != "name"]
    summary_keys = union_keys([{"epochs_run": None}] + [row["summary"] for row in rows])
    known = list(BASE_COLUMNS) + summary_keys + config_keys
    kept = rows
    for text in filters:
        keep = parse_filter(text)
        check_key("filter", keep.key, known, rows)
        kept = keep.keep(kept)
    sort = sort_key(sort, known, rows)
    if sort is not None:
        kept = sort_rows(kept, sort, lambda row: value_of(row, sort), reverse)
    numeric_keys = [k for k in summary_keys if any(is_number(row["summary"].get(k)) for row in rows)]
    return Listing(kept, config_keys, summary_keys, numeric_keys, varying_keys(kept), sort, known if rows else [])


def sort_key(key, known, rows):
    """The full name of a --sort key (``auc`` is ``test_auc``); a usage error for an unknown one."""
    if key is None:
        return None
    if key in METRIC_NAMES:
        key = f"test_{key}"  # --sort auc means the test AUC
    split, _, metric = key.partition("_")
    if not (split in SPLITS and metric in METRIC_NAMES):  # a metric no run has yet still sorts
        check_key("sort", key, known, rows)
    return key


def check_key(option, key, known, rows=True):
    """Raise a usage error naming the closest key when no run under the root has ``key``."""
    if key in known or not rows or not known:
        return
    candidates = known + [f"{split}_{name}" for split in SPLITS for name in METRIC_NAMES]
    close = difflib.get_close_matches(key, candidates, n=1, cutoff=0.6)
    hint = f" (did you mean '{echo(close[0])}'?)" if close else ""
    raise UsageError(f"--{option} {echo(key)}: no listed run has this key{hint}")


def higher_is_better(key):
    """True for keys whose larger values are better (AUC, accuracy, R^2, and their means)."""
    key = key[: -len("_mean")] if key.endswith("_mean") else key
    return key.rsplit("_", 1)[-1] in HIGHER_IS_BETTER


def sort_rows(rows, key, value, reverse=False):
    """``rows`` sorted by ``value(row)``, best first for ``key`` (flipped by ``reverse``); missing last."""
    descending = higher_is_better(key) != reverse

    def missing(item):
        return item is ABSENT or item is None or (isinstance(item, float) and math.isnan(item))

    present = [row for row in rows if not missing(value(row))]
    absent = [row for row in rows if missing(value(row))]
    try:
        present.sort(key=value, reverse=descending)
    except TypeError:  # mixed types (e.g. lists and numbers): compare their text
        present.sort(key=lambda row: canonical(value(row)), reverse=descending)
    return present + absent


def as_records(listing):
    """One flat object per run for --json, with exactly ``listing.columns`` as keys (None where absent)."""
    records = []
    for row in listing.rows:
        record = {key: row[key] for key in BASE_COLUMNS}
        record.update({key: row["config"].get(key) for key in listing.config_keys})
        record.update({key: row["summary"].get(key) for key in listing.summary_keys})
        record["problem"] = row["problem"]
        records.append(record)
    return records


def csv_cell(value):
    """A value as CSV text: numbers exactly, lists as YAML-like flow text, None empty."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value).replace('"', "")
    return str(value)


def csv_text(records, columns):
    """Records (mappings) as CSV text with ``columns`` as the header."""
    return write_csv_text(columns, ([csv_cell(record.get(key)) for key in columns] for record in records))

"""``nncli runs --group-by KEY``: one row per group of runs, with n, statuses and mean ± std.

A group is the runs whose KEYs (config keys such as ``training.lr``, or ``name``,
the config's name) have the same values.  Each summary key with numbers gets
its mean and sample standard deviation (n - 1 in the denominator; None for a
single value) over the group's runs that have it (finished runs: a diverged or
crashed run counts in ``n`` and the statuses, not in the means).
"""

import statistics
from collections import Counter

from ..errors import UsageError, echo
from .listing import check_key, sort_rows
from .rows import ABSENT, canonical, is_number, value_of


def group_value(row, key):
    """A row's value of a --group-by key (None when it has none); ``name`` is the config's name."""
    if key == "name":
        value = row["config"].get("name", ABSENT)
        value = row["name"] if value is ABSENT else value
    else:
        value = value_of(row, key)
    return None if value is ABSENT else value


def group_rows(rows, keys, numeric_keys):
    """Groups of ``rows`` by the values of ``keys``, in order of first appearance.

    Returns
    -------
    list of dict
        One record per group: each key's value, ``n``, ``statuses`` (a Counter,
        most common first), then ``<k>_mean`` and ``<k>_std`` for each of ``numeric_keys``.
    """
    groups = {}
    for row in rows:
        values = tuple(group_value(row, key) for key in keys)
        groups.setdefault(_hashable(values), (values, []))[1].append(row)
    records = []
    for values, members in groups.values():
        record = dict(zip(keys, values))
        record["n"] = len(members)
        record["statuses"] = dict(Counter(row["status"] for row in members).most_common())
        for key in numeric_keys:
            numbers = [row["summary"][key] for row in members if is_number(row["summary"].get(key))]
            record[f"{key}_mean"], record[f"{key}_std"] = _mean_std(numbers)
        records.append(record)
    return records


def _mean_std(numbers):
    """(mean, sample std) of ``numbers``: None for a mean of none, a std of one, or numbers
    at the edge of the float range (their sum overflows; nncli never writes such)."""
    try:
        return (statistics.fmean(numbers) if numbers else None,
                statistics.stdev(numbers) if len(numbers) > 1 else None)
    except (OverflowError, ValueError, AttributeError):  # AttributeError: stdev of an infinity
        return None, None


def group_columns(keys, numeric_keys):
    """The columns of --csv and --json with --group-by: the keys, n, statuses, mean and std of each."""
    return list(keys) + ["n", "statuses"] + [f"{key}_{stat}" for key in numeric_keys for stat in ("mean", "std")]


def statuses_text(statuses):
    """``{"completed": 3, "diverged": 1}`` -> ``"3 completed, 1 diverged"``."""
    return ", ".join(f"{count} {status}" for status, count in statuses.items())


def _hashable(values):
    return tuple(canonical(value) for value in values)


def grouped(listing, keys, reverse=False):
    """The group records of a Listing (see :func:`group_rows`), sorted, and their columns.

    Sorted by ``listing.sort`` when given (a metric by its mean, best first), else by the
    key values (numbers in numeric order, runs without a value last).
    """
    for key in keys:
        if key != "name":
            check_key("group-by", key, listing.known)
    sort = listing.sort
    if sort is not None and sort not in keys and sort not in listing.numeric_keys:
        raise UsageError(f"--sort {echo(sort)} with --group-by: sort by a group key ({', '.join(keys)}) or a metric")
    records = group_rows(listing.rows, keys, listing.numeric_keys)
    if sort in keys:
        records = sort_rows(records, sort, lambda record: record[sort], reverse)
    elif sort is not None:
        records = sort_rows(records, sort, lambda record: record.get(f"{sort}_mean"), reverse)
    else:
        records.sort(key=lambda record: [_order(record[key]) for key in keys], reverse=reverse)
    return records, group_columns(keys, listing.numeric_keys)


def _order(value):
    if is_number(value):
        return (0, value, "")
    return (1, 0, canonical(value)) if value is not None else (2, 0, "")

"""Random train / test splits of row indices, as scikit-learn's ``train_test_split``.

``split_indices(index, size, seed, stratify)`` returns what
``train_test_split(index, test_size=size, random_state=seed, stratify=stratify)``
returns: the same sizes, and the same random draws in the same order on
``np.random.RandomState(seed)``, so the same indices in the same order
(tests/test_sklearn_compat.py checks them).  Doing it here keeps scikit-learn's
import, half a second, off the training path.
"""

import math
import numbers

import numpy as np

from ..errors import DataError, echo


def split_indices(index, size, seed, stratify=None, part="test", class_names=None):
    """Split ``index`` at random into the rows kept and the rows split off.

    Parameters
    ----------
    index : ndarray (N,)
        The rows to split (any values: they are only picked from).
    size : float or int
        The part split off: a fraction in (0, 1) of N, rounded up, or a count of rows.
    seed : int
        ``random_state``.
    stratify : ndarray (N,) or None
        Class labels: each class is split in the same proportion (as near as
        whole rows allow). None for a plain random split.
    part : str
        Name of the part split off ("test", "val"), for error messages; its
        size is the config's ``{part}_size``.
    class_names : ndarray (K,) or None
        When ``stratify`` holds codes 0..K-1, the labels they stand for, to
        name classes in error messages.

    Returns
    -------
    kept : ndarray (N - n,)
        ``index`` values left for training, in random order.
    split_off : ndarray (n,)
        ``index`` values of the part split off, in random order.

    Raises
    ------
    DataError
        When ``size`` leaves no training rows, or a stratified split cannot
        give each part every class (a class with a single row, fewer rows in a
        part than there are classes).
    """
    n_kept, n_off = split_sizes(len(index), size, part)
    rng = np.random.RandomState(seed)
    if stratify is None:
        order = rng.permutation(len(index))
        kept, off = order[n_off:], order[:n_off]
    else:
        kept, off = _stratified(np.asarray(stratify), n_kept, n_off, rng, part, class_names)
    return index[kept], index[off]


def split_sizes(n_rows, size, part="test"):
    """(rows kept, rows split off) of ``n_rows`` for ``size``, a fraction or a count.

    A fraction is rounded up, so the part split off is never empty.
    """
    if isinstance(size, numbers.Integral):
        if not 0 < size < n_rows:
            _fail(f"{part}_size={size} must be at least 1 row and fewer than the {n_rows} rows there are")
        n_off = int(size)
    elif isinstance(size, numbers.Real) and 0 < size < 1:
        n_off = math.ceil(size * n_rows)
    else:
        _fail(f"{part}_size must be a fraction in (0, 1) or a whole number of rows, not {size!r}")
    if n_off >= n_rows:
        _fail(f"{part}_size={size} of {_rows(n_rows)} leaves no rows to train on "
              f"({n_off} go to {part}, rounded up); lower {part}_size or add rows")
    return n_rows - n_off, n_off


def _stratified(labels, n_kept, n_off, rng, part, class_names):
    """Row positions (kept, split off) taking each class in proportion.

    Parameters
    ----------
    labels : ndarray (N,)
    n_kept, n_off : int
        Sizes of the two parts; they add up to N.
    rng : np.random.RandomState

    Returns
    -------
    kept : ndarray (n_kept,) int64
    split_off : ndarray (n_off,) int64
    """
    classes, codes, counts = np.unique(labels, return_inverse=True, return_counts=True)
    names = classes if class_names is None else np.asarray(class_names)[classes]
    if counts.min() < 2:
        single = names[counts < 2].tolist()
        shown = ", ".join(f"'{echo(str(name))}'" for name in single[:5])
        shown += f" and {len(single) - 5} more" if single[5:] else ""
        which = f"class {shown} has" if len(single) == 1 else f"classes {shown} have"
        _fail(f"a stratified split needs at least 2 rows of each class, and among the {len(labels)} rows "
              f"to split into train and {part}, {which} only 1")
    for n, what, knob in ((n_kept, "train", "lower"), (n_off, part, "raise")):
        if n < len(classes):
            _fail(f"a {what} part of {_rows(n)} cannot hold one row of each of the {len(classes)} "
                  f"classes; {knob} {part}_size or add rows")

    # each class's row positions, in order; then the class sizes of each part
    members = np.split(np.argsort(codes, kind="stable"), np.cumsum(counts)[:-1])
    kept_per_class = _apportion(counts, n_kept, rng)
    off_per_class = _apportion(counts - kept_per_class, n_off, rng)
    kept, off = [], []
    for rows, n_k, n_o in zip(members, kept_per_class, off_per_class):
        rows = rows[rng.permutation(len(rows))]
        kept.append(rows[:n_k])
        off.append(rows[n_k : n_k + n_o])
    # shuffle each part, so that its rows are not grouped by class
    return rng.permutation(np.concatenate(kept)), rng.permutation(np.concatenate(off))


def _apportion(counts, n_draws, rng):
    """Share ``n_draws`` rows among classes in proportion to ``counts`` (K,).

    Each class gets the whole part of its share; the rows still missing go to
    the classes with the largest fractional parts, one each, and among equal
    fractional parts to classes drawn at random (so ties favour no class).
    This is scikit-learn's ``_approximate_mode``: same shares, same draws.

    Returns
    -------
    ndarray (K,) int64, summing to ``n_draws``.
    """
    share = counts / counts.sum() * n_draws
    whole = np.floor(share)
    missing = int(n_draws - whole.sum())
    fraction = share - whole
    for value in np.unique(fraction)[::-1]:  # largest fractional part first
        if missing == 0:
            break
        tied = np.flatnonzero(fraction == value)
        chosen = rng.choice(tied, size=min(len(tied), missing), replace=False)
        whole[chosen] += 1
        missing -= len(chosen)
    return whole.astype(np.int64)


def _rows(n):
    return "1 row" if n == 1 else f"{n} rows"


def _fail(message):
    raise DataError(f"cannot split the data: {message}")

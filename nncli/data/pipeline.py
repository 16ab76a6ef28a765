"""From a data config to train / val / test splits and the fitted input scaling.

One place for the steps every dataset shares, so that ``train``, ``data``,
``evaluate`` and ``predict`` all see exactly the same arrays for a given seed.
"""

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..errors import DataError, echo
from . import cache
from .registry import DATASETS, FILE_KEYS
from .split import split_indices


@dataclass
class Split:
    """One split. ``X`` (N, F) raw features; ``y`` (N,) class indices 0..K-1 or
    (N,)/(N, T) regression targets; ``groups`` optional per-sample labels."""

    X: np.ndarray
    y: np.ndarray
    groups: Optional[np.ndarray] = None

    def __len__(self):
        return len(self.X)


@dataclass
class Dataset:
    """Splits plus everything needed to turn raw rows into network inputs."""

    train: Split
    val: Optional[Split]
    test: Split
    feature_names: list
    target_names: list
    task: str
    input_shape: tuple
    classes: Optional[np.ndarray]
    mean: np.ndarray
    scale: np.ndarray

    @property
    def n_classes(self):
        return 0 if self.classes is None else len(self.classes)

    def split(self, name):
        part = getattr(self, name)
        if part is None:
            raise DataError(f"this config has no {name} split (set data.val_size > 0)")
        return part

    def inputs(self, X, dtype):
        """Scale raw rows and shape them for the network: (N, F) -> (N, *input_shape)."""
        return scale_inputs(X, self.mean, self.scale, self.input_shape, dtype)

    def labels(self, y):
        """Class indices -> the labels as they appeared in the data."""
        return self.classes[y]


def scale_inputs(X, mean, scale, input_shape, dtype, chunk_rows=8192):
    """``(X - mean) / scale`` in ``dtype``, reshaped to ``(N, *input_shape)``.

    Computed in float64 a chunk of rows at a time, so that a large table never
    has a whole float64 copy beside it (the values are the same).
    """
    X = np.asarray(X)
    shape = (len(X),) + tuple(input_shape)
    if X.dtype == dtype and X.flags.c_contiguous and not np.any(mean) and np.all(scale == 1):
        return X.reshape(shape)  # no scaling to do: the rows as they are (a view)
    out = np.empty(shape, dtype=dtype)
    rows = out.reshape(len(X), -1)
    for start in range(0, len(X), chunk_rows):
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            part = np.asarray(X[start : start + chunk_rows], dtype=np.float64) - mean
            part /= scale
            rows[start : start + len(part)] = part
        if not np.isfinite(rows[start : start + len(part)]).all():
            # finite raw values that overflow once scaled: a value far beyond the training data,
            # or a tampered preprocess.npz (a huge mean, a tiny scale); NaN would follow silently
            bad = start + int(np.flatnonzero(~np.isfinite(rows[start : start + len(part)]).all(axis=1))[0])
            raise DataError(f"row {bad + 1} of the data overflows the {np.dtype(dtype).name} range once scaled "
                            "as in training ((x - mean) / scale); check its values (or the run's preprocess.npz)")
    return out


def streams(seed):
    """Independent integer seeds for splitting, init, shuffling and dropout, from one seed."""
    names = ("split", "val_split", "init", "shuffle", "dropout")
    children = np.random.SeedSequence(seed).spawn(len(names))
    # 31 bits: accepted as random_state by every scikit-learn function
    return {name: int(child.generate_state(1)[0] >> 1) for name, child in zip(names, children)}


def data_seed(data_config, seed):
    """The seed of the data and its split: ``data.seed``, or the config's ``seed`` when it is null."""
    return seed if data_config.seed is None else data_config.seed


def load_dataset(data_config, seed):
    """Generate or read the data, split it and fit the scaling on train.

    Parameters
    ----------
    data_config : schema.DataConfig
    seed : int
        The config's seed, used when ``data.seed`` is null; data generation uses
        that seed itself so that ``seed: 0`` gives scikit-learn's ``random_state=0`` data.
    """
    seed = data_seed(data_config, seed)
    kept = cache.lookup(data_config, seed)
    if kept is not None:
        return kept
    spec = DATASETS[data_config.dataset]
    file_keys = {key: getattr(data_config, key) for key in FILE_KEYS} if spec.from_file else {}
    return cache.store(data_config, seed, build_dataset(spec.load(data_config.params, seed, **file_keys),
                                                         data_config, seed))


def build_dataset(raw, data_config, seed):
    """Split ``raw`` (a RawData) and fit the scaling on train, as ``data_config`` says.

    ``load_dataset`` does this for the data a config names; call it directly to
    train on arrays already in memory (give ``raw.test_mask`` for a fixed test split).
    The split is drawn from ``data.seed`` when the section sets one, else from ``seed``.
    """
    seed = data_seed(data_config, seed)
    classes = None
    y = raw.y
    if raw.task == "classification":
        classes, y = np.unique(raw.y, return_inverse=True)
        if len(classes) < 2:
            raise DataError(f"dataset {data_config.dataset} has only one class ('{echo(str(classes[0]))}')")
    train, val, test = _split(raw.X, y, raw.groups, raw.test_mask, raw.task,
                              data_config.test_size, data_config.val_size, streams(seed), classes, raw.owned)
    mean, scale = fit_scaler(train.X, data_config.scale, raw.feature_names)
    return Dataset(train, val, test, list(raw.feature_names), list(raw.target_names), raw.task,
                   tuple(raw.input_shape), classes, mean, scale)


def _split(X, y, groups, test_mask, task, test_size, val_size, seeds, classes=None, in_place=False):
    index = np.arange(len(X))
    stratify = task == "classification"
    if test_mask is None:
        rest, test_idx = split_indices(index, test_size, seeds["split"], y if stratify else None,
                                       class_names=classes)
    else:
        rest, test_idx = index[~test_mask], index[test_mask]
    val_idx = None
    if val_size > 0:
        rest, val_idx = split_indices(rest, val_size, seeds["val_split"], y[rest] if stratify else None,
                                      part="val", class_names=classes)

    def take(idx, rows=None):
        if idx is None:
            return None
        if len(idx) and idx[-1] - idx[0] == len(idx) - 1:  # sorted and contiguous: a view, no copy
            idx = slice(idx[0], idx[-1] + 1)
        return Split(X[idx] if rows is None else rows, y[idx], None if groups is None else groups[idx])

    val, test = take(None if val_idx is None else np.sort(val_idx)), take(np.sort(test_idx))
    rest = np.sort(rest)
    # in place only where the result is laid out as X[rest] would be (the scaler's sums follow the layout)
    row_major = X.flags.c_contiguous or (X.ndim == 2 and X.strides[1] == X.itemsize and X.strides[0] > 0)
    if not (in_place and X.flags.writeable and row_major):
        return take(rest), val, test
    for part in (val, test):  # a contiguous part is a view of X: copy it before X's rows are overwritten
        if part is not None and np.shares_memory(part.X, X):
            part.X = part.X.copy()
    return take(rest, gather_in_place(X, rest)), val, test


def gather_in_place(X, index, rows=8192):
    """``X[index]`` for sorted distinct ``index``, written over the first rows of ``X`` (a view
    of them is returned): row k comes from row ``index[k] >= k``, which no earlier block
    has overwritten, so no copy of the size of X is made."""
    for start in range(0, len(index), rows):
        part = index[start:start + rows]
        X[start:start + len(part)] = X[part]
    return X[:len(index)]


def fit_scaler(X, kind, feature_names=None):
    """(mean, scale) per feature so that the network sees ``(x - mean) / scale``.

    ``standard``: mean and standard deviation; ``minmax``: minimum and range;
    ``none``: zeros and ones.  Constant features get scale 1.  DataError naming the
    feature when its values are so large that their mean or spread overflows.
    """
    n_features = X.shape[1]
    if kind == "none":
        return np.zeros(n_features), np.ones(n_features)
    with np.errstate(over="ignore", invalid="ignore"):  # checked below, never a RuntimeWarning
        if kind == "minmax":
            low = X.min(axis=0)
            spread = X.max(axis=0) - low
        else:
            low = X.mean(axis=0)
            spread = (std_rows(X, low) if X.dtype == np.float64 and X.size > STD_ROWS * X.shape[1]
                      else X.std(axis=0))
    overflow = ~(np.isfinite(low) & np.isfinite(spread))
    if overflow.any():
        j = int(np.flatnonzero(overflow)[0])
        name = f"'{echo(str(feature_names[j]))}'" if feature_names is not None else str(j + 1)
        raise DataError(f"feature {name} has values too large to scale (their {kind} spread overflows the "
                        f"number range); rescale that column, or set data.scale: none")
    spread = np.where(spread > 0, spread, 1.0)
    return low.astype(np.float64), spread.astype(np.float64)


#: rows of the temporary ``std_rows`` works in (the rest of X is not copied)
STD_ROWS = 8192


def std_rows(X, mean):
    """``X.std(axis=0)`` of float64 rows (N, F), bit for bit, without its temporary of X's size.

    NumPy sums over the rows one row after the other into one accumulator per column
    (``tests/test_csv_fast_path.py`` checks the bits): the squared deviations are summed
    here a block of rows at a time, the running sum being put ahead of each block as its
    first row, which continues the same sequence of additions.  ``mean`` is ``X.mean(axis=0)``.
    """
    n = len(X)
    buffer = np.empty((min(STD_ROWS, n) + 1, X.shape[1]))
    total = None
    for start in range(0, n, STD_ROWS):
        part = X[start:start + STD_ROWS]
        first = 0 if total is None else 1
        squares = buffer[first:first + len(part)]
        np.subtract(part, mean, out=squares)
        np.multiply(squares, squares, out=squares)
        if total is not None:
            buffer[0] = total
        total = np.add.reduce(buffer[:first + len(part)], axis=0)
    return np.sqrt(total / n)

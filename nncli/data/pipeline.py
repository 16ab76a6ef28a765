"""From a data config to train / val / test splits and the fitted input scaling.

One place for the steps every dataset shares, so that ``train``, ``data``,
``evaluate`` and ``predict`` all see exactly the same arrays for a given seed.
"""

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..errors import DataError
from .registry import DATASETS, FILE_KEYS


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


def scale_inputs(X, mean, scale, input_shape, dtype):
    """``(X - mean) / scale`` in ``dtype``, reshaped to ``(N, *input_shape)``."""
    out = np.asarray(X, dtype=np.float64) - mean
    out /= scale
    return np.ascontiguousarray(out.reshape((len(out),) + tuple(input_shape)), dtype=dtype)


def streams(seed):
    """Independent integer seeds for splitting, init, shuffling and dropout, from one seed."""
    names = ("split", "val_split", "init", "shuffle", "dropout")
    children = np.random.SeedSequence(seed).spawn(len(names))
    # 31 bits: accepted as random_state by every scikit-learn function
    return {name: int(child.generate_state(1)[0] >> 1) for name, child in zip(names, children)}


def load_dataset(data_config, seed):
    """Generate or read the data, split it and fit the scaling on train.

    Parameters
    ----------
    data_config : schema.DataConfig
    seed : int
        The config's seed; data generation uses the config seed itself so that
        ``seed: 0`` gives scikit-learn's ``random_state=0`` data.
    """
    spec = DATASETS[data_config.dataset]
    file_keys = {key: getattr(data_config, key) for key in FILE_KEYS} if spec.from_file else {}
    raw = spec.load(data_config.params, seed, **file_keys)
    classes = None
    y = raw.y
    if raw.task == "classification":
        classes, y = np.unique(raw.y, return_inverse=True)
        if len(classes) < 2:
            raise DataError(f"dataset {data_config.dataset} has only one class ({classes[0]!r})")
    train, val, test = _split(raw.X, y, raw.groups, raw.test_mask, raw.task,
                              data_config.test_size, data_config.val_size, streams(seed))
    mean, scale = fit_scaler(train.X, data_config.scale)
    return Dataset(train, val, test, list(raw.feature_names), list(raw.target_names), raw.task,
                   tuple(raw.input_shape), classes, mean, scale)


def _split(X, y, groups, test_mask, task, test_size, val_size, seeds):
    from sklearn.model_selection import train_test_split

    index = np.arange(len(X))
    stratify = task == "classification"
    try:
        if test_mask is None:
            rest, test_idx = train_test_split(index, test_size=test_size, random_state=seeds["split"],
                                              stratify=y if stratify else None)
        else:
            rest, test_idx = index[~test_mask], index[test_mask]
        val_idx = None
        if val_size > 0:
            rest, val_idx = train_test_split(rest, test_size=val_size, random_state=seeds["val_split"],
                                             stratify=y[rest] if stratify else None)
    except ValueError as exc:
        raise DataError(f"cannot split the data: {exc}") from None

    def take(idx):
        if idx is None:
            return None
        return Split(X[idx], y[idx], None if groups is None else groups[idx])

    return take(np.sort(rest)), take(None if val_idx is None else np.sort(val_idx)), take(np.sort(test_idx))


def fit_scaler(X, kind):
    """(mean, scale) per feature so that the network sees ``(x - mean) / scale``.

    ``standard``: mean and standard deviation; ``minmax``: minimum and range;
    ``none``: zeros and ones.  Constant features get scale 1.
    """
    n_features = X.shape[1]
    if kind == "none":
        return np.zeros(n_features), np.ones(n_features)
    if kind == "minmax":
        low = X.min(axis=0)
        spread = X.max(axis=0) - low
    else:
        low = X.mean(axis=0)
        spread = X.std(axis=0)
    spread = np.where(spread > 0, spread, 1.0)
    return low.astype(np.float64), spread.astype(np.float64)

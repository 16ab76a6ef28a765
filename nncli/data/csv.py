"""The user's own CSV file as a dataset: features = every column but ``target``.

The header is required.  Feature cells must be finite numbers (the rules of
``table.Table``); the target column is read as text and kept as written for
classification (``"cat"``, ``"dog"``; integers such as ``0``, ``1`` become
integers), or parsed as numbers for regression.
"""

import hashlib
import os
import threading

import numpy as np

from ..errors import DataError, echo
from .raw import RawData
from .table import Table, finite_numbers, is_number, names

#: file identity (``_identity``) -> its pending ``_Hashing``, or None until ``load_csv`` starts it
_fingerprints = {}

#: a numeric target with at most this many distinct integer values is taken as class labels
MAX_INFERRED_CLASSES = 20


def load_csv(params, seed, path, target, task=None):
    """Read ``path``: RawData with the feature columns as X and ``target`` as y.

    Parameters
    ----------
    path : str
        The CSV file (already resolved against the config's directory).
    target : str
        The header name of the target column.
    task : "classification", "regression" or None
        None: infer it (see ``infer_task``).
    """
    raw = _load_csv(path, target, task)
    _start_fingerprint(path)
    return raw


def _load_csv(path, target, task):
    with Table(path) as table:
        if target not in table.header:
            table.refuse_other_delimiter()
            raise DataError(f"{table.name}: no column '{echo(target)}' (data.target); "
                            f"the columns are {names(table.header)}")
        features = [column for column in table.header if column != target]
        if not features:
            raise DataError(f"{table.name}: no feature columns besides the target '{target}'")
        if task == "regression":  # the target read with the features in one call when it can be
            chunk = table.read_whole(features + [target])
            if chunk is not None:
                X, y = chunk.numbers[:, :-1], np.ascontiguousarray(chunk.numbers[:, -1])
                return RawData(X, y, features, task, target_names=[target], owned=True)
        chunk = table.read(features, [target])
        cells = chunk.text[:, 0]
        task = task or infer_task(cells)
        if task == "regression":
            y = table.to_numbers(cells, chunk.lines, target)
        else:
            y = class_labels(cells)
    return RawData(chunk.numbers, y, features, task, target_names=[target], owned=True)


def infer_task(cells):
    """``"classification"`` if any cell is not a number, or if all are integers
    with at most ``MAX_INFERRED_CLASSES`` distinct values; else ``"regression"``."""
    values = _numbers(cells)
    if values is None:
        return "classification"
    if np.all(values == np.round(values)) and len(np.unique(values)) <= MAX_INFERRED_CLASSES:
        return "classification"
    return "regression"


def class_labels(cells):
    """Labels as written; integers (``"0"``, ``"1"``) as int64 so that they sort as numbers.

    Integer-valued cells written differently (``"1"`` and ``"1.0"``) are one class.
    """
    cells = np.char.strip(np.asarray(cells, dtype=str))
    values = _numbers(cells)
    if values is not None and np.all(values == np.round(values)) and np.all(np.abs(values) < 2**53):
        return values.astype(np.int64)
    return cells


def _numbers(cells):
    """float64 (N,) of the cells if every one is a finite number, else None."""
    values = finite_numbers(cells)  # NumPy's parser at once; cell by cell only when it refuses
    if values is None and all(is_number(cell) for cell in cells):
        values = np.array([float(cell) for cell in cells])
    return values


def fingerprint_soon(path):
    """Have the next ``load_csv`` of ``path`` hash it in a thread once it has read it (NumPy
    then splits and scales the rows on the other core); ``fingerprint`` waits for that."""
    key = _identity(path)
    if key is not None:
        _fingerprints.setdefault(key, None)


def fingerprint(path):
    """SHA-256 of a file's bytes: lets ``evaluate`` tell whether the data changed."""
    pending = _fingerprints.pop(_identity(path), None)
    if pending is not None:
        pending.thread.join()
        return pending.digest
    return _sha256(path)


class _Hashing:
    def __init__(self, path):
        self.digest = None
        self.thread = threading.Thread(target=self._run, args=(path,), daemon=True)
        self.thread.start()

    def _run(self, path):
        self.digest = _sha256(path)


def _start_fingerprint(path):
    key = _identity(path)
    if key in _fingerprints and _fingerprints[key] is None:
        _fingerprints[key] = _Hashing(path)


def _identity(path):
    """What tells a file from another and from its former self (None when it cannot be read)."""
    try:
        status = os.stat(path)
    except (OSError, TypeError, ValueError):
        return None
    return status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns


def _sha256(path):
    digest = hashlib.sha256()  # hashlib lets other threads run while it hashes a block
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def label_indices(cells, classes, lines, column, source):
    """Text labels (N,) -> indices into a run's ``classes`` (N,), by the rules of ``class_labels``.

    A label the run was not trained on is a DataError naming its line.
    """
    labels = class_labels(cells)
    if labels.dtype.kind in "iu" and classes.dtype.kind in "iu":
        known = classes
    else:  # compare as text: a run trained on "cat"/"dog", or integers read against text classes
        labels, known = labels.astype(str), classes.astype(str)
    order = np.argsort(known)
    position = np.searchsorted(known, labels, sorter=order)
    position = np.minimum(position, len(known) - 1)
    index = order[position]
    unknown = known[index] != labels
    if unknown.any():
        row = int(np.argmax(unknown))
        shown = ", ".join(str(c) for c in classes[:20]) + (", ..." if len(classes) > 20 else "")
        raise DataError(f"{source} line {lines[row]}, column '{echo(column)}': label '{echo(str(labels[row]))}' "
                        f"is not one of the run's classes ({echo(shown, 200)})")
    return index

"""Scores of predictions: AUC, accuracy, confusion matrix, regression errors.

Pure NumPy (AUC by ranks), so that scoring every epoch needs no scikit-learn;
the tests compare each function with scikit-learn's.
"""

import math

import numpy as np

from .float_errors import quiet_float_errors


def roc_auc(y_true, score):
    """Area under the ROC curve for 0/1 labels, ties counted half (Mann-Whitney U).

    Parameters
    ----------
    y_true : ndarray (N,) of 0/1 or bool
    score : ndarray (N,)

    Returns
    -------
    float
        NaN when only one class is present or a score is NaN.
    """
    y_true = np.asarray(y_true).astype(bool)
    score = np.asarray(score)
    n_pos = int(np.count_nonzero(y_true))
    n_neg = len(y_true) - n_pos
    ranked = np.sort(score)
    if n_pos == 0 or n_neg == 0 or np.isnan(ranked[-1]):  # NaN sorts last
        return float("nan")
    return _u_statistic(ranked, score[y_true]) / (n_pos * n_neg)


def _u_statistic(ranked, positives):
    """Mann-Whitney U: over the positives, the negatives scored below each plus half those scored equal.

    ``ranked`` holds every score (positives and negatives) sorted.  For a
    positive ``x``, ``searchsorted`` left and right count the scores below and
    not above it; the positives' own share of those sums is exactly ``n_pos**2``
    (ties included), which leaves twice U.  Integer counts: no rounding.
    """
    positives = np.sort(positives)  # sorted needles make searchsorted one merge-like pass
    left = int(np.searchsorted(ranked, positives, "left").sum())
    right = int(np.searchsorted(ranked, positives, "right").sum())
    return (left + right - len(positives) ** 2) / 2.0


def roc_curve(y_true, score):
    """The ROC curve of 0/1 labels ``y_true`` (N,) for scores ``score`` (N,): one point per
    distinct score, highest first.

    Returns
    -------
    (fpr, tpr, thresholds) : three ndarrays (M + 1,)
        Starting at (0, 0) with threshold +inf; a sample counts as positive when
        its score is >= the threshold.  As scikit-learn's
        ``roc_curve(..., drop_intermediate=False)``; the trapezoidal area under
        it equals ``roc_auc``.  Rates are NaN for a class that is absent.
    """
    y_true = np.asarray(y_true).astype(bool)
    score = np.asarray(score, dtype=np.float64)
    order = np.argsort(-score, kind="mergesort")
    score, y_true = score[order], y_true[order]
    # the last index of every run of equal scores
    last = np.r_[np.flatnonzero(np.diff(score)), len(score) - 1] if len(score) else np.array([], dtype=int)
    true_pos = np.cumsum(y_true)[last]
    false_pos = (last + 1) - true_pos
    true_pos = np.r_[0, true_pos].astype(np.float64)
    false_pos = np.r_[0, false_pos].astype(np.float64)
    with quiet_float_errors():
        tpr = true_pos / true_pos[-1] if true_pos[-1] > 0 else np.full_like(true_pos, np.nan)
        fpr = false_pos / false_pos[-1] if false_pos[-1] > 0 else np.full_like(false_pos, np.nan)
    return fpr, tpr, np.r_[np.inf, score[last]]


def macro_auc(y, proba):
    """Macro-averaged one-vs-rest AUC over the classes present in ``y``.

    Parameters
    ----------
    y : ndarray (N,) class indices
    proba : ndarray (N, K) scores per class
    """
    y = np.asarray(y)
    columns = np.ascontiguousarray(np.asarray(proba).T)  # one contiguous row of scores per class
    ranked = np.sort(columns, axis=1)
    by_class = np.argsort(y, kind="stable")  # the rows of each class, one class after another
    ends = np.cumsum(np.bincount(y, minlength=len(columns)))
    scores = []
    for k in range(len(columns)):
        start, stop = (ends[k - 1] if k else 0), ends[k]
        n_pos, n_neg = stop - start, len(y) - (stop - start)
        if n_pos == 0 or n_neg == 0 or np.isnan(ranked[k, -1]):
            continue
        scores.append(_u_statistic(ranked[k], columns[k][by_class[start:stop]]) / (n_pos * n_neg))
    return float(np.mean(scores)) if scores else float("nan")


def class_scores(outputs):
    """Network outputs (N, K) -> per-class scores (N, C) with C >= 2.

    One sigmoid unit gives P(class 1); its complement is P(class 0).
    """
    if outputs.shape[1] == 1:
        p = outputs[:, 0].astype(np.float64)
        return np.column_stack([1.0 - p, p])
    return outputs.astype(np.float64)


def classification_metrics(y, outputs):
    """``{"auc", "accuracy"}`` of class indices ``y`` (N,) given outputs (N, K)."""
    if outputs.shape[1] == 1:  # P(class 1): the class_scores columns (1 - p, p) without making them
        p = outputs[:, 0]
        predicted = p > 0.5  # argmax of (1 - p, p): class 0 on a tie
        auc = roc_auc(y == 1, p)
    else:  # scores are the outputs themselves (no float64 copy: the order is the same)
        predicted = outputs.argmax(axis=1)
        auc = roc_auc(y == 1, outputs[:, 1]) if outputs.shape[1] == 2 else macro_auc(y, outputs)
    return {"auc": auc, "accuracy": float(np.mean(predicted == y))}


def regression_metrics(y, outputs):
    """``{"mse", "mae", "r2"}``; R^2 averaged uniformly over target columns."""
    y = np.asarray(y, dtype=np.float64).reshape(len(outputs), -1)
    outputs = np.asarray(outputs, dtype=np.float64)
    error = outputs - y
    total = ((y - y.mean(axis=0)) ** 2).sum(axis=0)
    residual = (error**2).sum(axis=0)
    with quiet_float_errors():
        r2 = np.where(total > 0, 1.0 - residual / total, np.where(residual > 0, 0.0, 1.0))
    return {"mse": float(np.mean(error**2)), "mae": float(np.mean(np.abs(error))), "r2": float(np.mean(r2))}


def confusion_matrix(y, predicted, n_classes):
    """Counts (K, K): row = true class, column = predicted class."""
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (y, predicted), 1)
    return matrix


def per_class_scores(matrix):
    """Precision, recall, F1 and support per class from a confusion matrix."""
    true_positive = np.diag(matrix).astype(np.float64)
    predicted = matrix.sum(axis=0)
    actual = matrix.sum(axis=1)
    with quiet_float_errors():
        precision = np.where(predicted > 0, true_positive / predicted, 0.0)
        recall = np.where(actual > 0, true_positive / actual, 0.0)
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    return {"precision": precision, "recall": recall, "f1": f1, "support": actual}


def improved(value, best, min_delta=0.0, higher_is_better=False):
    """Whether ``value`` beats ``best`` by more than ``min_delta``: the one rule of
    early stopping and of the plateau schedule.  NaN and infinities never improve."""
    if not math.isfinite(value):
        return False
    return value > best + min_delta if higher_is_better else value < best - min_delta

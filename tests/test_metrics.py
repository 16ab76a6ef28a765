"""Our NumPy metrics against scikit-learn's."""

import numpy as np
import pytest
from sklearn import metrics as skm

from nncli import metrics


@pytest.mark.parametrize("seed", range(5))
def test_roc_auc_matches_scikit_learn_with_ties(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 200)
    score = np.round(rng.random(200) + 0.3 * y, 1)  # rounding makes many ties
    assert np.isclose(metrics.roc_auc(y, score), skm.roc_auc_score(y, score))


def test_roc_auc_undefined_for_one_class():
    assert np.isnan(metrics.roc_auc(np.ones(5), np.arange(5)))


def test_macro_auc_matches_scikit_learn_ovr():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 4, 300)
    scores = rng.random((300, 4)) + np.eye(4)[y] * 0.5
    proba = scores / scores.sum(axis=1, keepdims=True)
    expected = skm.roc_auc_score(y, proba, multi_class="ovr", average="macro")
    assert np.isclose(metrics.macro_auc(y, proba), expected)


def test_classification_metrics_single_sigmoid_output():
    y = np.array([0, 1, 1, 0, 1])
    out = np.array([[0.2], [0.7], [0.4], [0.1], [0.9]])
    result = metrics.classification_metrics(y, out)
    assert np.isclose(result["accuracy"], 0.8)
    assert np.isclose(result["auc"], skm.roc_auc_score(y, out[:, 0]))


def test_regression_metrics_match_scikit_learn():
    rng = np.random.default_rng(1)
    y = rng.random((50, 3))
    pred = y + rng.normal(0, 0.1, (50, 3))
    result = metrics.regression_metrics(y, pred)
    assert np.isclose(result["mse"], skm.mean_squared_error(y, pred))
    assert np.isclose(result["mae"], skm.mean_absolute_error(y, pred))
    assert np.isclose(result["r2"], skm.r2_score(y, pred))


def test_confusion_and_per_class_scores_match_scikit_learn():
    rng = np.random.default_rng(2)
    y = rng.integers(0, 3, 100)
    pred = np.where(rng.random(100) < 0.7, y, rng.integers(0, 3, 100))
    matrix = metrics.confusion_matrix(y, pred, 3)
    np.testing.assert_array_equal(matrix, skm.confusion_matrix(y, pred))
    scores = metrics.per_class_scores(matrix)
    p, r, f, s = skm.precision_recall_fscore_support(y, pred)
    np.testing.assert_allclose(scores["precision"], p)
    np.testing.assert_allclose(scores["recall"], r)
    np.testing.assert_allclose(scores["f1"], f)
    np.testing.assert_array_equal(scores["support"], s)


def test_one_output_metrics_are_those_of_the_two_class_scores():
    rng = np.random.default_rng(3)
    p = np.concatenate([rng.random(200), [0.5, 0.5, np.nextafter(0.5, 1), np.nextafter(0.5, 0), 0.0, 1.0]])
    y = (rng.random(len(p)) < p).astype(np.int64)
    for dtype in (np.float32, np.float64):
        outputs = p.astype(dtype)[:, None]
        scores = metrics.class_scores(outputs)
        got = metrics.classification_metrics(y, outputs)
        assert got["accuracy"] == float(np.mean(scores.argmax(axis=1) == y))
        assert got["auc"] == metrics.roc_auc(y == 1, scores[:, 1])

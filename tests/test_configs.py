"""The example configs train and reach the results the README promises."""

import csv
import json

import numpy as np
import pytest
from conftest import CONFIGS, train_run
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score


def _summary(run):
    return json.loads((run / "summary.json").read_text())


def _split(cli, config, split, tmp_path):
    out = tmp_path / f"{split}.csv"
    assert cli("data", config, "--split", split, "-o", out).exit_code == 0
    rows = list(csv.reader(out.open()))
    table = np.array(rows[1:], dtype=float)
    return table[:, :-1], table[:, -1]


def test_every_config_starts_with_a_comment_line():
    for path in sorted(CONFIGS.glob("*.yaml")):
        assert path.read_text().startswith("# "), path.name


def test_circles_reaches_auc_098(cli, tmp_path):
    assert _summary(train_run(cli, CONFIGS / "circles.yaml", tmp_path))["test_auc"] >= 0.98


def test_circles_without_hidden_layer_honestly_fails(cli, tmp_path):
    summary = _summary(train_run(cli, CONFIGS / "circles-linear.yaml", tmp_path))
    assert summary["test_auc"] <= 0.65


def test_blobs_matches_logistic_regression(cli, tmp_path):
    config = CONFIGS / "blobs.yaml"
    summary = _summary(train_run(cli, config, tmp_path))
    X_train, y_train = _split(cli, config, "train", tmp_path)
    X_test, y_test = _split(cli, config, "test", tmp_path)
    reference = roc_auc_score(y_test, LogisticRegression().fit(X_train, y_train).predict_proba(X_test)[:, 1])
    assert abs(summary["test_auc"] - reference) <= 0.005


def test_digits_reaches_accuracy_096(cli, tmp_path):
    assert _summary(train_run(cli, CONFIGS / "digits.yaml", tmp_path))["test_accuracy"] >= 0.96


@pytest.mark.parametrize("name", ["xor", "random-regression"])
def test_other_configs_train(cli, tmp_path, name):
    summary = _summary(train_run(cli, CONFIGS / f"{name}.yaml", tmp_path))
    if name == "xor":
        assert summary["test_auc"] >= 0.95
    else:
        assert np.isfinite(summary["test_mse"])

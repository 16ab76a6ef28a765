"""nncli evaluate: the numbers of summary.json, confusion matrix and per-class scores, --data."""

import csv
import json

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support, r2_score, roc_auc_score

from nncli.training.run import train_from_config

THREE_CLASSES = """
data: {dataset: blobs, params: {n_samples: 400, centers: 3, cluster_std: 4.0}}
model: {hidden: [8]}
training: {epochs: 8, lr: 0.01}
"""

BINARY = """
data: {dataset: circles, params: {n_samples: 400}, val_size: 0.2}
model: {hidden: [6], activation: tanh}
training: {epochs: 10, lr: 0.02}
"""

REGRESSION = """
data: {dataset: random, params: {n_samples: 300, n_features: 5, n_targets: 2}}
model: {hidden: [4]}
training: {epochs: 4}
"""


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """name -> run directory, for each config above."""
    directory = tmp_path_factory.mktemp("evaluate")
    result = {}
    for name, text in (("three", THREE_CLASSES), ("binary", BINARY), ("regression", REGRESSION)):
        config = directory / f"{name}.yaml"
        config.write_text(text)
        result[name], _ = train_from_config(config, runs_root=directory / "runs")
    return result


def evaluate_json(cli, *args):
    result = cli("evaluate", *args, "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("name", ["three", "binary", "regression"])
def test_metrics_equal_the_summary(cli, trained, name):
    run = trained[name]
    report = evaluate_json(cli, run)
    summary = json.loads((run / "summary.json").read_text())
    assert report["n"] == summary["n_test"]
    expected = {key: value for key, value in summary.items() if key.startswith("test_")}
    assert report["metrics"] == expected  # exactly: same data, same weights, same code, same names


def predictions(cli, run, tmp_path):
    """(true labels, predicted labels, probabilities) of the test split, via nncli data + predict."""
    data = tmp_path / "test.csv"
    cli("data", run / "config.yaml", "--split", "test", "-o", data)
    with open(data) as handle:
        rows = list(csv.reader(handle))
    result = cli("predict", run, data)
    out = list(csv.reader(result.stdout.splitlines()))
    truth = [int(row[-1]) for row in rows[1:]]
    predicted = [int(row[0]) for row in out[1:]]
    proba = np.array([[float(v) for v in row[1:]] for row in out[1:]])
    return truth, predicted, proba


@pytest.mark.parametrize("name", ["three", "binary"])
def test_confusion_matrix_and_per_class_scores_agree_with_scikit_learn(cli, trained, name, tmp_path):
    run = trained[name]
    report = evaluate_json(cli, run)
    truth, predicted, proba = predictions(cli, run, tmp_path)
    classes = report["classes"]
    assert report["confusion_matrix"] == confusion_matrix(truth, predicted, labels=classes).tolist()
    precision, recall, f1, support = precision_recall_fscore_support(truth, predicted, labels=classes,
                                                                     zero_division=0)
    for k, row in enumerate(report["per_class"]):
        assert row["label"] == classes[k]
        assert row["precision"] == pytest.approx(precision[k])
        assert row["recall"] == pytest.approx(recall[k])
        assert row["f1"] == pytest.approx(f1[k])
        assert row["support"] == support[k]
    if len(classes) == 2:
        auc = roc_auc_score(truth, proba[:, 1])
    else:
        auc = roc_auc_score(truth, proba, multi_class="ovr", average="macro")
    assert report["metrics"]["test_auc"] == pytest.approx(auc, abs=1e-6)  # probabilities printed to 9 digits


def test_regression_metrics_agree_with_scikit_learn(cli, trained, tmp_path):
    run = trained["regression"]
    report = evaluate_json(cli, run)
    data = tmp_path / "test.csv"
    cli("data", run / "config.yaml", "--split", "test", "-o", data)
    out = cli("predict", run, data).stdout.splitlines()
    assert out[0] == "prediction_target0,prediction_target1"
    with open(data) as handle:
        truth = np.array([[float(v) for v in row[-2:]] for row in list(csv.reader(handle))[1:]])
    predicted = np.array([[float(v) for v in line.split(",")] for line in out[1:]])
    assert report["metrics"]["test_r2"] == pytest.approx(r2_score(truth, predicted), abs=1e-6)
    assert report["metrics"]["test_mse"] == pytest.approx(np.mean((truth - predicted) ** 2), rel=1e-6)
    assert set(report) == {"run_dir", "data", "split", "task", "n", "metrics"}


@pytest.mark.parametrize("name", ["three", "regression"])
def test_data_option_on_the_test_split_gives_the_same_numbers(cli, trained, name, tmp_path):
    run = trained[name]
    data = tmp_path / "test.csv"
    cli("data", run / "config.yaml", "--split", "test", "-o", data)
    from_file = evaluate_json(cli, run, "--data", data)
    rebuilt = evaluate_json(cli, run)
    assert from_file["data"] == str(data)
    for key, value in rebuilt["metrics"].items():
        assert from_file["metrics"][key] == pytest.approx(value, rel=1e-12)
    assert from_file.get("confusion_matrix") == rebuilt.get("confusion_matrix")


def test_table_output(cli, trained):
    result = cli("evaluate", trained["three"])
    assert result.exit_code == 0
    for text in ("accuracy", "AUC", "precision", "recall", "F1", "confusion matrix"):
        assert text in result.stdout
    result = cli("evaluate", trained["regression"])
    for text in ("MSE", "MAE", "R²"):
        assert text in result.stdout


def test_data_with_bad_labels_or_columns(cli, trained, tmp_path):
    run = trained["three"]
    bad = tmp_path / "bad.csv"
    bad.write_text("x0,x1,target\n0.1,0.2,1\n0.3,0.4,7\n")
    result = cli("evaluate", run, "--data", bad)
    assert result.exit_code == 2
    assert "line 3, column 'target': label '7' is not one of the run's classes (0, 1, 2)" in result.stderr
    bad.write_text("x0,x1\n0.1,0.2\n")
    result = cli("evaluate", run, "--data", bad)
    assert result.exit_code == 2 and "missing column 'target'" in result.stderr


def test_missing_or_broken_run(cli, trained, tmp_path):
    result = cli("evaluate", tmp_path / "nowhere")
    assert result.exit_code == 2 and "run directory not found" in result.stderr
    broken = tmp_path / "broken"
    broken.mkdir()
    for name in ("config.yaml", "preprocess.npz"):
        (broken / name).write_bytes((trained["binary"] / name).read_bytes())
    (broken / "weights.npz").write_bytes(b"not a zip")
    result = cli("evaluate", broken)
    assert result.exit_code == 2 and "weights.npz" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_data_from_stdin(cli, trained, tmp_path):
    run = trained["binary"]
    data = tmp_path / "test.csv"
    cli("data", run / "config.yaml", "--split", "test", "-o", data)
    result = cli("evaluate", run, "--data", "-", "--json", input=data.read_text())
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["data"] == "<stdin>"
    assert report["metrics"] == evaluate_json(cli, run)["metrics"]


def test_a_run_trained_on_arrays_in_memory_is_not_rebuilt(cli, tmp_path):
    import numpy as np

    from nncli.config import validate
    from nncli.data.pipeline import build_dataset
    from nncli.data.raw import RawData
    from nncli.training.run import train

    config = validate({"name": "mine", "data": {"dataset": "circles"}, "model": {"hidden": [4]},
                       "training": {"epochs": 2}, "output": {"plots": False}})
    rng = np.random.default_rng(0)
    raw = RawData(rng.normal(size=(200, 2)), rng.integers(0, 2, 200), ["a", "b"], "classification")
    run_dir, _ = train(config, dataset=build_dataset(raw, config.data, config.seed), runs_root=tmp_path)
    result = cli("evaluate", run_dir)
    assert result.exit_code == 2 and "in memory" in result.stderr

"""training.class_weight: per-row weighted loss and gradient, "balanced", refusals."""

import json

import numpy as np
import pytest
from conftest import train_run
from sklearn.metrics import log_loss
from sklearn.utils.class_weight import compute_class_weight

from nncli.config import validate
from nncli.nn.activations import ACTIVATIONS
from nncli.nn.build import build_model, target_matrix
from nncli.nn.gradcheck import numeric_gradient, relative_error
from nncli.nn.losses import LOSSES, row_weights


def _model(n_classes, loss="auto", output="auto"):
    config = validate({"data": {"dataset": "blobs"},
                       "model": {"hidden": [5], "activation": "tanh", "output": output},
                       "training": {"loss": loss, "dtype": "float64"}})
    return build_model(config, (3,), "classification", n_classes, 0, seed=1)


@pytest.mark.parametrize("n_classes, loss, output", [
    (2, "auto", "auto"),             # one sigmoid unit, bce: a single 0/1 target column
    (3, "auto", "auto"),             # softmax, cross-entropy
    (3, "mse", "sigmoid"),           # a sigmoid per class with mse: the unpaired gradient
    (2, "cross_entropy", "auto"),    # two softmax units for two classes
])
def test_weighted_gradient_matches_finite_differences(n_classes, loss, output):
    model, head = _model(n_classes, loss, output)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(9, 3))
    target = target_matrix(rng.integers(0, n_classes, 9), head, n_classes, np.float64)
    weights = row_weights(np.array([0.3, 2.5, 1.7][:n_classes]), target)
    assert len(set(weights.round(6))) > 1  # the rows really weigh differently

    def value():
        model.forward(x)
        return model.batch_loss(target, weights)

    model.forward(x)
    model.backward(target, weights)
    analytic = model.flat_grads.copy()
    numeric = numeric_gradient(value, model.flat_params)
    assert relative_error(analytic, numeric) < 1e-7
    # and it is not the unweighted gradient
    model.forward(x)
    model.backward(target)
    assert relative_error(model.flat_grads, numeric) > 1e-3


def test_rows_are_weighted_and_averaged_over_the_batch_as_keras_does():
    rng = np.random.default_rng(3)
    logits = rng.normal(size=(12, 4))
    y = rng.integers(0, 4, 12)
    per_class = np.array([0.5, 1.0, 3.0, 2.0])
    probabilities = ACTIVATIONS["softmax"](logits)
    target = np.eye(4)[y]
    weighted = LOSSES["cross_entropy"].weighted_value(probabilities, target, logits, row_weights(per_class, target))
    # scikit-learn's sample_weight divides by the weights' sum; Keras (and nncli) by the rows
    reference = log_loss(y, probabilities, sample_weight=per_class[y], labels=range(4))
    assert np.isclose(weighted, reference * per_class[y].sum() / 12, rtol=1e-12)
    ones = LOSSES["cross_entropy"].weighted_value(probabilities, target, logits, np.ones(12))
    assert np.isclose(ones, LOSSES["cross_entropy"].value(probabilities, target, logits), rtol=1e-14)
    z = rng.normal(size=(12, 1))
    yb = (y > 1).astype(float)[:, None]
    for name, prediction in (("bce", ACTIVATIONS["sigmoid"](z)), ("mse", z)):
        loss = LOSSES[name]
        assert np.isclose(loss.weighted_value(prediction, yb, z, np.ones(12)), loss.value(prediction, yb, z))


IMBALANCED = """\
seed: 1
data: {dataset: csv, path: data.csv, target: kind, test_size: 0.25}
model: {hidden: [4], activation: tanh}
training: {epochs: 3, batch_size: 16, optimizer: sgd, lr: LR, dtype: float64WEIGHTS}
output: {plots: false}
"""


@pytest.fixture
def imbalanced(write_config, tmp_path):
    """config(lr=..., weights=...) -> a config on a CSV with 90 'common' and 30 'rare' rows."""
    rng = np.random.default_rng(0)
    lines = ["a,b,kind"] + [f"{a:.4f},{b:.4f},{'rare' if k < 30 else 'common'}"
                            for k, (a, b) in enumerate(rng.normal(size=(120, 2)))]
    (tmp_path / "data.csv").write_text("\n".join(lines) + "\n")

    def config(lr=0.05, weights=None, name="imbalanced.yaml"):
        extra = "" if weights is None else f", class_weight: {weights}"
        return write_config(IMBALANCED.replace("LR", str(lr)).replace("WEIGHTS", extra), name)

    return config


def _weights(run):
    return dict(np.load(run / "weights.npz"))


def test_weights_scale_each_rows_gradient(cli, imbalanced, tmp_path):
    plain = train_run(cli, imbalanced(), tmp_path / "plain")
    ones = train_run(cli, imbalanced(weights="{rare: 1, common: 1}", name="ones.yaml"), tmp_path / "ones")
    twice = train_run(cli, imbalanced(weights="{rare: 2, common: 2}", name="twice.yaml"), tmp_path / "twice")
    double_lr = train_run(cli, imbalanced(lr=0.1, name="fast.yaml"), tmp_path / "fast")
    # weight 1 changes no bit; weight 2 on every row is (for plain SGD) exactly twice the rate
    for key, value in _weights(plain).items():
        np.testing.assert_array_equal(_weights(ones)[key], value)
        np.testing.assert_array_equal(_weights(twice)[key], _weights(double_lr)[key])
    assert any(not np.array_equal(_weights(twice)[key], value) for key, value in _weights(plain).items())
    # the reported losses are the plain ones: runs with and without weights compare
    summary = json.loads((ones / "summary.json").read_text())
    assert summary["test_loss"] == json.loads((plain / "summary.json").read_text())["test_loss"]


def test_balanced_is_scikit_learns_formula_on_the_training_split(cli, imbalanced, tmp_path):
    run = train_run(cli, imbalanced(weights="balanced"), tmp_path / "runs")
    recorded = json.loads((run / "meta.json").read_text())["class_weights"]
    train = cli("data", run / "config.yaml", "--split", "train", "-o", tmp_path / "train.csv")
    assert train.exit_code == 0, train.stderr
    labels = np.array([line.rsplit(",", 1)[1] for line in (tmp_path / "train.csv").read_text().split()[1:]])
    classes = np.unique(labels)
    expected = compute_class_weight("balanced", classes=classes, y=labels)
    assert recorded == pytest.approx(dict(zip(classes.tolist(), expected.tolist())), rel=1e-12)
    assert recorded["rare"] > 1 > recorded["common"]


def test_refused_for_regression_and_unknown_labels(cli, imbalanced, write_config, tmp_path):
    regression = write_config("data: {dataset: random, params: {n_samples: 40}}\n"
                              "training: {epochs: 1, class_weight: balanced}\n", "regression.yaml")
    result = cli("train", regression, "--runs-root", tmp_path / "runs")
    assert result.exit_code == 2
    assert "training.class_weight applies only to classification" in result.stderr
    unknown = cli("train", imbalanced(weights="{rare: 2, Rare: 3}"), "--runs-root", tmp_path / "runs")
    assert unknown.exit_code == 2
    assert "class Rare" in unknown.stderr and "common, rare" in unknown.stderr
    bad = cli("train", imbalanced(weights="balancd"), "--runs-root", tmp_path / "runs")
    assert bad.exit_code == 2 and "must be balanced or a mapping" in bad.stderr
    negative = cli("train", imbalanced(weights="{rare: -1}"), "--runs-root", tmp_path / "runs")
    assert negative.exit_code == 2 and "training.class_weight" in negative.stderr
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_labels_are_matched_as_written_in_the_data(cli, write_config, tmp_path):
    config = write_config("seed: 2\ndata: {dataset: blobs, params: {n_samples: 60, centers: 3}}\n"
                          "model: {hidden: [3]}\n"
                          "training: {epochs: 1, class_weight: {0: 0.5, '2': 4}}\noutput: {plots: false}\n")
    run = train_run(cli, config, tmp_path / "runs")
    assert json.loads((run / "meta.json").read_text())["class_weights"] == {"0": 0.5, "1": 1.0, "2": 4.0}

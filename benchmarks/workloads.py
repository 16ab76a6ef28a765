"""The benchmark workloads: a network, an optimizer and the data every implementation gets.

Each workload's data is made once, scaled once (standardised on the training rows),
and handed as the same float32 arrays to nncli and to each peer; the initial weights
are nncli's (Glorot uniform, zero biases), copied into each peer, so every
implementation starts from the same point.
"""

import importlib.util
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Workload:
    """One row group of the table.

    ``sizes`` counts the input and output units too (``[64, 128, 10]``); ``hidden``
    activations are ``relu`` or ``sigmoid``; the output is softmax with
    cross-entropy for several classes, one sigmoid unit with binary cross-entropy
    for two.
    """

    key: str
    title: str
    sizes: tuple
    activation: str
    optimizer: str
    lr: float
    batch_size: int
    epochs: int
    dataset: str  # the nncli dataset the data comes from (or stands in for)
    note: str = ""
    data_params: dict = field(default_factory=dict)

    @property
    def n_classes(self):
        return 2 if self.sizes[-1] == 1 else self.sizes[-1]

    def nncli_config(self, epochs=None, name=None):
        """The nncli config (a dict for ``nncli.config.validate``) of this workload.

        Data come in memory (already scaled: ``scale: none``); checkpoints only at the end.
        """
        epochs = epochs or self.epochs
        return {
            "name": name or self.key,
            "seed": 0,
            "data": {"dataset": self.dataset, "scale": "none"},
            "model": {"hidden": list(self.sizes[1:-1]), "activation": self.activation, "init": "glorot"},
            "training": {
                "epochs": epochs,
                "batch_size": self.batch_size,
                "optimizer": self.optimizer,
                "lr": self.lr,
                "checkpoint_every": epochs,
            },
            "output": {"plots": False},
        }


WORKLOADS = {
    "W1": Workload("W1", "W1 digits", (64, 128, 10), "relu", "adam", 1e-3, 32, 30, "digits",
                   "scikit-learn's 8x8 digits: 1347 train / 450 test rows"),
    "W2": Workload("W2", "W2 wide", (784, 256, 128, 10), "relu", "adam", 1e-3, 128, 3, "random",
                   "synthetic: 60,000 train / 10,000 test rows x 784 features, 10 classes "
                   "(scikit-learn make_classification)",
                   {"n_train": 60_000, "n_test": 10_000, "n_features": 784, "n_informative": 40}),
    "W3": Workload("W3", "W3 circles", (2, 9, 6, 1), "sigmoid", "sgd", 0.5, 32, 200, "circles",
                   "scikit-learn's make_circles: 750 train / 250 test rows"),
    "OCR": Workload("OCR", "OCR letters", (1024, 225, 225, 26), "relu", "adam", 1e-3, 32, 3, "random",
                    "", {"n_train": 16_640, "n_test": 4_160, "n_features": 1024, "n_informative": 32,
                          "clusters": 1, "separation": 3.0}),
}


@dataclass
class Data:
    """Scaled float32 inputs and integer class labels; ``X[:n_train]`` are the training rows."""

    X: np.ndarray
    y: np.ndarray
    n_train: int
    note: str

    @property
    def train(self):
        return self.X[: self.n_train], self.y[: self.n_train]

    @property
    def test(self):
        return self.X[self.n_train :], self.y[self.n_train :]


def make_data(workload):
    """The workload's data, scaled as nncli scales it (standardised on the training rows)."""
    from nncli.config import validate
    from nncli.data.pipeline import fit_scaler, load_dataset, scale_inputs
    from nncli.data.registry import DATASETS

    note = workload.note
    dataset = None
    if workload.key in ("W1", "W3"):
        params = {"n_samples": 1000, "noise": 0.1, "factor": 0.1} if workload.dataset == "circles" else {}
        config = validate({"seed": 0, "data": {"dataset": workload.dataset, "params": params, "test_size": 0.25}})
        dataset = load_dataset(config.data, config.seed)
    elif workload.key == "OCR" and "ocr" in DATASETS and importlib.util.find_spec("nncli.data.ocr"):
        config = validate({"seed": 0, "data": {"dataset": "ocr"}})
        dataset = load_dataset(config.data, config.seed)
        note = (f"nncli's ocr dataset (letters rendered from fonts, 32x32, standardised): {len(dataset.train):,} "
                f"train / {len(dataset.test):,} test rows, the test rows in fonts never seen in training")
    if dataset is not None:
        X_train = dataset.inputs(dataset.train.X, np.float32).reshape(len(dataset.train), -1)
        X_test = dataset.inputs(dataset.test.X, np.float32).reshape(len(dataset.test), -1)
        y_train, y_test = dataset.train.y, dataset.test.y
    else:
        p = workload.data_params
        X, y = _synthetic(p["n_train"] + p["n_test"], p["n_features"], workload.n_classes, p["n_informative"],
                          p.get("clusters", 2), p.get("separation", 1.5))
        mean, scale = fit_scaler(X[: p["n_train"]], "standard")
        X = scale_inputs(X, mean, scale, (X.shape[1],), np.float32)
        X_train, X_test, y_train, y_test = X[: p["n_train"]], X[p["n_train"] :], y[: p["n_train"]], y[p["n_train"] :]
        if workload.key == "OCR":
            note = (f"synthetic stand-in (nncli.data.ocr is not in this branch): {p['n_train']:,} train / "
                    f"{p['n_test']:,} test rows x {p['n_features']} features, 26 classes "
                    "(scikit-learn make_classification), the size of nncli's OCR letters")
    X = np.concatenate([X_train, X_test])
    y = np.concatenate([y_train, y_test]).astype(np.int64)
    return Data(X, y, len(X_train), note)


def _synthetic(n, n_features, n_classes, n_informative, clusters=2, separation=1.5):
    """A classification problem that is learnable but not trivial (make_classification)."""
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=n, n_features=n_features, n_informative=n_informative,
                               n_redundant=0, n_classes=n_classes, n_clusters_per_class=clusters,
                               class_sep=separation, flip_y=0.01, shuffle=True, random_state=0)
    return X.astype(np.float32), y


def initial_weights(workload, n_features):
    """nncli's initial parameters for the workload: ``[(weight (out, in), bias (out,))]`` per layer."""
    from nncli.config import validate
    from nncli.data.pipeline import streams
    from nncli.nn.build import build_model

    config = validate(workload.nncli_config())
    n_classes = workload.n_classes
    model, _ = build_model(config, (n_features,), "classification", n_classes, 0, streams(config.seed)["init"])
    state = model.state_dict()
    layers = len(workload.sizes) - 1
    return [(state[f"{i}.weight"].copy(), state[f"{i}.bias"].copy()) for i in range(layers)]

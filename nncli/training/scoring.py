"""Scoring a split with a model: the per-epoch metrics of training, the final
test metrics, and ``nncli evaluate`` all come from ``EvalSet``, so their numbers agree."""

import copy

import numpy as np

from ..metrics import classification_metrics, regression_metrics
from ..nn.build import target_matrix


class EvalSet:
    """A split ready for scoring: network inputs, targets, class indices or values.

    Parameters
    ----------
    name : str
        The metrics' prefix (``train``, ``val``, ``test``).
    dataset : data.pipeline.Dataset
    split : data.pipeline.Split
        Raw rows ``X`` (N, F) and targets ``y`` (N,) or (N, T).
    head : nn.build.Head
    dtype : numpy dtype of the network
    """

    def __init__(self, name, dataset, split, head, dtype):
        self.name = name
        self.X = dataset.inputs(split.X, dtype)
        self.Y = target_matrix(split.y, head, dataset.n_classes, dtype)
        self.y = split.y
        self.classification = dataset.task == "classification"

    def score(self, model):
        """``{"<name>_loss": ..., "<name>_auc": ...}`` (or mse/r2/mae for regression)."""
        return self.score_outputs(*model.evaluate(self.X, self.Y))

    def score_outputs(self, loss, outputs):
        """The metrics of ``score`` from a mean loss and the outputs (N, K) of this split."""
        if self.classification:
            metrics = classification_metrics(self.y, outputs)
            metrics = {"loss": loss, "auc": metrics["auc"], "accuracy": metrics["accuracy"]}
        else:
            metrics = regression_metrics(self.y, outputs)
            metrics = {"loss": loss, "mse": metrics["mse"], "r2": metrics["r2"], "mae": metrics["mae"]}
        return {f"{self.name}_{key}": value for key, value in metrics.items()}

    def sample(self, size):
        """This set, or, when it has more than ``size`` rows, ``size`` of them evenly spaced."""
        n = len(self.X)
        if n <= size:
            return self
        rows = np.arange(size) * n // size
        part = copy.copy(self)
        part.X, part.Y, part.y = self.X[rows], self.Y[rows], self.y[rows]
        return part

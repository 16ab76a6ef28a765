"""The training loop: epochs of shuffled mini-batches, per-epoch metrics, stopping rules.

``Trainer`` knows nothing about files; ``nncli.session`` wires it to a config
and a run directory.
"""

import math
import time
from dataclasses import dataclass, field

import numpy as np

from .metrics import classification_metrics, regression_metrics
from .nn.build import target_matrix
from .nn.optimizers import make_optimizer
from .nn.schedules import make_schedule

HIGHER_IS_BETTER = ("auc", "accuracy", "r2")


class Diverged(Exception):
    """The training loss became NaN or infinite at ``epoch``."""

    def __init__(self, epoch):
        super().__init__(epoch)
        self.epoch = epoch


@dataclass
class History:
    """What a finished (or stopped) training produced."""

    rows: list = field(default_factory=list)
    stop_reason: str = "epochs"
    best_epoch: int = 0


class EvalSet:
    """A split ready for scoring: network inputs, targets, class indices or values."""

    def __init__(self, name, dataset, split, head, dtype):
        self.name = name
        self.X = dataset.inputs(split.X, dtype)
        self.Y = target_matrix(split.y, head, dataset.n_classes, dtype)
        self.y = split.y
        self.classification = dataset.task == "classification"

    def score(self, model):
        """``{"<name>_loss": ..., "<name>_auc": ...}`` (or mse/r2 for regression)."""
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


class Trainer:
    """Trains ``model`` on ``dataset`` as a ``training`` config section says.

    Parameters
    ----------
    model : Sequential
    head : nn.build.Head
    dataset : data.pipeline.Dataset
    training : schema.TrainingConfig
    shuffle_seed : int
    reporter : reporting.Reporter
    """

    def __init__(self, model, head, dataset, training, shuffle_seed, reporter):
        self.model = model
        self.training = training
        self.reporter = reporter
        dtype = model.dtype
        self.train_set = EvalSet("train", dataset, dataset.train, head, dtype)
        self.val_set = EvalSet("val", dataset, dataset.val, head, dtype) if dataset.val else None
        self.optimizer = make_optimizer(training.optimizer, model.parameters(), training)
        self.schedule = make_schedule(training.schedule, training.lr, training.epochs)
        self.rng = np.random.default_rng(shuffle_seed)
        self.monitor_split = "val" if self.val_set else "train"
        self.history = History()

    def batch_size(self):
        n = len(self.train_set.X)
        size = self.training.batch_size
        return n if size == "full" else min(int(size), n)

    def fit(self):
        """Run the epochs; return a History. Raises Diverged on a non-finite loss."""
        history = self.history
        X, Y = self.train_set.X, self.train_set.Y
        n, size = len(X), self.batch_size()
        x_batch = np.empty((size,) + X.shape[1:], dtype=X.dtype)
        y_batch = np.empty((size,) + Y.shape[1:], dtype=Y.dtype)
        stopping = self.training.early_stopping
        best_value, best_state, waited = None, None, 0
        last_good = self.model.state_dict()
        epochs = self.training.epochs
        for epoch in range(epochs):
            started = time.perf_counter()
            lr = self.schedule.lr(epoch)
            order = self.rng.permutation(n)
            for start in range(0, n, size):
                index = order[start : start + size]
                rows = len(index)
                xb = np.take(X, index, axis=0, out=x_batch[:rows], mode="clip")
                yb = np.take(Y, index, axis=0, out=y_batch[:rows], mode="clip")
                self.model.forward(xb, train=True)
                self.model.backward(yb)
                self.optimizer.step(lr)
            row = {"epoch": epoch + 1, "lr": lr}
            row.update(self.train_set.score(self.model))
            if self.val_set:
                row.update(self.val_set.score(self.model))
            row["seconds"] = time.perf_counter() - started
            if not math.isfinite(row["train_loss"]):
                self.model.load_state_dict(last_good)
                raise Diverged(epoch + 1)
            last_good = self.model.state_dict()
            history.rows.append(row)
            self.reporter.epoch(row, epochs)
            self.schedule.observe(row[f"{self.monitor_split}_loss"])

            target = self.training.target_auc
            if target is not None and row.get(f"{self.monitor_split}_auc", -1.0) >= target:
                history.stop_reason = "target_auc"
                break
            if stopping is not None:
                value = row[stopping.monitor]
                if best_value is None or _improved(value, best_value, stopping.monitor, stopping.min_delta):
                    best_value, waited, history.best_epoch = value, 0, epoch + 1
                    if stopping.restore_best:
                        best_state = self.model.state_dict()
                else:
                    waited += 1
                    if waited >= stopping.patience:
                        history.stop_reason = "early_stopping"
                        if best_state is not None:
                            self.model.load_state_dict(best_state)
                        break
        return history


def _improved(value, best, monitor, min_delta):
    if not math.isfinite(value):
        return False
    if monitor.split("_", 1)[1] in HIGHER_IS_BETTER:
        return value > best + min_delta
    return value < best - min_delta

"""The training loop: epochs of shuffled mini-batches, per-epoch metrics, stopping rules.

``Trainer`` knows nothing about files: its whole state (weights, optimizer,
schedule, random generators, position in the epoch, stopping bookkeeping,
history) goes in and out of ``state()`` / ``load_state()`` as plain arrays, so a
checkpoint can resume to exactly the run that was not interrupted.
``nncli.session`` wires it to a config and a run directory.
"""

import copy
import json
import math
import time

import numpy as np

from .metrics import classification_metrics, regression_metrics
from .nn.build import target_matrix
from .nn.optimizers import make_optimizer
from .nn.schedules import make_schedule
from .schema import HIGHER_IS_BETTER


class Diverged(Exception):
    """The training loss became NaN or infinite at ``epoch``."""

    def __init__(self, epoch):
        super().__init__(epoch)
        self.epoch = epoch


class Interrupted(Exception):
    """A stop was requested (Ctrl-C, SIGTERM); the current batch was finished first."""


class EvalSet:
    """A split ready for scoring: network inputs, targets, class indices or values."""

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


#: The per-epoch train_* metrics use at most this many training rows (evenly spaced,
#: the same every epoch): scoring all of a large training set would cost a third
#: of an epoch's arithmetic again, while 4096 rows estimate an accuracy with a
#: standard error under a point.  The final train metrics use every row.
TRAIN_SCORE_ROWS = 4096


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
        self.train_scored = self.train_set.sample(TRAIN_SCORE_ROWS)
        self.val_set = EvalSet("val", dataset, dataset.val, head, dtype) if dataset.val else None
        self.optimizer = make_optimizer(training.optimizer, model, training)
        self.schedule = make_schedule(training.schedule, training.lr, training.epochs)
        self.rng = np.random.default_rng(shuffle_seed)
        self.monitor_split = "val" if self.val_set else "train"
        # where training stands: completed epochs, and inside the current one
        self.epoch = 0
        self.order = None
        self.position = 0
        self.rows = []
        self.stop_reason = "epochs"
        self.best_epoch = 0
        self.best_value = None
        self.waited = 0
        self.best_state = None
        self.stop_requested = False
        # seconds spent in fit() so far (by this process), checkpoint writing excluded
        self.seconds = 0.0

    def batch_size(self):
        n = len(self.train_set.X)
        size = self.training.batch_size
        return n if size == "full" else min(int(size), n)

    def request_stop(self):
        """Ask the loop to stop after the batch it is on (safe to call from a signal handler)."""
        self.stop_requested = True

    def fit(self, on_epoch=None):
        """Run the remaining epochs; return the metrics rows.

        ``on_epoch(trainer)`` is called after every epoch (checkpoints hook in there).
        Raises Diverged on a non-finite loss and Interrupted after ``request_stop``.
        """
        X, Y = self.train_set.X, self.train_set.Y
        n, size = len(X), self.batch_size()
        # Shuffled rows are gathered a block of batches at a time (the whole epoch
        # for small data), each batch then being a slice of the block: one gather
        # per block instead of two per batch, and the block stays in cache.
        block = gather_rows(n, size, X[:1].nbytes + Y[:1].nbytes)
        x_block = np.empty((block,) + X.shape[1:], dtype=X.dtype)
        y_block = np.empty((block,) + Y.shape[1:], dtype=Y.dtype)
        model, optimizer = self.model, self.optimizer
        epochs = self.training.epochs
        last_good = self.model.state_dict()
        fit_started = time.perf_counter() - self.seconds
        while self.epoch < epochs and self.stop_reason == "epochs":
            started = time.perf_counter()
            lr = self.schedule.lr(self.epoch)
            if self.order is None:
                self.order, self.position = self.rng.permutation(n), 0
            while self.position < n:
                # a block starts at a batch boundary (also after a resume), so the
                # batches are the same as when taken one at a time
                index = self.order[self.position : self.position + block]
                rows = len(index)
                xs = np.take(X, index, axis=0, out=x_block[:rows], mode="clip")
                ys = np.take(Y, index, axis=0, out=y_block[:rows], mode="clip")
                for start in range(0, rows, size):
                    model.forward(xs[start : start + size], train=True)
                    model.backward(ys[start : start + size])
                    optimizer.step(lr)
                    self.position += min(size, rows - start)
                    if self.stop_requested:
                        raise Interrupted()
            row = {"epoch": self.epoch + 1, "lr": lr}
            row.update(self.train_scored.score(self.model))
            if self.val_set:
                row.update(self.val_set.score(self.model))
            row["seconds"] = time.perf_counter() - started
            if not (math.isfinite(row["train_loss"]) and self._parameters_finite()):
                self.model.load_state_dict(last_good)
                raise Diverged(self.epoch + 1)
            last_good = self.model.state_dict()
            self.epoch += 1
            self.order = None
            self.rows.append(row)
            self.reporter.epoch(row, epochs)
            self.schedule.observe(row[f"{self.monitor_split}_loss"])
            self._check_stopping(row)
            if on_epoch is not None:
                paused = time.perf_counter()
                on_epoch(self)
                fit_started += time.perf_counter() - paused  # checkpoint writing is not training time
            self.seconds = time.perf_counter() - fit_started
            if self.stop_requested:
                raise Interrupted()
        return self.rows

    def _parameters_finite(self):
        return all(np.isfinite(layer.params[name]).all() for _, layer, name in self.model.parameters())

    def _check_stopping(self, row):
        target = self.training.target_auc
        if target is not None and row.get(f"{self.monitor_split}_auc", -1.0) >= target:
            self.stop_reason = "target_auc"
            return
        stopping = self.training.early_stopping
        if stopping is None:
            return
        value = row[stopping.monitor]
        if self.best_value is None or _improved(value, self.best_value, stopping.monitor, stopping.min_delta):
            self.best_value, self.waited, self.best_epoch = value, 0, row["epoch"]
            if stopping.restore_best:
                self.best_state = self.model.state_dict()
            return
        self.waited += 1
        if self.waited >= stopping.patience:
            self.stop_reason = "early_stopping"
            if self.best_state is not None:
                self.model.load_state_dict(self.best_state)

    # -- checkpoints -----------------------------------------------------------------

    def _generators(self):
        """Every random generator the loop draws from: shuffling, then dropout masks."""
        dropout = [layer.rng for layer in _all_layers(self.model.layers) if getattr(layer, "rng", None) is not None]
        return [self.rng] + dropout

    def state(self):
        """Everything needed to continue exactly: ``{name: ndarray}`` (no objects, no pickle)."""
        arrays = {f"weights/{key}": value for key, value in self.model.state_dict().items()}
        for key, value in self.optimizer.state_arrays().items():
            if not key.endswith(".scratch"):
                arrays[f"optimizer/{key}"] = value
        if self.best_state is not None:
            arrays.update({f"best/{key}": value for key, value in self.best_state.items()})
        if self.order is not None:
            arrays["order"] = self.order
        progress = {
            "epoch": self.epoch, "position": self.position, "optimizer_steps": self.optimizer.steps,
            "stop_reason": self.stop_reason, "best_epoch": self.best_epoch, "best_value": self.best_value,
            "waited": self.waited, "schedule": self.schedule.state(),
            "generators": [g.bit_generator.state for g in self._generators()],
            "rows": self.rows,
        }
        arrays["progress"] = np.array(json.dumps(progress))
        return arrays

    def load_state(self, arrays):
        """Restore what ``state()`` returned (ValueError if it does not fit this model)."""
        progress = json.loads(str(arrays["progress"]))
        self.model.load_state_dict(_section(arrays, "weights/"))
        self.optimizer.load_state_arrays(_section(arrays, "optimizer/"))
        self.optimizer.steps = int(progress["optimizer_steps"])
        best = _section(arrays, "best/")
        self.best_state = best or None
        self.order = np.asarray(arrays["order"]) if "order" in arrays else None
        self.epoch, self.position = int(progress["epoch"]), int(progress["position"])
        self.stop_reason, self.best_epoch = progress["stop_reason"], int(progress["best_epoch"])
        self.best_value, self.waited = progress["best_value"], int(progress["waited"])
        self.schedule.load_state(progress["schedule"])
        generators = self._generators()
        if len(generators) != len(progress["generators"]):
            raise ValueError("checkpoint has a different number of random generators")
        for generator, state in zip(generators, progress["generators"]):
            generator.bit_generator.state = state
        self.rows = progress["rows"]


#: bytes of shuffled training rows gathered at a time (about a core's L2 cache)
GATHER_BYTES = 1 << 20


def gather_rows(n, batch_size, row_bytes):
    """How many shuffled rows to gather at a time: whole batches, about GATHER_BYTES, at most n."""
    batches = max(1, GATHER_BYTES // max(1, batch_size * row_bytes))
    return min(n, batches * batch_size)


def _section(arrays, prefix):
    return {key[len(prefix):]: value for key, value in arrays.items() if key.startswith(prefix)}


def _all_layers(layers):
    for layer in layers:
        yield layer
        yield from _all_layers(getattr(layer, "layers", []))


def _improved(value, best, monitor, min_delta):
    if not math.isfinite(value):
        return False
    if monitor.split("_", 1)[1] in HIGHER_IS_BETTER:
        return value > best + min_delta
    return value < best - min_delta

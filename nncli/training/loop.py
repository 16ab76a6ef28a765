"""The training loop: epochs of shuffled mini-batches, the batch step, per-epoch
metrics, timing and the divergence guard.  Everything else that watches or steers
training (progress display, checkpoints, learning-rate schedule, stopping rules)
is an observer (``training.observers``).

``Trainer`` knows nothing about files: its whole state (weights, optimizer,
random generators, position in the epoch, history, and its observers' state)
goes in and out of ``state()`` / ``load_state()`` as plain arrays, so a
checkpoint can resume to exactly the run that was not interrupted.
``training.run`` wires it to a config and a run directory.
"""

import json
import math
import time

import numpy as np

from ..nn.losses import row_weights
from ..nn.optimizers import make_optimizer
from .observers import ObserverList, config_rules
from .prepare import class_weights
from .scoring import EvalSet


class Diverged(Exception):
    """Training diverged at ``epoch``: ``reason`` says how (a NaN or infinite loss or
    weight, or a loss that exploded; see ``DIVERGENCE_FACTOR``)."""

    def __init__(self, epoch, reason="the loss became NaN or infinite"):
        super().__init__(epoch, reason)
        self.epoch = epoch
        self.reason = reason


#: An epoch whose train loss is over DIVERGENCE_FACTOR times the loss before training
#: (and over DIVERGENCE_FLOOR) has diverged, as a NaN would have: a network that
#: learns never gets a thousand times worse than its random start, while a rate far
#: too large can throw the weights around for ever without a NaN when tanh or
#: sigmoid keep the activations bounded.  The floor keeps a start that is already
#: almost perfect (a loss near 0) from tripping the rule on a small rise.
DIVERGENCE_FACTOR = 1000.0
DIVERGENCE_FLOOR = 1.0


class Interrupted(Exception):
    """A stop was requested (Ctrl-C, SIGTERM); the current batch was finished first."""


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
    observers : sequence of observers.Observer
        Called after the rules the config asks for (schedule, target AUC, early
        stopping), in this order.
    """

    def __init__(self, model, head, dataset, training, shuffle_seed, observers=()):
        self.model = model
        self.training = training
        dtype = model.dtype
        self.train_set = EvalSet("train", dataset, dataset.train, head, dtype)
        self.train_scored = self.train_set.sample(TRAIN_SCORE_ROWS)
        self.val_set = EvalSet("val", dataset, dataset.val, head, dtype) if dataset.val else None
        self.optimizer = make_optimizer(training.optimizer, model, training)
        weights = class_weights(training.class_weight, dataset)  # (K,) or None
        self.class_weights = None if weights is None else weights.astype(dtype)
        self.observers = ObserverList(config_rules(training) + list(observers))
        self.rng = np.random.default_rng(shuffle_seed)
        self.monitor_split = "val" if self.val_set else "train"
        self.lr = training.lr  # the current epoch's rate; observers may set it
        # where training stands: completed epochs, and inside the current one
        self.epoch = 0
        self.order = None
        self.position = 0
        self.rows = []
        self.stop_reason = "epochs"
        self.stop_requested = False
        # seconds spent in fit() so far (by this process), the observers' epoch ends excluded
        self.seconds = 0.0
        # the train loss before the first epoch (the divergence rule's reference), once known
        self.initial_loss = None

    def batch_size(self):
        n = len(self.train_set.X)
        size = self.training.batch_size
        return n if size == "full" else min(int(size), n)

    @property
    def stopping(self):
        """Whether an observer has ended training (the loop stops after this epoch)."""
        return self.stop_reason != "epochs"

    def stop(self, reason):
        """End training after the current epoch; ``reason`` becomes the summary's ``stop_reason``."""
        self.stop_reason = reason

    def request_stop(self):
        """Ask the loop to stop after the batch it is on (safe to call from a signal handler)."""
        self.stop_requested = True

    def fit(self):
        """Run the remaining epochs; return the metrics rows.

        Raises Diverged on a non-finite or exploding loss and Interrupted after ``request_stop``.
        """
        if self.initial_loss is None:
            # scoring reads the weights and draws no random numbers: training stays bit-identical
            self.initial_loss = self.train_scored.score(self.model)["train_loss"]
        self.observers.on_train_begin(self)
        try:
            self._epochs()
        finally:
            self.observers.on_train_end(self)
        return self.rows

    def _epochs(self):
        X, Y = self.train_set.X, self.train_set.Y
        n, size = len(X), self.batch_size()
        # Shuffled rows are gathered a block of batches at a time (the whole epoch
        # for small data), each batch then being a slice of the block: one gather
        # per block instead of two per batch, and the block stays in cache.
        block = gather_rows(n, size, X[:1].nbytes + Y[:1].nbytes)
        x_block = np.empty((block,) + X.shape[1:], dtype=X.dtype)
        y_block = np.empty((block,) + Y.shape[1:], dtype=Y.dtype)
        model, optimizer, weights = self.model, self.optimizer, self.class_weights
        last_good = self.model.state_dict()
        fit_started = time.perf_counter() - self.seconds
        while self.epoch < self.training.epochs and not self.stopping:
            started = time.perf_counter()
            self.observers.on_epoch_begin(self)
            lr = self.lr
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
                    target = ys[start : start + size]
                    model.backward(target, None if weights is None else row_weights(weights, target))
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
            if self._exploded(row["train_loss"]):
                self.model.load_state_dict(last_good)
                raise Diverged(self.epoch + 1, f"the train loss {row['train_loss']:.3g} is over {DIVERGENCE_FACTOR:g} "
                                               f"times its {self.initial_loss:.3g} before training")
            last_good = self.model.state_dict()
            self.epoch += 1
            self.order = None
            self.rows.append(row)
            paused = time.perf_counter()
            self.observers.on_epoch_end(self, row)
            fit_started += time.perf_counter() - paused  # checkpoint writing and display are not training time
            self.seconds = time.perf_counter() - fit_started
            if self.stop_requested:
                raise Interrupted()

    def _exploded(self, loss):
        """The divergence rule without NaN (see ``DIVERGENCE_FACTOR``)."""
        start = self.initial_loss
        return start is not None and loss > DIVERGENCE_FLOOR and loss > DIVERGENCE_FACTOR * start

    def _parameters_finite(self):
        return all(np.isfinite(layer.params[name]).all() for _, layer, name in self.model.parameters())

    # -- checkpoints -----------------------------------------------------------------

    def _generators(self):
        """Every random generator the loop draws from: shuffling, then dropout masks."""
        dropout = [layer.rng for layer in _all_layers(self.model.layers) if getattr(layer, "rng", None) is not None]
        return [self.rng] + dropout

    def state(self):
        """Everything needed to continue exactly: ``{name: ndarray}`` (no objects, no pickle).

        Arrays go in under their names (``weights/...``, ``optimizer/...``,
        ``order``, an observer's ``best/...``); every other value, the loop's and
        the observers', into the JSON text ``progress``.
        """
        arrays = {f"weights/{key}": value for key, value in self.model.state_dict().items()}
        for key, value in self.optimizer.state_arrays().items():
            if not key.endswith(".scratch"):
                arrays[f"optimizer/{key}"] = value
        if self.order is not None:
            arrays["order"] = self.order
        progress = {
            "epoch": self.epoch, "position": self.position, "optimizer_steps": self.optimizer.steps,
            "stop_reason": self.stop_reason, "initial_loss": self.initial_loss,
            "generators": [g.bit_generator.state for g in self._generators()],
            "rows": self.rows,
        }
        for key, value in self.observers.state().items():
            if key in arrays or key in progress:
                raise ValueError(f"an observer's checkpoint state {key!r} clashes with the loop's")
            (arrays if isinstance(value, np.ndarray) else progress)[key] = value
        arrays["progress"] = np.array(json.dumps(progress))
        return arrays

    def load_state(self, arrays):
        """Restore what ``state()`` returned (ValueError if it does not fit this model)."""
        progress = json.loads(str(arrays["progress"]))
        self.model.load_state_dict(_section(arrays, "weights/"))
        self.optimizer.load_state_arrays(_section(arrays, "optimizer/"))
        self.optimizer.steps = int(progress["optimizer_steps"])
        self.order = np.asarray(arrays["order"]) if "order" in arrays else None
        self.epoch, self.position = int(progress["epoch"]), int(progress["position"])
        self.stop_reason = progress["stop_reason"]
        # a checkpoint from before the divergence rule has none: the loss where it resumes is taken
        self.initial_loss = progress.get("initial_loss")
        generators = self._generators()
        if len(generators) != len(progress["generators"]):
            raise ValueError("checkpoint has a different number of random generators")
        for generator, state in zip(generators, progress["generators"]):
            generator.bit_generator.state = state
        self.rows = progress["rows"]
        self.observers.load_state({**arrays, **progress})


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

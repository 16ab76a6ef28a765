"""Observers of the training loop, as Keras's callbacks: everything that watches or
steers training from outside the batch step.

An observer overrides the hooks it needs; the others do nothing.  The loop
(``loop.Trainer``) calls, in list order::

    on_train_begin(trainer)           once, before the first (or resumed) epoch
    on_epoch_begin(trainer)           before each epoch's batches
    on_epoch_end(trainer, row)        after each epoch, with its metrics row (a dict)
    on_train_end(trainer)             once, however the loop ended (also by an exception)

An observer that steers training sets ``trainer.lr`` (the next epoch's rate) or
calls ``trainer.stop(reason)`` (Keras: ``model.stop_training = True``).  What it
must remember across an interruption it returns from ``state()`` as
``{name: JSON value or ndarray}`` and takes back in ``load_state(state)``; the
names share one namespace with the loop's own (``epoch``, ``rows``, ``weights/...``)
and are the checkpoint's keys, so they never change.
"""

import time

from ..metric_names import HIGHER_IS_BETTER
from ..metrics import improved
from ..nn.schedules import make_schedule


class Observer:
    """Watches the training loop; every hook does nothing unless overridden."""

    def on_train_begin(self, trainer):
        """Called once before the first epoch this process runs."""

    def on_epoch_begin(self, trainer):
        """Called before each epoch's batches (``trainer.epoch`` epochs are done)."""

    def on_epoch_end(self, trainer, row):
        """Called after each epoch with its metrics row (``epoch``, ``lr``, ``train_loss``, ...)."""

    def on_train_end(self, trainer):
        """Called once when the loop ends, however it ended."""

    def state(self):
        """What a checkpoint must hold to continue exactly: ``{name: JSON value or ndarray}``."""
        return {}

    def load_state(self, state):
        """Restore from a checkpoint's ``{name: value}`` (all of it: take your own names)."""


class ObserverList(Observer):
    """Several observers called in order, seen by the loop as one."""

    def __init__(self, observers=()):
        self.observers = list(observers)

    def on_train_begin(self, trainer):
        for observer in self.observers:
            observer.on_train_begin(trainer)

    def on_epoch_begin(self, trainer):
        for observer in self.observers:
            observer.on_epoch_begin(trainer)

    def on_epoch_end(self, trainer, row):
        for observer in self.observers:
            observer.on_epoch_end(trainer, row)

    def on_train_end(self, trainer):
        for observer in self.observers:
            observer.on_train_end(trainer)

    def state(self):
        merged = {}
        for observer in self.observers:
            part = observer.state()
            clash = set(part) & set(merged)
            if clash:
                raise ValueError(f"two observers keep checkpoint state under {', '.join(sorted(clash))}")
            merged.update(part)
        return merged

    def load_state(self, state):
        for observer in self.observers:
            observer.load_state(state)

    def find(self, kind):
        """The first observer of class ``kind``, or None."""
        return next((observer for observer in self.observers if isinstance(observer, kind)), None)


class LearningRate(Observer):
    """Sets each epoch's learning rate from a schedule (``nn.schedules``) and tells
    it the monitored loss after each epoch (only ``plateau`` acts on it)."""

    def __init__(self, schedule):
        self.schedule = schedule

    def on_epoch_begin(self, trainer):
        trainer.lr = self.schedule.lr(trainer.epoch)

    def on_epoch_end(self, trainer, row):
        self.schedule.observe(row[f"{trainer.monitor_split}_loss"])

    def state(self):
        return {"schedule": self.schedule.state()}

    def load_state(self, state):
        self.schedule.load_state(state["schedule"])


class TargetAUC(Observer):
    """Stops training once the monitored split's AUC reaches ``target`` (``training.target_auc``)."""

    def __init__(self, target):
        self.target = target

    def on_epoch_end(self, trainer, row):
        if row.get(f"{trainer.monitor_split}_auc", -1.0) >= self.target:
            trainer.stop("target_auc")


class EarlyStopping(Observer):
    """Stops training when ``monitor`` has not improved by more than ``min_delta``
    for ``patience`` epochs; with ``restore_best`` the best epoch's weights are put back.

    Parameters
    ----------
    config : schema.EarlyStoppingConfig
        ``monitor`` (e.g. ``val_loss``), ``patience``, ``min_delta``, ``restore_best``.
    """

    def __init__(self, config):
        self.monitor = config.monitor
        self.patience = config.patience
        self.min_delta = config.min_delta
        self.restore_best = config.restore_best
        self.higher_is_better = config.monitor.split("_", 1)[1] in HIGHER_IS_BETTER
        self.best_epoch = 0
        self.best_value = None
        self.waited = 0
        self.best_state = None  # {key: ndarray} of the best epoch, with restore_best

    def on_epoch_end(self, trainer, row):
        if trainer.stopping:  # another rule ended training at this epoch (target_auc): its weights stay
            return
        value = row[self.monitor]
        if self.best_value is None or improved(value, self.best_value, self.min_delta, self.higher_is_better):
            self.best_value, self.waited, self.best_epoch = value, 0, row["epoch"]
            if self.restore_best:
                self.best_state = trainer.model.state_dict()
            return
        self.waited += 1
        if self.waited >= self.patience:
            trainer.stop("early_stopping")
            if self.best_state is not None:
                trainer.model.load_state_dict(self.best_state)

    def state(self):
        state = {"best_epoch": self.best_epoch, "best_value": self.best_value, "waited": self.waited}
        if self.best_state is not None:
            state.update({f"best/{key}": value for key, value in self.best_state.items()})
        return state

    def load_state(self, state):
        self.best_epoch, self.best_value = int(state["best_epoch"]), state["best_value"]
        self.waited = int(state["waited"])
        self.best_state = {key[len("best/"):]: value for key, value in state.items() if key.startswith("best/")}
        self.best_state = self.best_state or None


class Progress(Observer):
    """Shows training on a reporter (``reporting.Reporter``): the run's start, each
    epoch's row; releases the display when the loop ends."""

    def __init__(self, reporter, run_dir, dataset):
        self.reporter = reporter
        self.run_dir = run_dir
        self.dataset = dataset

    def on_train_begin(self, trainer):
        self.reporter.start(self.run_dir, trainer.model, self.dataset, trainer.training.epochs)

    def on_epoch_end(self, trainer, row):
        self.reporter.epoch(row, trainer.training.epochs)

    def on_train_end(self, trainer):
        self.reporter.close()


class Checkpoints(Observer):
    """Calls ``write(trainer)`` after an epoch when ``seconds`` have passed since the
    last write (``training.checkpoint_seconds``), or when the epoch is a multiple of
    ``every`` (``training.checkpoint_every``); either may be None (never by that rule).

    A checkpoint costs a few milliseconds (``checkpoint.npz`` and ``metrics.csv``
    rewritten); small networks train an epoch in about as long, so counting epochs
    alone spent a quarter of a short training writing.  The time since the last
    write bounds what a crash (``kill -9``) can lose; a signal or the end of training
    writes one anyway (``training.run``).  Exact resume does not depend on when the
    checkpoints were written: each one holds the whole state at an epoch's end.
    """

    def __init__(self, every, write, seconds=None, clock=time.monotonic):
        self.every = every
        self.write = write
        self.seconds = seconds
        self.clock = clock
        self.last_write = None

    def on_train_begin(self, trainer):
        self.last_write = self.clock()  # the run has a checkpoint of where it starts from

    def on_epoch_end(self, trainer, row):
        by_epochs = self.every is not None and trainer.epoch % self.every == 0
        if self.seconds is not None and self.last_write is None:
            self.last_write = self.clock()  # called without on_train_begin: the clock starts now
        by_time = self.seconds is not None and self.clock() - self.last_write >= self.seconds
        if by_epochs or by_time:
            self.write(trainer)
            self.last_write = self.clock()


def config_rules(training):
    """The observers a ``training`` config section asks for, in the order they act:
    learning-rate schedule, target AUC, early stopping."""
    rules = [LearningRate(make_schedule(training.schedule, training.lr, training.epochs))]
    if training.target_auc is not None:
        rules.append(TargetAUC(training.target_auc))
    if training.early_stopping is not None:
        rules.append(EarlyStopping(training.early_stopping))
    return rules

"""Running a training: a config (and optionally data already in memory) in, a
closed run directory out.  The Python API behind ``nncli train``, and what a
sweep calls once per trial.

    path, summary = train(config, dataset=None, run_dir=None, observers=[...])

The run directory gets ``meta.json`` (claimed first), ``config.yaml``,
``preprocess.npz``, then ``checkpoint.npz`` and ``metrics.csv`` as training goes,
and at the end ``weights.npz``, ``summary.json`` and the plots.  Whatever
happens, ``meta.json`` ends with the run's status.

The run directory is locked (``runs.RunLock``) from its creation to the end, so
no second process trains it.  Signals (``signals.StopRequest``): while the
directory is set up (claimed, up to its first checkpoint) a Ctrl-C or SIGTERM
waits, then stops the run before its first batch as ``interrupted``, which
``--resume`` continues; during the epochs the first stops after the batch in
flight and a second at once; once the epochs are over the results are written
whatever comes (the run is ``completed``), and only pictures not yet drawn are
skipped.
"""

import os
import platform
import shlex
import sys
import time
from datetime import datetime, timezone

import numpy as np

from .. import __version__, runs
from ..blas_threads import threads_for_config
from ..config import load_config, resolved_yaml
from ..data.csv import fingerprint, fingerprint_soon
from ..data.pipeline import streams
from ..errors import ConfigError, RunError, RunInterrupted, TrainingFailed, warn
from ..float_errors import quiet_float_errors
from ..reporting import Reporter
from ..runs.load import LoadedRun
from ..signals import StopRequest, stop_on_signals
from .checkpoint import checkpoint_arrays, write_progress
from .loop import Diverged, Interrupted, Trainer
from .observers import Checkpoints, EarlyStopping, Progress
from .prepare import class_weights, prepare, preprocess_arrays, warm_start
from .scoring import EvalSet

STOP_MESSAGE = "nncli: stopping after this batch (press Ctrl-C again to stop at once)"
SETUP_MESSAGE = "nncli: stopping as soon as the run directory is set up (it can then be resumed)"
CLOSING_MESSAGE = "nncli: training has finished: writing its results first"
DRAWING_MESSAGE = "nncli: the run is complete: skipping the pictures not drawn yet"


def train_from_config(config_path, overrides=(), runs_root="runs", run_dir=None, name=None, reporter=None):
    """Train what a config file describes; write and return its run directory.

    Returns
    -------
    (Path, dict)
        The run directory and the summary (also in ``summary.json``).
    """
    config = load_config(config_path, overrides, name=name)
    try:
        return train(config, runs_root=runs_root, run_dir=run_dir, reporter=reporter)
    except ConfigError as exc:  # valid keys that do not fit together or the data: name the file or the --set
        raise ConfigError(_given_where(str(exc), config_path, overrides)) from None


def _given_where(message, config_path, overrides):
    """The message after where its key (its first word) was given: ``--set`` or the file."""
    key = message.split(" ", 1)[0].rstrip(":")
    given = [override.split("=", 1)[0].strip() for override in overrides]
    if any(key == g or key.startswith(g + ".") for g in given):
        return f"--set {message}"
    return f"{config_path}: {message}"


def train(config, dataset=None, runs_root="runs", run_dir=None, reporter=None, observers=()):
    """Train a validated config; write and return its run directory.

    Parameters
    ----------
    config : schema.Config
        From ``config.load_config(path)``, or ``config.validate(dict)`` for a config
        written in Python.
    dataset : data.pipeline.Dataset, optional
        Data already in memory, used instead of the data ``config.data`` names:
        ``data.pipeline.build_dataset(RawData(X, y, ...), config.data, config.seed)``.
        ``meta.json`` then records ``"data": "in memory"``, and commands that rebuild
        a run's data from its config (evaluate, plot) do not apply to the run.
    runs_root : str or Path
        Where a new run directory ``<name>-<time>-<hex>`` is made (without ``run_dir``).
    run_dir : str or Path, optional
        Exactly this directory (it must not exist or be empty).
    reporter : reporting.Reporter, optional
        Progress display; none by default.
    observers : sequence of training.observers.Observer
        More observers of the loop (e.g. a sweep's), called after the config's
        own rules and before each checkpoint is written.

    Returns
    -------
    (Path, dict)
        The run directory and the summary (also in ``summary.json``); the summary's
        ``train_seconds`` is the time spent in the epoch loop (batches, per-epoch
        metrics; not the observers' work at each epoch's end, such as writing
        checkpoints), ``wall_seconds`` the whole training with its final evaluation.
    """
    in_memory = dataset is not None
    if not in_memory and config.data.path is not None:
        fingerprint_soon(config.data.path)  # hashed while the rows are split and scaled
    dataset, model, head = prepare(config, dataset)
    if config.data.path is not None and config.data.task is None:
        config = config.replace("data.task", dataset.task)  # record the inferred task in the resolved config
    meta = {
        "status": "running",
        "nncli_version": __version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "command": command_line(),
        "started_at": now(),
        "ended_at": None,
        "seed": config.seed,
        "pid": os.getpid(),
        "model": repr(model),
        "loss": head.loss,
        "output_activation": head.activation,
        "host": platform.node(),
    }
    if config.model.init_from is not None:
        meta["init_from"] = warm_start(model, config.model.init_from)
    weights = class_weights(config.training.class_weight, dataset)
    if weights is not None:
        meta["class_weights"] = {str(label): float(weight) for label, weight in zip(dataset.classes.tolist(), weights)}
    if in_memory:
        meta["data"] = "in memory"
    elif config.data.path is not None:
        meta["data_sha256"] = fingerprint(config.data.path)
    reporter = reporter or Reporter()
    stop = setup_stop()
    with runs.RunLock() as lock, stop_on_signals(stop):
        path = runs.create_run_dir(runs_root, config.name or "run", run_dir, meta=meta, lock=lock)
        try:
            config_text = resolved_yaml(config, relative_to=path)
            runs.write_text(path / runs.CONFIG, config_text)
            trainer = start_training(path, config, config_text, dataset, model, head, reporter, observers)
        except BaseException:
            _mark_failed(path, meta)
            raise
        return run_to_end(path, config, config_text, dataset, head, trainer, meta, reporter, stop)


def setup_stop():
    """The stop request while a run directory is set up: a signal waits until the run can
    be resumed, then stops it before its first batch (``run_to_end`` takes it over)."""
    return StopRequest(lambda: None, SETUP_MESSAGE, at_once=False)


def start_training(path, config, config_text, dataset, model, head, reporter, observers=()):
    """``preprocess.npz``, the trainer and its first ``checkpoint.npz``: from here on
    ``--resume`` can continue the run.  Returns the trainer."""
    runs.write_npz(path / runs.PREPROCESS, preprocess_arrays(dataset))
    trainer = make_trainer(path, config, config_text, dataset, model, head, reporter, observers)
    runs.write_npz(path / runs.CHECKPOINT, checkpoint_arrays(trainer, config_text))
    return trainer


def make_trainer(path, config, config_text, dataset, model, head, reporter, observers=()):
    """The loop for a run directory: the config's rules, then ``observers``, the
    progress display and the checkpoint writer (``training.checkpoint_seconds``,
    ``training.checkpoint_every``)."""
    training = config.training
    checkpoints = Checkpoints(training.checkpoint_every, lambda trainer: write_progress(path, trainer, config_text),
                              seconds=training.checkpoint_seconds)
    return Trainer(model, head, dataset, training, streams(config.seed)["shuffle"],
                   [Progress(reporter, path, dataset), *observers, checkpoints])


def run_to_end(path, config, config_text, dataset, head, trainer, meta, reporter, stop):
    """Train to the end, checkpointing; close the run directory whatever happens.

    ``stop`` is the ``signals.StopRequest`` the caller installed with
    ``stop_on_signals``; a stop it received while the run was set up stops the
    run before its first batch.  Returns ``(path, summary)``.
    """
    model = trainer.model
    clock = time.perf_counter()
    try:
        stop.phase(trainer.request_stop, STOP_MESSAGE)
        with quiet_float_errors(), threads_for_config(model, config.training):
            if trainer.stop_requested:  # the signal came while the run directory was set up
                raise Interrupted()
            trainer.fit()
    except Diverged as exc:
        write_progress(path, trainer, config_text)
        _close(path, meta, "diverged", trainer)
        raise TrainingFailed(
            f"training diverged at epoch {exc.epoch} ({exc.reason}); "
            f"try a smaller training.lr (now {config.training.lr:g}); the weights before that epoch are in {path}",
            run_dir=path) from None
    except Interrupted:
        # the batch in flight was finished, so this state resumes exactly
        write_progress(path, trainer, config_text)
        _close(path, meta, "interrupted", trainer)
        raise RunInterrupted(f"interrupted at epoch {trainer.epoch + 1}; continue with: "
                             f"nncli train --resume {path}", run_dir=path) from None
    except KeyboardInterrupt:
        # a second Ctrl-C: the model may be mid-update, so keep the last checkpoint as it is
        meta.update(status="interrupted", ended_at=now())
        runs.write_json(path / runs.META, meta)
        raise RunInterrupted(f"interrupted; continue from the last checkpoint with: "
                             f"nncli train --resume {path}", run_dir=path) from None
    except BaseException:
        meta.update(status="failed", ended_at=now())
        runs.write_json(path / runs.META, meta)
        raise

    # the epochs are over: the results are written whatever signal comes now
    stop.phase(lambda: None, CLOSING_MESSAGE, at_once=False)
    with threads_for_config(model, config.training):  # evaluate's count: it repeats these numbers exactly
        final = final_metrics(trainer, EvalSet("test", dataset, dataset.test, head, model.dtype))
    stopping = trainer.observers.find(EarlyStopping)
    summary = {
        "status": "completed" if trainer.stop_reason == "epochs" else "stopped_early",
        "stop_reason": trainer.stop_reason,
        "epochs_run": len(trainer.rows),
        "best_epoch": (stopping.best_epoch if stopping else 0) or len(trainer.rows),
        "wall_seconds": round(time.perf_counter() - clock, 3),
        "train_seconds": round(trainer.seconds, 4),
        "task": dataset.task,
        "n_train": len(dataset.train),
        "n_val": len(dataset.val) if dataset.val else 0,
        "n_test": len(dataset.test),
        "n_params": model.n_params,
        **final,
    }
    try:
        write_progress(path, trainer, config_text)
        runs.write_json(path / runs.SUMMARY, summary)
        _close(path, meta, summary["status"], trainer)
    except RunError:  # a full disk: the run is not complete; its last checkpoint still resumes
        _mark_failed(path, meta)
        raise
    reporter.finish(summary)
    if config.output.plots and stop.requested:
        warn(f"pictures not drawn (stopped by a signal); draw them with: nncli plot {path}")
    elif config.output.plots:
        stop.phase(lambda: None, DRAWING_MESSAGE, drop=True)
        draw_plots(LoadedRun(path, config, dataset, model, head, None), reporter)
        stop.phase(lambda: None, CLOSING_MESSAGE, at_once=False)
    return path, summary


def final_metrics(trainer, test_set):
    """Train (every row), val and test metrics of the trained model."""
    with quiet_float_errors():
        final = trainer.train_set.score(trainer.model)
        if trainer.val_set:
            final.update(trainer.val_set.score(trainer.model))
        final.update(test_set.score(trainer.model))
    return final


def draw_plots(run, reporter):
    """Draw a just-trained run's pictures.  The run is complete already, so a
    failure is only a one-line warning on stderr."""
    from ..plots import PLOTS_DIR, draw_all  # here: a run without plots never imports them

    def failed(what, exc):
        warn(f"could not draw {what}: {type(exc).__name__}: {exc}")

    try:
        drawing = draw_all(run=run, on_error=lambda name, exc: failed(f"{name}.png", exc))
    except KeyboardInterrupt:  # a signal while drawing: the run is complete, the pictures can wait
        warn(f"pictures not all drawn (stopped by a signal); draw them with: nncli plot {run.path}")
        return
    except Exception as exc:
        failed("the plots", exc)
        return
    reporter.plots(run.path / PLOTS_DIR, drawing.paths)


def _mark_failed(path, meta):
    """``meta.json`` says ``failed`` (when it can still be written: the error that got here matters more)."""
    meta.update(status="failed", ended_at=now())
    try:
        runs.write_json(path / runs.META, meta)
    except (OSError, RunError):
        pass


def _close(path, meta, status, trainer):
    runs.write_npz(path / runs.WEIGHTS, trainer.model.state_dict())
    meta.update(status=status, ended_at=now())
    runs.write_json(path / runs.META, meta)


def now():
    """The local time, ISO 8601 to the second, with its UTC offset."""
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


def command_line():
    """The command as typed (for ``meta.json``)."""
    return shlex.join(["nncli"] + sys.argv[1:])

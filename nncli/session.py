"""The services behind the commands: each reads its inputs, does one job and
writes or returns its results.  The CLI only parses arguments and calls these."""

import contextlib
import os
import platform
import shlex
import signal
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

from . import __version__, runs
from .config import load_config, resolved_yaml
from .errors import ConfigError, DataError, RunInterrupted, TrainingFailed


def _now():
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


def prepare(config, dataset=None):
    """Load a config's data (unless ``dataset`` is given) and build its (initialised)
    network: (dataset, model, head)."""
    from .data.pipeline import load_dataset, streams
    from .data.registry import DATASETS
    from .limits import check_memory
    from .nn.build import build_model

    if dataset is None:
        params = DATASETS[config.data.dataset].params.model_validate(config.data.params)
        check_memory(config, params)
        dataset = load_dataset(config.data, config.seed)
    n_targets = 0 if dataset.n_classes else len(dataset.target_names)
    model, head = build_model(config, dataset.input_shape, dataset.task, dataset.n_classes,
                              n_targets, streams(config.seed)["init"])
    _check_task_options(config, dataset.task)
    if config.data.path is not None and config.data.task is None:
        config.data.task = dataset.task  # record the inferred task in the resolved config
    return dataset, model, head


def _check_task_options(config, task):
    training = config.training
    metrics = ("loss", "auc", "accuracy") if task == "classification" else ("loss", "mse", "r2")
    if training.target_auc is not None and task != "classification":
        raise ConfigError("training.target_auc needs a classification dataset")
    stopping = training.early_stopping
    if stopping is not None and stopping.monitor.split("_", 1)[1] not in metrics:
        allowed = ", ".join(f"{split}_{m}" for split in ("val", "train") for m in metrics)
        raise ConfigError(f"training.early_stopping.monitor {stopping.monitor} does not apply to "
                          f"{task}; use one of {allowed}")


def preprocess_arrays(dataset):
    """What ``preprocess.npz`` holds: feature names, scaler, classes or target names."""
    import numpy as np

    arrays = {
        "feature_names": np.array(dataset.feature_names, dtype=str),
        "mean": dataset.mean,
        "scale": dataset.scale,
        "input_shape": np.array(dataset.input_shape, dtype=np.int64),
        "target_names": np.array(dataset.target_names, dtype=str),
    }
    if dataset.classes is not None:
        classes = dataset.classes
        arrays["classes"] = classes.astype(str) if classes.dtype == object else classes
    return arrays


def train_from_config(config_path, overrides=(), runs_root="runs", run_dir=None, name=None, reporter=None):
    """Train what a config file describes; write and return its run directory.

    Returns
    -------
    (Path, dict)
        The run directory and the summary (also in ``summary.json``).
    """
    config = load_config(config_path, overrides)
    if name is not None:
        config.name = name
    try:
        return train(config, runs_root=runs_root, run_dir=run_dir, reporter=reporter)
    except ConfigError as exc:  # valid keys that do not fit together or the data: name the file
        raise ConfigError(f"{config_path}: {exc}") from None


def train(config, dataset=None, runs_root="runs", run_dir=None, reporter=None):
    """Train a validated config; write and return its run directory.  The Python API
    behind ``nncli train``.

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
    reporter : reporting.Reporter, optional
        Progress display; none by default.

    Returns
    -------
    (Path, dict)
        The run directory and the summary (also in ``summary.json``); the summary's
        ``train_seconds`` is the time spent in the epoch loop (batches, per-epoch
        metrics and bookkeeping; not checkpoint writing), ``wall_seconds`` the whole
        training with its final evaluation.
    """
    import numpy as np

    from .data.pipeline import streams
    from .train import Trainer

    in_memory = dataset is not None
    dataset, model, head = prepare(config, dataset)
    meta = {
        "status": "running",
        "nncli_version": __version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "command": _command_line(),
        "started_at": _now(),
        "ended_at": None,
        "seed": config.seed,
        "pid": os.getpid(),
        "model": repr(model),
        "loss": head.loss,
        "output_activation": head.activation,
        "host": platform.node(),
    }
    if in_memory:
        meta["data"] = "in memory"
    elif config.data.path is not None:
        from .data.csv import fingerprint

        meta["data_sha256"] = fingerprint(config.data.path)
    path = runs.create_run_dir(runs_root, config.name or "run", run_dir, meta=meta)
    config_text = resolved_yaml(config, relative_to=path)
    runs.write_text(path / runs.CONFIG, config_text)
    runs.write_npz(path / runs.PREPROCESS, preprocess_arrays(dataset))
    trainer = Trainer(model, head, dataset, config.training, streams(config.seed)["shuffle"], reporter)
    runs.write_npz(path / runs.CHECKPOINT, _checkpoint(trainer, config_text))
    return _run_training(path, config, config_text, dataset, head, trainer, meta, reporter)


def resume_run(run_dir, config_path=None, overrides=(), reporter=None):
    """Continue an interrupted or crashed run from its ``checkpoint.npz``.

    Returns ``(path, summary)``; ``summary`` is None when the run had already finished.
    Raises RunError when the run cannot be resumed, ConfigError when the given config
    differs from the run's.
    """
    from .data.pipeline import streams
    from .errors import RunError
    from .train import Trainer

    path = Path(run_dir)
    if not path.is_dir():
        raise RunError(f"run directory not found: {path}")
    meta = runs.read_json(path / runs.META)
    status = meta.get("status")
    if status in ("completed", "stopped_early"):
        return path, None
    if status == "diverged":
        raise RunError(f"{path} diverged; start a new run with a smaller training.lr instead of resuming")
    if status == "running" and _process_alive(meta.get("pid")):
        raise RunError(f"{path} is still being trained by process {meta.get('pid')}")
    runs.remove_stale_temporaries(path)
    config = load_config(path / runs.CONFIG)
    if config_path is not None or overrides:
        _refuse_changed_config(config, load_config(config_path or path / runs.CONFIG, overrides), path)
    checkpoint = runs.read_npz(path / runs.CHECKPOINT)
    config_text = _refuse_edited_config_file(path, checkpoint)
    dataset, model, head = prepare(config)
    trainer = Trainer(model, head, dataset, config.training, streams(config.seed)["shuffle"], reporter)
    try:
        trainer.load_state(checkpoint)
    except (KeyError, ValueError, TypeError) as exc:
        raise RunError(f"{path / runs.CHECKPOINT} does not fit this run's model: {exc}") from None
    meta.update(status="running", pid=os.getpid(), ended_at=None)
    meta.setdefault("resumed", []).append({"at": _now(), "epoch": trainer.epoch, "command": _command_line()})
    runs.write_json(path / runs.META, meta)
    return _run_training(path, config, config_text, dataset, head, trainer, meta, reporter)


def _checkpoint(trainer, config_text):
    """The trainer's state and the text of the config.yaml the run started with."""
    import numpy as np

    return {**trainer.state(), "config_yaml": np.array(config_text)}


def _refuse_edited_config_file(path, checkpoint):
    """The config text the run started with; ConfigError if its config.yaml was edited since.

    Checkpoints written before nncli kept that text carry none: their run's
    config.yaml is then taken as it is.
    """
    import yaml

    current = (path / runs.CONFIG).read_text(encoding="utf-8")
    if "config_yaml" not in checkpoint:
        return current
    started = str(checkpoint["config_yaml"])
    if started != current:
        changed = sorted(_differences(yaml.safe_load(started) or {}, yaml.safe_load(current) or {}))
        if changed:
            raise ConfigError(f"cannot resume {path}: its config.yaml was changed after training started "
                              f"({', '.join(changed)}); put it back, or train a new run")
    return started


def _refuse_changed_config(saved, given, path):
    mine, theirs = saved.model_dump(exclude={"name"}), given.model_dump(exclude={"name"})
    changed = sorted(_differences(mine, theirs))
    if changed:
        raise ConfigError(f"cannot resume {path} with a changed config ({', '.join(changed)}); "
                          "resume without a config, or train a new run")


def _differences(a, b, prefix=""):
    keys = set(a) | set(b)
    for key in keys:
        left, right = a.get(key), b.get(key)
        if isinstance(left, dict) and isinstance(right, dict):
            yield from _differences(left, right, f"{prefix}{key}.")
        elif left != right:
            yield f"{prefix}{key}"


def _process_alive(pid):
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _command_line():
    return shlex.join(["nncli"] + sys.argv[1:])


def _run_training(path, config, config_text, dataset, head, trainer, meta, reporter):
    """Train to the end, checkpointing; close the run directory whatever happens."""
    import numpy as np

    from .reporting import Reporter
    from .train import Diverged, EvalSet, Interrupted

    reporter = reporter or Reporter()
    trainer.reporter = reporter
    model = trainer.model
    clock = time.perf_counter()
    every = config.training.checkpoint_every

    def checkpoint(trainer):
        if trainer.epoch % every == 0:
            _write_progress(path, trainer, config_text)

    try:
        with _stop_on_signals(trainer), np.errstate(over="ignore", invalid="ignore", divide="ignore",
                                                    under="ignore"):
            reporter.start(path, model, dataset, config.training.epochs)
            trainer.fit(on_epoch=checkpoint)
    except Diverged as exc:
        _write_progress(path, trainer, config_text)
        _close(path, meta, "diverged", trainer)
        raise TrainingFailed(
            f"training diverged at epoch {exc.epoch} (the loss became NaN or infinite); "
            f"try a smaller training.lr (now {config.training.lr:g}); the last finite weights are in {path}"
        ) from None
    except Interrupted:
        # the batch in flight was finished, so this state resumes exactly
        _write_progress(path, trainer, config_text)
        _close(path, meta, "interrupted", trainer)
        raise RunInterrupted(f"interrupted at epoch {trainer.epoch + 1}; continue with: "
                             f"nncli train --resume {path}") from None
    except KeyboardInterrupt:
        # a second Ctrl-C: the model may be mid-update, so keep the last checkpoint as it is
        meta.update(status="interrupted", ended_at=_now())
        runs.write_json(path / runs.META, meta)
        raise RunInterrupted(f"interrupted; continue from the last checkpoint with: "
                             f"nncli train --resume {path}") from None
    except BaseException:
        meta.update(status="failed", ended_at=_now())
        runs.write_json(path / runs.META, meta)
        raise
    finally:
        reporter.close()

    test_set = EvalSet("test", dataset, dataset.test, head, model.dtype)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        final = trainer.train_set.score(model)
        if trainer.val_set:
            final.update(trainer.val_set.score(model))
        final.update(test_set.score(model))
    summary = {
        "status": "completed" if trainer.stop_reason == "epochs" else "stopped_early",
        "stop_reason": trainer.stop_reason,
        "epochs_run": len(trainer.rows),
        "best_epoch": trainer.best_epoch or len(trainer.rows),
        "wall_seconds": round(time.perf_counter() - clock, 3),
        "train_seconds": round(trainer.seconds, 4),
        "task": dataset.task,
        "n_train": len(dataset.train),
        "n_val": len(dataset.val) if dataset.val else 0,
        "n_test": len(dataset.test),
        "n_params": model.n_params,
        **final,
    }
    _write_progress(path, trainer, config_text)
    runs.write_json(path / runs.SUMMARY, summary)
    _close(path, meta, summary["status"], trainer)
    reporter.finish(summary)
    if config.output.plots:
        draw_plots(LoadedRun(path, config, dataset, model, head, None), reporter)
    return path, summary


def draw_plots(run, reporter):
    """Draw a just-trained run's pictures.  The run is complete already, so a
    failure is only a one-line warning on stderr."""

    def warn(what, exc):
        print(f"nncli: warning: could not draw {what}: {type(exc).__name__}: {exc}", file=sys.stderr)

    try:
        from .plots import PLOTS_DIR, draw_all

        drawing = draw_all(run=run, on_error=lambda name, exc: warn(f"{name}.png", exc))
    except Exception as exc:
        warn("the plots", exc)
        return
    reporter.plots(run.path / PLOTS_DIR, drawing.paths)


def _write_progress(path, trainer, config_text):
    """The checkpoint and the metrics so far, each replaced atomically."""
    runs.write_npz(path / runs.CHECKPOINT, _checkpoint(trainer, config_text))
    rows = trainer.rows
    columns = ["epoch", "seconds", "lr"] + [key for key in (rows[0] if rows else {}) if "_" in key]
    runs.write_csv(path / runs.METRICS, rows, columns)


def _close(path, meta, status, trainer):
    runs.write_npz(path / runs.WEIGHTS, trainer.model.state_dict())
    meta.update(status=status, ended_at=_now())
    runs.write_json(path / runs.META, meta)


#: trainings running outside the main thread, which signals do not reach: thread id -> Trainer
_THREAD_TRAININGS = {}


def stop_training_in_thread(ident):
    """Ask the training running in thread ``ident`` to stop after its batch; False if none runs there."""
    trainer = _THREAD_TRAININGS.get(ident)
    if trainer is not None:
        trainer.request_stop()
    return trainer is not None


@contextlib.contextmanager
def _stop_on_signals(trainer):
    """First Ctrl-C or SIGTERM: finish the batch, then stop cleanly. Second: stop at once.
    Outside the main thread: ``stop_training_in_thread`` does what the first signal does."""
    if threading.current_thread() is not threading.main_thread():
        _THREAD_TRAININGS[threading.get_ident()] = trainer
        try:
            yield
        finally:
            _THREAD_TRAININGS.pop(threading.get_ident(), None)
        return

    def handler(signum, frame):
        if trainer.stop_requested:
            raise KeyboardInterrupt
        trainer.request_stop()
        print("nncli: stopping after this batch (press Ctrl-C again to stop at once)", file=sys.stderr)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def write_data_split(config_path, split, output, overrides=()):
    """Write one split's raw rows as CSV: feature columns, then the target column(s)."""
    from .errors import UsageError

    if split not in ("train", "val", "test"):
        raise UsageError(f"--split must be train, val or test (got '{split}')")
    config = load_config(config_path, overrides)
    from .data.pipeline import load_dataset

    dataset = load_dataset(config.data, config.seed)
    part = dataset.split(split)
    targets = dataset.labels(part.y) if dataset.classes is not None else part.y
    text = csv_text(dataset.feature_names + dataset.target_names, part.X, targets)
    if output == "-":
        sys.stdout.write(text)
    else:
        try:
            runs.write_text(Path(output), text)
        except OSError as exc:
            raise DataError(f"cannot write {output}: {exc.strerror}") from None


def csv_text(columns, X, targets):
    """CSV text with a header; floats written so that they read back exactly."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    targets = targets.reshape(len(targets), -1).tolist()
    for features, target in zip(X.tolist(), targets):
        writer.writerow([repr(v) for v in features] + [_cell(v) for v in target])
    return buffer.getvalue()


def _cell(value):
    return repr(value) if isinstance(value, float) else value


class LoadedRun:
    """A finished run read back from its directory: config, data, trained model."""

    def __init__(self, path, config, dataset, model, head, preprocess):
        self.path = path
        self.config = config
        self.dataset = dataset
        self.model = model
        self.head = head
        self.preprocess = preprocess


def load_run(run_dir):
    """Rebuild a run's data splits (from its config and seed) and its trained model.

    Raises RunError when the directory or one of its files is missing or unreadable.
    """
    from .data.pipeline import load_dataset
    from .errors import RunError

    run = load_model(run_dir)
    meta = runs.read_json(run.path / runs.META) if (run.path / runs.META).exists() else {}
    if meta.get("data") == "in memory":
        raise RunError(f"{run.path} was trained on arrays in memory, which its config cannot rebuild; "
                       "score it on a labelled CSV with nncli evaluate --data")
    _check_data_file(run)
    run.dataset = load_dataset(run.config.data, run.config.seed)
    return run


def _check_data_file(run):
    """Refuse to rebuild the splits of a CSV run whose file changed since training:
    they would not be the rows the run was trained and tested on."""
    from .data.csv import fingerprint
    from .errors import RunError

    if run.config.data.path is None:
        return
    try:
        recorded = runs.read_json(run.path / runs.META).get("data_sha256")
    except RunError:
        return
    if recorded and fingerprint(run.config.data.path) not in (None, recorded):
        raise DataError(f"{run.config.data.path} changed since the run was trained, so its splits cannot be "
                        "rebuilt; score the new file with --data instead")


PREPROCESS_KEYS = ("feature_names", "mean", "scale", "input_shape", "target_names")


def load_model(run_dir):
    """A run's config and trained model, built from ``preprocess.npz`` without
    reading or generating its data (``dataset`` is None): what ``predict`` needs.

    Raises RunError when the directory or one of its files is missing or unreadable.
    """
    from .data.pipeline import streams
    from .errors import RunError
    from .nn.build import build_model

    path = Path(run_dir)
    if not path.is_dir():
        raise RunError(f"run directory not found: {path}")
    config = load_config(path / runs.CONFIG)
    preprocess = runs.read_npz(path / runs.PREPROCESS)
    missing = [key for key in PREPROCESS_KEYS if key not in preprocess]
    if missing:
        raise RunError(f"{path / runs.PREPROCESS} lacks {', '.join(missing)}")
    classes = preprocess.get("classes")
    task = "regression" if classes is None else "classification"
    n_classes = 0 if classes is None else len(classes)
    n_targets = len(preprocess["target_names"]) if classes is None else 0
    model, head = build_model(config, tuple(int(n) for n in preprocess["input_shape"]), task, n_classes,
                              n_targets, streams(config.seed)["init"])
    try:
        model.load_state_dict(runs.read_npz(path / runs.WEIGHTS))
    except ValueError as exc:
        raise RunError(f"{path / runs.WEIGHTS}: {exc}") from None
    return LoadedRun(path, config, None, model, head, preprocess)

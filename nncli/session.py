"""The services behind the commands: each reads its inputs, does one job and
writes or returns its results.  The CLI only parses arguments and calls these."""

import math
import platform
import shlex
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from . import __version__, runs
from .config import load_config, resolved_yaml
from .errors import ConfigError, DataError, TrainingFailed


def _now():
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


def prepare(config):
    """Load a config's data and build its (initialised) network: (dataset, model, head)."""
    from .data.pipeline import load_dataset, streams
    from .nn.build import build_model

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
    import numpy as np

    from .data.pipeline import streams
    from .reporting import Reporter
    from .train import Diverged, EvalSet, Trainer

    reporter = reporter or Reporter()
    config = load_config(config_path, overrides)
    if name is not None:
        config.name = name
    dataset, model, head = prepare(config)
    started, clock = _now(), time.perf_counter()
    path = runs.create_run_dir(runs_root, config.name, run_dir)
    meta = {
        "status": "running",
        "nncli_version": __version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "command": shlex.join(["nncli"] + sys.argv[1:]),
        "started_at": started,
        "ended_at": None,
        "seed": config.seed,
        "pid": __import__("os").getpid(),
        "model": repr(model),
        "loss": head.loss,
        "output_activation": head.activation,
        "host": platform.node(),
    }
    if config.data.path is not None:
        from .data.csv import fingerprint

        meta["data_sha256"] = fingerprint(config.data.path)
    runs.write_text(path / runs.CONFIG, resolved_yaml(config, relative_to=path))
    runs.write_json(path / runs.META, meta)
    runs.write_npz(path / runs.PREPROCESS, preprocess_arrays(dataset))

    trainer = Trainer(model, head, dataset, config.training, streams(config.seed)["shuffle"], reporter)
    history = None
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            reporter.start(path, model, dataset, config.training.epochs)
            history = trainer.fit()
    except Diverged as exc:
        _finish(path, meta, "diverged", model, trainer)
        raise TrainingFailed(
            f"training diverged at epoch {exc.epoch} (the loss became NaN or infinite); "
            f"try a smaller training.lr (now {config.training.lr:g}). Run directory: {path}"
        ) from None
    except KeyboardInterrupt:
        _finish(path, meta, "interrupted", model, trainer)
        raise
    except BaseException:
        _finish(path, meta, "failed", model, trainer)
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
        "status": "completed" if history.stop_reason == "epochs" else "stopped_early",
        "stop_reason": history.stop_reason,
        "epochs_run": len(history.rows),
        "best_epoch": history.best_epoch or len(history.rows),
        "wall_seconds": round(time.perf_counter() - clock, 3),
        "task": dataset.task,
        "n_train": len(dataset.train),
        "n_val": len(dataset.val) if dataset.val else 0,
        "n_test": len(dataset.test),
        "n_params": model.n_params,
        **final,
    }
    _finish(path, meta, summary["status"], model, trainer, summary)
    reporter.finish(summary)
    return path, summary


def _finish(path, meta, status, model, trainer, summary=None):
    """Write the run's closing files: metrics so far, weights, summary, final meta."""
    rows = trainer.history.rows
    columns = ["epoch", "seconds", "lr"] + [key for key in (rows[0] if rows else {}) if "_" in key]
    runs.write_csv(path / runs.METRICS, rows, columns)
    runs.write_npz(path / runs.WEIGHTS, model.state_dict())
    if summary is not None:
        runs.write_json(path / runs.SUMMARY, summary)
    meta.update(status=status, ended_at=_now())
    runs.write_json(path / runs.META, meta)


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

    run = load_model(run_dir)
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

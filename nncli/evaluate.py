"""Score a trained run: on one of its own splits, rebuilt from its config and seed, or on a labelled CSV.

A split is scored by the same code training used (``training.scoring.EvalSet``),
so the numbers equal those in ``summary.json`` and carry its names (``test_auc``,
``val_loss``); classification adds the confusion matrix and per-class precision,
recall and F1.  A run that did not finish is scored too, with a warning.
"""

import numpy as np

from .blas_threads import threads_for_config
from .data.csv import label_indices
from .data.pipeline import Dataset, Split
from .data.table import STDIN, Table
from .errors import DataError, RunError, UsageError, echo, warn
from .float_errors import quiet_float_errors
from .metrics import class_scores, confusion_matrix, per_class_scores
from .runs import META, process_alive, read_json
from .runs.load import load_model, load_run
from .training.scoring import EvalSet

SPLITS = ("train", "val", "test")



def evaluate_run(run_dir, data=None, split=None, delimiter=","):
    """Metrics of a run on one of its splits (``data`` None) or on a labelled CSV.

    Parameters
    ----------
    run_dir : str or Path
    data : str or Path, optional
        A CSV with the run's feature columns and its target column(s), as
        ``nncli data`` writes it; ``"-"`` reads stdin.  Scored as a test set.
    split : {"train", "val", "test"}, optional
        Which of the run's splits to score (default ``test``); not with ``data``.
    delimiter : str
        The delimiter of ``data`` (one character).

    Returns
    -------
    dict
        ``run_dir``, ``data``, ``split`` (None for a CSV), ``task``, ``n``,
        ``metrics`` named as in ``summary.json`` (``<split>_loss``, ``_auc``,
        ``_accuracy`` or ``_loss``, ``_mse``, ``_mae``, ``_r2``; ``test_*`` for a
        CSV); for classification also ``classes``, ``per_class`` and
        ``confusion_matrix`` (rows: true class, columns: predicted class), and
        ``per_group`` accuracy when the dataset labels groups (OCR: fonts).
    """
    if split is not None and split not in SPLITS:
        raise UsageError(f"--split must be train, val or test (got {echo(split)})")
    if split is not None and data is not None:
        raise UsageError("--split scores one of the run's own splits and --data a CSV instead: give one of them")
    if data is None:
        split = split or "test"
        run = load_run(run_dir)
        dataset, source = run.dataset, f"{split} split"
        if getattr(dataset, split) is None:
            raise DataError(f"{run.path} has no {split} split (its data.val_size is 0); use --split train or test")
        part = getattr(dataset, split)
    else:
        run = load_model(run_dir)
        dataset, part, source = read_labelled(data, run.preprocess, delimiter)
    warn_if_unfinished(run.path)
    scored = EvalSet(split or "test", dataset, part, run.head, run.model.dtype)
    with quiet_float_errors(), threads_for_config(run.model, run.config.training):
        loss, outputs = run.model.evaluate(scored.X, scored.Y)
        metrics = scored.score_outputs(loss, outputs)
    report = {"run_dir": str(run.path), "data": source, "split": split, "task": dataset.task, "n": len(part),
              "metrics": metrics}
    if dataset.classes is not None:
        predicted = class_scores(outputs).argmax(axis=1)
        matrix = confusion_matrix(part.y, predicted, dataset.n_classes)
        scores = per_class_scores(matrix)
        labels = dataset.classes.tolist()
        report["classes"] = labels
        report["per_class"] = [
            {"label": label, **{name: scores[name][k].item() for name in ("precision", "recall", "f1", "support")}}
            for k, label in enumerate(labels)
        ]
        report["confusion_matrix"] = matrix.tolist()
        if part.groups is not None:
            report["per_group"] = group_accuracy(part.groups, part.y == predicted)
    return report


def warn_if_unfinished(path, doing="scoring"):
    """A warning on stderr when the run did not finish its training: its weights are
    then those it had when it stopped, not a finished training's (``doing``: what the
    command does with them)."""
    try:
        meta = read_json(path / META)
    except RunError:
        warn(f"{path}: meta.json cannot be read, so whether its training finished is unknown")
        return
    status = meta.get("status") if isinstance(meta, dict) else None
    if status in ("completed", "stopped_early"):
        return
    alive = status == "running" and process_alive(meta)
    what = {
        "interrupted": "was interrupted",
        "diverged": "diverged (these are its last finite weights)",
        "failed": "failed",
        "running": "is still being trained" if alive else "was stopped without closing (its process is gone)",
    }.get(status, f"has status {echo(str(status))}")
    resumable = status == "interrupted" or (status == "running" and not alive)
    hint = f"; continue it with: nncli train --resume {path}" if resumable else ""
    warn(f"{path} {what}: {doing} the weights it had then, not those of a finished training{hint}")


def group_accuracy(groups, correct):
    """Accuracy within each group (e.g. each held-out font): ``[{"group", "n", "accuracy"}]``."""
    names, index = np.unique(groups, return_inverse=True)
    counts = np.bincount(index)
    right = np.bincount(index, weights=correct.astype(np.float64))
    return [{"group": str(name), "n": int(n), "accuracy": float(r / n)} for name, n, r in zip(names, counts, right)]


def read_labelled(source, preprocess, delimiter=","):
    """A labelled CSV as a Dataset (the run's scaling, the rows as its test split).

    Returns
    -------
    (Dataset, Split, str)
        The dataset, its one split and the file's name.
    """
    features = [str(name) for name in preprocess["feature_names"]]
    targets = [str(name) for name in preprocess["target_names"]]
    classes = preprocess.get("classes")
    with Table(source, delimiter) as table:
        table.match(features + targets)
        if classes is None:
            chunk = table.read(features + targets)
            X, y = chunk.numbers[:, : len(features)], chunk.numbers[:, len(features):]
            y = y[:, 0] if len(targets) == 1 else y
        else:
            chunk = table.read(features, targets)
            X = chunk.numbers
            y = label_indices(chunk.text[:, 0], classes, chunk.lines, targets[0], table.name)
        name = "<stdin>" if str(source) == STDIN else str(source)  # in full: the report is data, not a message
    split = Split(X, y)
    dataset = Dataset(train=None, val=None, test=split, feature_names=features, target_names=targets,
                      task="regression" if classes is None else "classification",
                      input_shape=tuple(int(n) for n in preprocess["input_shape"]), classes=classes,
                      mean=preprocess["mean"], scale=preprocess["scale"])
    return dataset, split, name


def render(report, console):
    """Print a report as rich tables: metrics, then per-class scores and the confusion matrix."""
    from rich.table import Table as RichTable
    from rich.text import Text

    from .runs.table import printable

    def plain(value):  # a label or path from the user's data: never rich markup, never a terminal control
        return Text(printable(str(value)))

    console.print(plain(f"run {report['run_dir']}  data: {report['data']} ({report['n']} rows)"), highlight=False)
    metrics = RichTable(title=None, show_header=True)
    metrics.add_column("metric")
    metrics.add_column("value", justify="right")
    names = {"loss": "loss", "accuracy": "accuracy", "auc": "AUC", "mse": "MSE", "mae": "MAE", "r2": "R²"}
    for key, value in report["metrics"].items():
        name = key.split("_", 1)[1]
        metrics.add_row(names.get(name, name), _number(value))
    console.print(metrics)
    if "classes" not in report:
        return
    per_class = RichTable(title="per class")
    for column in ("class", "precision", "recall", "F1", "support"):
        per_class.add_column(column, justify="left" if column == "class" else "right")
    for row in report["per_class"]:
        per_class.add_row(plain(row["label"]), _number(row["precision"]), _number(row["recall"]),
                          _number(row["f1"]), str(row["support"]))
    console.print(per_class)
    matrix = RichTable(title="confusion matrix")
    matrix.add_column("true \\ predicted")
    for label in report["classes"]:
        matrix.add_column(plain(label), justify="right")
    for label, counts in zip(report["classes"], report["confusion_matrix"]):
        matrix.add_row(plain(label), *(str(c) for c in counts))
    console.print(matrix)
    if "per_group" in report:
        groups = RichTable(title="accuracy per group (e.g. font)")
        for column in ("group", "n", "accuracy"):
            groups.add_column(column, justify="left" if column == "group" else "right")
        for row in report["per_group"]:
            groups.add_row(plain(row["group"]), str(row["n"]), _number(row["accuracy"]))
        console.print(groups)


def _number(value):
    return "nan" if value is None or value != value else f"{value:.4f}"

"""``plots/sweep.png``: the selection metric against each swept key (every trial, and each
configuration's mean +- std over its seeds), and the loss curve of every trial."""

import csv
import math

import numpy as np
import yaml

from ..plots.curves import log_axis
from ..plots.style import REFERENCE, TRAIN, VAL, figure, save, set_title
from ..runs.files import own_directory
from .results import FINISHED, label

PLOTS_DIR = "plots"
#: at most this many swept keys get a panel
MAX_KEYS = 6


def draw_sweep(path, plan, results, ranked, metric):
    """Write ``path/plots/sweep.png``; return its path."""
    keys = plan.swept[:MAX_KEYS] or [None]
    out = own_directory(path / PLOTS_DIR)  # never through a link to a folder elsewhere
    fig, axes = figure(4.2 * (len(keys) + 1), 3.6, ncols=len(keys) + 1)
    for ax, key in zip(axes, keys):
        _metric_panel(ax, key, plan, results, ranked, metric)
    _curves_panel(axes[-1], path, plan, results, ranked)
    save(fig, out / "sweep.png")
    return out / "sweep.png"


def _value(overrides, key):
    for item in overrides:
        name, _, text = item.partition("=")
        if name == key:
            return text
    return None


def _metric_panel(ax, key, plan, results, ranked, metric):
    """One point per finished trial, the mean +- std of each configuration over its seeds."""
    texts = [_value(c["overrides"], key) if key else label(c["overrides"]) for c in ranked]
    values = [_number(text) for text in texts]
    numeric = key is not None and all(v is not None for v in values)
    if numeric:
        positions = values
        if min(values) > 0 and max(values) / min(values) > 20:
            ax.set_xscale("log")
    else:
        order = list(dict.fromkeys(texts))
        positions = [order.index(text) for text in texts]
        ax.set_xticks(range(len(order)), [_short(text) for text in order], rotation=30)
    for config, x in zip(ranked, positions):
        trial_values = [results[i]["summary"].get(metric) for i in config["trials"]
                        if i in results and results[i]["status"] in FINISHED]
        trial_values = [v for v in trial_values if isinstance(v, (int, float)) and math.isfinite(v)]
        ax.scatter([x] * len(trial_values), trial_values, s=12, color=TRAIN, alpha=0.35, linewidths=0)
        stats = config["metrics"].get(metric)
        if stats is not None:
            ax.errorbar(x, stats["mean"], stats["std"] or 0.0, color=VAL if config["rank"] == 1 else REFERENCE,
                        markersize=5)
        failed = config["n"] - len(trial_values)
        if failed:
            ax.text(x, 0.02, f"{failed} not finished", fontsize=7, color=REFERENCE, ha="center", va="bottom",
                    coords="x")
    ax.set_xlabel(key or "configuration")
    ax.set_ylabel(metric)
    set_title(ax, f"{metric} by {key}" if key else f"{metric} over seeds")


def _curves_panel(ax, path, plan, results, ranked):
    """Every trial's validation loss per epoch (training loss without a validation split);
    the selected configuration's trials in colour."""
    from .executors import trial_dir

    selected = set(ranked[0]["trials"]) if ranked and ranked[0]["rank"] == 1 else set()
    column, drawn = None, []
    for trial in plan.trials:
        rows = _read_metrics(trial_dir(path, trial.id))
        if not rows:
            continue
        column = column or ("val_loss" if "val_loss" in rows[0] else "train_loss")
        epochs = [int(row["epoch"]) for row in rows]
        losses = [_number(row.get(column)) for row in rows]
        losses = [v if v is not None and v > 0 else math.nan for v in losses]
        drawn += losses
        chosen = trial.id in selected
        ax.plot(epochs, losses, color=VAL if chosen else REFERENCE, alpha=0.9 if chosen else 0.25,
                linewidth=1.4 if chosen else 0.8, zorder=3 if chosen else 2)
    if column is None:
        ax.text(0.5, 0.5, "no finished epochs yet", ha="center", va="center", coords="axes")
    else:
        log_axis(ax, np.array([v for v in drawn if math.isfinite(v)]))
    ax.xaxis.integer = True
    ax.set_xlabel("epoch")
    ax.set_ylabel(column or "loss")
    set_title(ax, "every trial (selected in colour)")


def _read_metrics(run):
    """A trial's metrics.csv rows, or [] when it is not a readable regular file within its
    limit (a FIFO in its place would block the picture for ever, /dev/zero fill memory)."""
    import io

    from ..errors import RunError
    from ..runs.reading import METRICS_LIMIT, open_regular

    try:
        with io.TextIOWrapper(open_regular(run / "metrics.csv", METRICS_LIMIT), newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))
    except (OSError, RunError, UnicodeDecodeError, csv.Error):
        return []


def _number(text):
    if text is None or text == "":
        return None
    try:
        return float(text)
    except ValueError:
        pass
    try:
        value = yaml.safe_load(text)  # an override value such as 1.0e-05 (YAML) or [8]
    except yaml.YAMLError:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _short(text, width=24):
    return text if len(text) <= width else text[: width - 1] + "…"

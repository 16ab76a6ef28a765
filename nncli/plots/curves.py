"""Curves per epoch: the loss on a log scale (``loss.png``) and AUC / accuracy,
or R^2 for regression (``metrics.png``)."""

import numpy as np

from .scales import LOGIT_TICKS, Logit, nice_ticks
from .style import REFERENCE, TRAIN, VAL, figure, save, set_title

LOSS_NAMES = {"bce": "binary cross-entropy", "cross_entropy": "cross-entropy", "mse": "mean squared error"}


def has_history(view):
    return view.column("epoch") is not None and view.column("train_loss") is not None


def has_metrics(view):
    return has_history(view) and (view.column("train_auc") is not None or view.column("train_r2") is not None)


def _style(epochs):
    """Markers on short runs, where single epochs are worth seeing."""
    return {"marker": "o", "markersize": 3.5} if len(epochs) <= 30 else {}


def _epoch_axis(ax, epochs):
    ax.xaxis.integer = True
    if len(epochs) == 1:
        ax.set_xlim(epochs[0] - 1, epochs[0] + 1)
    ax.set_xlabel("epoch")


def log_axis(ax, values):
    """A log y axis whose ticks read as plain numbers (0.65, not 6.5x10^-1)."""
    ax.set_yscale("log")
    ax.yaxis.major_format = lambda value: f"{value:.3g}"
    decades = np.log10(values.max()) - np.log10(values.min()) if len(values) else 0.0
    # a short range has few powers of ten to label: label the minor ticks too (some of them)
    if decades < 1:
        keep = range(1, 10)
    elif decades < 2.5:
        keep = (2, 5)
    else:
        # many decades: a grid line per decade reads well; eight minor ones per decade would crowd it
        ax.yaxis.show_minor = False
        return

    def minor(value):
        mantissa = round(value / 10 ** np.floor(np.log10(value)))
        return f"{value:.3g}" if mantissa in keep else ""

    ax.yaxis.minor_format = minor


def _mark_stop(ax, view):
    """A dotted line at the epoch whose weights were kept, when that is not the last one."""
    best = view.summary.get("best_epoch")
    epochs = view.column("epoch")
    if best and epochs is not None and best < epochs[-1]:
        ax.axvline(best, color=REFERENCE, linestyle=":", linewidth=1.2, label=f"weights kept (epoch {best})")


def _stop_text(view, epochs):
    reason = view.summary.get("stop_reason")
    count = f"{epochs} epoch" + ("s" if epochs != 1 else "")
    texts = {"epochs": f": {count}, all that were configured",
             "target_auc": f": stopped at the target AUC after {count}",
             "early_stopping": f": early stopping after {count}"}
    return texts.get(reason, f" ({count})")


def draw_loss(view, path):
    """Train (and validation) loss per epoch, log scale; returns ``{"epochs", "log_scale"}``."""
    epochs = view.column("epoch")
    curves = [("train", view.column("train_loss"), TRAIN), ("validation", view.column("val_loss"), VAL)]
    curves = [(label, values, color) for label, values, color in curves if values is not None]
    fig, ax = figure(7.5, 4.6)
    for label, values, color in curves:
        ax.plot(epochs, values, color=color, linewidth=1.8, label=f"{label} (last {values[-1]:.3g})",
                **_style(epochs))
    finite = np.concatenate([values[np.isfinite(values)] for _, values, _ in curves])
    log_scale = len(finite) > 0 and bool(np.all(finite > 0))
    if log_scale:
        log_axis(ax, finite)
    _mark_stop(ax, view)
    name = LOSS_NAMES.get(view.head.loss, view.head.loss)
    _epoch_axis(ax, epochs)
    ax.set_ylabel(f"loss ({name})" + (", log scale" if log_scale else ""))
    set_title(ax, f"Loss per epoch{_stop_text(view, len(epochs))}")
    ax.grid(True, which="both" if log_scale else "major", alpha=0.25)
    ax.legend()
    save(fig, path)
    return {"epochs": len(epochs), "log_scale": log_scale}


def draw_metrics(view, path):
    """AUC and accuracy per epoch, train (in-sample) and validation; R^2 for regression.

    A panel whose best value reaches ``CROWDED`` (any good model) is drawn on a
    logit axis, where 0.9, 0.99 and 0.999 are equally far apart, instead of 0..1,
    where such curves are flat lines at the top.  Returns ``{"panels", "target_auc",
    "scales": {metric: "linear" | "logit" | "symlog"}}``.
    """
    epochs = view.column("epoch")
    if view.column("train_auc") is not None:
        panels = [("auc", "AUC"), ("accuracy", "Accuracy")]
    else:
        panels = [("r2", "R²")]
    fig, axes = figure(5.2 * len(panels) + 0.6, 4.4, ncols=len(panels))
    target = view.config.training.target_auc
    drawn = {"panels": [metric for metric, _ in panels], "target_auc": target, "scales": {}}
    for ax, (metric, title) in zip(axes, panels):
        series = [(label, view.column(f"{split}_{metric}"), color)
                  for split, label, color in (("train", "train (in-sample)", TRAIN), ("val", "validation", VAL))]
        series = [(label, values, color) for label, values, color in series if values is not None]
        values = np.concatenate([values for _, values, _ in series])
        finite = values[np.isfinite(values)]
        if metric == "r2":
            scale = _r2_axis(ax, finite)
        elif len(finite) and finite.max() >= CROWDED:
            scale = "logit"
            floor = _logit_floor(finite)
        else:
            scale = "linear"
        drawn["scales"][metric] = scale
        for label, values, color in series:
            text = f"{label} (last {_near_one(values[-1]) if scale == 'logit' else f'{values[-1]:.3f}'})"
            if scale == "logit":  # 0 and 1 lie at infinity: drawn at the edges, marked
                values = np.clip(values, floor, 1.0 - floor)
            # on a logit axis a perfect score is drawn on the top edge: not cut in half there
            ax.plot(epochs, values, color=color, linewidth=1.8, clip_on=scale != "logit", label=text,
                    **_style(epochs))
        if metric == "auc" and target is not None:
            ax.axhline(target, color=REFERENCE, linestyle="--", linewidth=1.2, label=f"target AUC {target:g}")
        _mark_stop(ax, view)
        if scale == "logit":
            _logit_axis(ax, finite, floor)
        elif scale == "linear" and metric != "r2":  # R² has its own limits (_r2_axis)
            ax.set_ylim(0.0, 1.0)
        _epoch_axis(ax, epochs)
        ax.set_ylabel(title + (" (logit scale)" if scale == "logit" else ""))
        set_title(ax, f"{title} per epoch" + ("\n0.9, 0.99, 0.999 equally far apart" if scale == "logit" else ""))
        ax.legend(loc="lower right")
    if "r2" in drawn["scales"]:
        drawn["r2_axis"] = drawn["scales"]["r2"]
    save(fig, path)
    return drawn


#: a panel whose best value is at least this is drawn on a logit axis
CROWDED = 0.9


def _near_one(value):
    """``value`` with enough decimals to show how far below 1 it is (0.99987, not 1.000)."""
    if not np.isfinite(value) or value >= 1.0 or value <= 0.0:
        return f"{value:.3f}"
    return f"{value:.{max(3, int(np.ceil(-np.log10(1.0 - value))) + 1)}f}"


def _logit_floor(values):
    """How close to 0 or 1 the logit axis reaches: half the closest value that is not 0 or 1,
    so a perfect score (drawn at the edge) stays apart from every other point."""
    gaps = np.concatenate([values, 1.0 - values])
    gaps = gaps[gaps > 0]
    return float(np.clip(gaps.min() / 2 if len(gaps) else 1e-4, 1e-6, 1e-2))


def _logit_axis(ax, values, floor):
    """A logit y axis from just below the lowest value to ``1 - floor``, ticks as plain numbers."""
    ax.set_yscale("logit")
    logit = Logit()
    low = float(np.clip(values.min(), floor, 1.0 - 2 * floor)) if len(values) else 0.5
    logits = logit.forward([low, 1 - floor])
    margin = 0.04 * (logits[1] - logits[0])
    ax.set_ylim(float(logit.inverse(logits[0] - margin)), 1 - floor)
    ticks = list(LOGIT_TICKS)  # one tick per factor of ten in the error, within the range
    bottom, top = ax.get_ylim()
    in_view = [t for t in ticks if bottom <= t <= top]
    if len(in_view) < 4:  # few in view: 0.7, 0.8, 0.95, 0.995, ... too
        ticks += [0.2, 0.3, 0.7, 0.8] + [1 - 5 * 10.0**-k for k in range(2, 7)] + [5 * 10.0**-k for k in range(2, 7)]
        in_view = [t for t in ticks if bottom <= t <= top]
    if len(in_view) < 3:  # a narrow range (0.955 to 0.979): round values within it, as on a linear axis
        in_view = sorted(set(in_view) | {value for value, _ in nice_ticks(bottom, top, 4)})
    perfect = len(values) and values.max() >= 1.0
    if perfect:
        # the top edge is where 1 is drawn: labelled 1, and no tick (0.99) at or just under it that
        # a perfect curve would be read against
        span = logit.forward(top) - logit.forward(bottom)
        in_view = [t for t in in_view if logit.forward(top) - logit.forward(t) > 0.05 * span] + [top]
    ax.set_yticks(sorted(in_view), ["1" if perfect and value == top else f"{value:.6g}" for value in sorted(in_view)])
    if perfect:  # said in the legend: a note inside the axes would lie on the curve at the top edge
        ax.plot([], [], color="none", label="1 (perfect) is drawn at the top edge")


def _r2_axis(ax, values):
    """R^2 has no lower bound: 0..1, or lower, symmetric-log beyond -1 when far below 0."""
    low = min(0.0, float(values.min()) if len(values) else 0.0)
    scale = "linear"
    if low < -1.0:  # far below 0 (a bad start, or nothing to learn): logarithmic beyond -1
        ax.set_yscale("symlog", linthresh=1.0)
        low *= 1.5
        scale = "symlog"
    elif low < 0.0:  # a margin, so that the lowest point is not drawn on the axis
        low -= 0.05 * (1.0 - low)
    ax.set_ylim(low, 1.0)
    return scale

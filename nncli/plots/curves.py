"""Curves per epoch: the loss on a log scale (``loss.png``) and AUC / accuracy,
or R^2 for regression (``metrics.png``)."""

import numpy as np

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
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if len(epochs) == 1:
        ax.set_xlim(epochs[0] - 1, epochs[0] + 1)
    ax.set_xlabel("epoch")


def _log_axis(ax, values):
    """A log y axis whose ticks read as plain numbers (0.65, not 6.5x10^-1)."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:.3g}"))
    decades = np.log10(values.max() / values.min()) if len(values) else 0.0
    # a short range has few powers of ten to label: label the minor ticks too (some of them)
    if decades < 1:
        keep = range(1, 10)
    elif decades < 2.5:
        keep = (2, 5)
    else:
        ax.yaxis.set_minor_formatter(NullFormatter())
        return

    def minor(value, _):
        mantissa = round(value / 10 ** np.floor(np.log10(value)))
        return f"{value:.3g}" if mantissa in keep else ""

    ax.yaxis.set_minor_formatter(FuncFormatter(minor))


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
        _log_axis(ax, finite)
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
    """AUC and accuracy per epoch, train and validation, on 0..1 (R^2 for regression)."""
    epochs = view.column("epoch")
    if view.column("train_auc") is not None:
        panels = [("auc", "AUC"), ("accuracy", "Accuracy")]
    else:
        panels = [("r2", "R²")]
    fig, axes = figure(5.2 * len(panels) + 0.6, 4.4, ncols=len(panels), squeeze=False)
    target = view.config.training.target_auc
    drawn = {"panels": [metric for metric, _ in panels], "target_auc": target}
    lows = []
    for ax, (metric, title) in zip(axes[0], panels):
        for split, label, color in (("train", "train", TRAIN), ("val", "validation", VAL)):
            values = view.column(f"{split}_{metric}")
            if values is not None:
                ax.plot(epochs, values, color=color, linewidth=1.8, clip_on=False,
                        label=f"{label} (last {values[-1]:.3f})", **_style(epochs))
                lows.append(np.nanmin(values))
        if metric == "auc" and target is not None:
            ax.axhline(target, color=REFERENCE, linestyle="--", linewidth=1.2, label=f"target AUC {target:g}")
        _mark_stop(ax, view)
        low = 0.0
        if metric == "r2":  # R^2 has no lower bound
            low = min(0.0, float(np.nanmin(lows)) if lows else 0.0)
            drawn["r2_axis"] = "linear"
            if low < -1.0:  # far below 0 (a bad start, or nothing to learn): logarithmic beyond -1
                ax.set_yscale("symlog", linthresh=1.0)
                low *= 1.5
                drawn["r2_axis"] = "symlog"
            elif low < 0.0:  # a margin, so that the lowest point is not drawn on the axis
                low -= 0.05 * (1.0 - low)
        ax.set_ylim(low, 1.0)
        _epoch_axis(ax, epochs)
        ax.set_ylabel(title)
        set_title(ax, f"{title} per epoch")
        ax.legend(loc="lower right")
    save(fig, path)
    return drawn

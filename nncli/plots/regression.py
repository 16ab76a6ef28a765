"""How a regression network does on the test split: predicted against true values
(``predicted.png``) and the residuals against the predictions (``residuals.png``),
one panel per target (at most ``MAX_TARGETS``).  The R² in each panel is the
test R² of ``nncli.metrics`` for that target; their mean is the summary's ``test_r2``."""

import numpy as np

from ..metrics import regression_metrics
from .style import REFERENCE, TRAIN, WRONG, figure, save, set_title, subsample

MAX_TARGETS = 4


def applies(view):
    return not view.classification


def _targets(view):
    """``(true (N, T), predicted (N, T), names, drawn)`` on the test split; ``drawn``:
    the indices of the targets that get a panel."""
    test = view.dataset.test
    predicted = view.outputs(test.X)
    true = np.asarray(test.y, dtype=np.float64).reshape(len(predicted), -1)
    names = [str(name) for name in view.dataset.target_names]
    if len(names) != true.shape[1]:
        names = [f"y{j}" for j in range(true.shape[1])]
    return true, predicted, names, list(range(min(MAX_TARGETS, true.shape[1])))


def _panels(n):
    return figure(min(4.6 * n, 16.0) + 0.4, 4.6, ncols=n)


def _title(count, total, n_test, what):
    title = f"{what}, test split (n = {n_test})"
    if total > count:
        title += f"; the first {count} of {total} targets"
    return title


def draw_predicted(view, path):
    """Each test row at (true value, predicted value), and the line where they are equal.

    Returns ``{"targets", "r2", "points", "n_test"}``: the target names drawn and
    each one's test R² (counted over every test row, drawn or not)."""
    true, predicted, names, drawn = _targets(view)
    shown = subsample(len(true))
    fig, axes = _panels(len(drawn))
    r2s = []
    for ax, j in zip(axes, drawn):
        scores = regression_metrics(true[:, j], predicted[:, j : j + 1])
        r2s.append(scores["r2"])
        x, y = true[shown, j], predicted[shown, j]
        ax.scatter(x, y, s=14, color=TRAIN, alpha=0.6, label=f"test rows ({len(true)})")
        finite = np.concatenate([x, y])
        finite = finite[np.isfinite(finite)]
        low, high = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
        ax.plot([low, high], [low, high], color=REFERENCE, linestyle="--", linewidth=1.2,
                label="predicted = true")
        ax.set_xlabel(f"true {names[j]}")
        ax.set_ylabel(f"predicted {names[j]}")
        set_title(ax, f"{names[j]}: R² {scores['r2']:.3f}, MAE {scores['mae']:.3g}")
        ax.legend(loc="upper left", fontsize=8.5)
    fig.suptitle(_title(len(drawn), true.shape[1], len(true), "Predicted against true"))
    save(fig, path)
    return {"targets": [names[j] for j in drawn], "r2": r2s, "points": int(len(shown)), "n_test": len(true)}


def draw_residuals(view, path):
    """Each test row's residual (predicted - true) against its prediction, with the zero line.

    Returns ``{"targets", "mean_residual", "points", "n_test"}``."""
    true, predicted, names, drawn = _targets(view)
    shown = subsample(len(true))
    fig, axes = _panels(len(drawn))
    means = []
    for ax, j in zip(axes, drawn):
        residual = predicted[:, j] - true[:, j]
        means.append(float(np.mean(residual)))
        ax.scatter(predicted[shown, j], residual[shown], s=14, color=TRAIN, alpha=0.6,
                   label=f"test rows ({len(true)})")
        ax.axhline(0.0, color=REFERENCE, linestyle="--", linewidth=1.2, label="no error")
        ax.axhline(means[-1], color=WRONG, linewidth=1.2, label=f"mean residual {means[-1]:.3g}")
        ax.set_xlabel(f"predicted {names[j]}")
        ax.set_ylabel(f"residual (predicted − true {names[j]})")
        set_title(ax, f"{names[j]}: residual std {float(np.std(residual)):.3g}")
        # below the panel: residuals fill every corner of it
        ax.legend(loc="below", ncols=2, frameon=False, fontsize=8.5)
    fig.suptitle(_title(len(drawn), true.shape[1], len(true), "Residuals against predictions"))
    save(fig, path)
    return {"targets": [names[j] for j in drawn], "mean_residual": means, "points": int(len(shown)),
            "n_test": len(true)}

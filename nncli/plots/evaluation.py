"""How the trained network does on the test split: ROC curves (``roc.png``) and
the confusion matrix (``confusion.png``).  Scores come from ``nncli.metrics``,
the same functions that computed the run's summary."""

import numpy as np

from ..metrics import confusion_matrix, macro_auc, roc_auc, roc_curve
from .colors import colormap
from .decorations import map_colors
from .style import CLASS_PALETTE, REFERENCE, SEQUENTIAL, class_colors, figure, save, set_title

MAX_CURVES = 10


def applies(view):
    return view.classification


def draw_roc(view, path):
    """One ROC curve for two classes; otherwise one-vs-rest curves of every class,
    or of the 10 with the lowest AUC (worst first) when there are more.
    Returns ``{"auc", "curves", "labels", "classes"}``: ``auc`` is what the
    summary's ``test_auc`` measures (binary AUC or macro AUC); ``classes`` the
    class labels drawn, in legend order."""
    y, scores = view.dataset.test.y, view.test_scores
    labels = view.class_labels
    fig, ax = figure(6.4, 5.8)
    ax.plot([0, 1], [0, 1], color=REFERENCE, linestyle="--", linewidth=1, label="chance (AUC 0.5)")
    legend, drawn_curves = [], []
    if scores.shape[1] == 2:
        auc = roc_auc(y == 1, scores[:, 1])
        fpr, tpr, _ = roc_curve(y == 1, scores[:, 1])
        text = f"class {labels[1]} vs {labels[0]} (AUC {auc:.4f})"
        color = class_colors(1, beside_right_wrong=False)[0]
        ax.plot(fpr, tpr, color=color, linewidth=2, label=text)
        drawn_curves.append((fpr, tpr, color, auc))
        legend.append(text)
        drawn = [1]
        title = f"ROC curve on the test split (n = {len(y)})"
        curves = 1
    else:
        auc = macro_auc(y, scores)
        counts = np.bincount(y, minlength=scores.shape[1])
        # a one-vs-rest curve needs test rows in the class and outside it
        present = [k for k in range(scores.shape[1]) if 0 < counts[k] < len(y)]
        aucs = {k: roc_auc(y == k, scores[:, k]) for k in present}
        # the worst classes say the most: with balanced classes "the most frequent" is just the first ten
        drawn = sorted(present, key=lambda k: (aucs[k], k))[:MAX_CURVES]
        if scores.shape[1] <= len(CLASS_PALETTE):  # each class in its colour of data.png and decision.png
            colors = [class_colors(scores.shape[1])[k] for k in drawn]
        else:  # too many for a colour per class: the drawn ones as far apart as can be
            colors = class_colors(len(drawn), beside_right_wrong=False)
        for color, k in zip(colors, drawn):
            fpr, tpr, _ = roc_curve(y == k, scores[:, k])
            text = f"{labels[k]} (AUC {aucs[k]:.4f}, n={counts[k]})"
            ax.plot(fpr, tpr, color=color, linewidth=1.6, label=text)
            drawn_curves.append((fpr, tpr, color, aucs[k]))
            legend.append(text)
        curves = len(drawn)
        title = f"ROC curves, one class vs the rest, test split (n = {len(y)})\nmacro AUC {auc:.4f} (all classes)"
        if len(present) > len(drawn):
            title += f"; the {len(drawn)} classes with the lowest AUC of {len(present)} drawn, worst first"
    if auc >= 0.99 and any(curve[3] < 1.0 for curve in drawn_curves):
        _zoom(ax, drawn_curves)  # a good classifier's curves crowd into the corner
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.01)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    set_title(ax, title)
    ax.legend(loc="lower right", fontsize=8.5 if curves > 4 else 9,
              title="classes, lowest AUC first" if scores.shape[1] > 2 else None, title_fontsize=8.5)
    save(fig, path)
    return {"auc": float(auc), "curves": curves, "labels": legend, "classes": [labels[k] for k in drawn]}


def draw_confusion(view, path):
    """Counts of (true class, predicted class) on the test split; rows shaded by
    the share of the true class.  Returns ``{"matrix", "total", "accuracy"}``."""
    y = view.dataset.test.y
    labels = view.class_labels
    n = len(labels)
    matrix = confusion_matrix(y, view.test_predicted, n)
    totals = matrix.sum(axis=1, keepdims=True)
    share = np.divide(matrix, totals, out=np.zeros(matrix.shape), where=totals > 0)
    accuracy = float(np.trace(matrix) / max(matrix.sum(), 1))

    side = min(12.0, max(4.8, 0.3 * n + 2.6))
    fig, ax = figure(side + 1.0, side)
    ax.imshow((colormap(SEQUENTIAL, share) * 255).round().astype(np.uint8))
    font = 10 if n <= 6 else (8 if n <= 15 else 6.5)
    for i, j in zip(*np.nonzero(matrix)):
        ax.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=font,
                color="white" if share[i, j] > 0.55 else "black")
    ticks = np.arange(n)
    ax.set_xticks(ticks, labels, rotation=90 if n > 12 and max(map(len, labels)) > 2 else 0)
    ax.set_yticks(ticks, labels)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.grid(False)
    ax.frame = ()
    fig.colorbar(ax, map_colors(SEQUENTIAL), "share of the true class (row)", shrink=0.8)
    set_title(ax, f"Confusion matrix, test split (n = {int(matrix.sum())})\naccuracy {accuracy:.3f}")
    save(fig, path)
    return {"matrix": matrix.tolist(), "total": int(matrix.sum()), "accuracy": accuracy}


def _zoom(ax, curves, fpr_limit=0.1):
    """An inset of the top-left corner, where the curves of a good classifier run."""
    low = min(float(np.max(tpr[fpr <= fpr_limit])) for fpr, tpr, _, _ in curves)
    low = max(0.0, np.floor((low - 0.02) * 20) / 20)
    inset = ax.inset_axes([0.3, 0.5, 0.4, 0.36])
    for fpr, tpr, color, _ in curves:
        inset.plot(fpr, tpr, color=color, linewidth=1.4)
    inset.set_xlim(-0.002, fpr_limit)
    inset.set_ylim(low, 1.005)
    inset.set_title("zoom: top-left corner", fontsize=8.5, bold=False)

"""Pictures in the plane of a 2-D dataset: the training data by class
(``data.png``) and the decision regions with the test points right or wrong
(``decision.png``)."""

import numpy as np

from .colors import colormap
from .decorations import map_colors
from .legend import Patch
from .style import FIELD, MAX_POINTS, RIGHT, WRONG, class_colors, figure, save, set_title, subsample

MARKERS = "os^vD<>ph*"
GRID = 220  # decision field resolution per axis
#: with more classes than this the key of the region colours would crowd the picture (data.png has them)
MAX_REGION_KEYS = 20


def applies(view):
    return view.two_d and view.classification


def _marker(k):
    return MARKERS[k % len(MARKERS)]


def _label_axes(ax, view):
    ax.set_xlabel(view.feature_name(0))
    ax.set_ylabel(view.feature_name(1))


def _legend_columns(n):
    return 1 if n <= 8 else 2


def draw_data(view, path):
    """The training split in its raw coordinates, one colour and marker per class."""
    train = view.dataset.train
    labels = view.class_labels
    colors = class_colors(len(labels))
    fig, ax = figure(6.4, 5.8)
    shown = subsample(len(train))
    X, y = train.X[shown], train.y[shown]
    counts = np.bincount(train.y, minlength=len(labels))
    for k, label in enumerate(labels):
        mask = y == k
        ax.scatter(X[mask, 0], X[mask, 1], s=16, color=colors[k], marker=_marker(k), alpha=0.75,
                   edgecolors="white", linewidths=0.3, label=f"class {label} ({counts[k]})")
    _label_axes(ax, view)
    ax.set_aspect("equal", adjustable="datalim")
    note = f", {len(shown)} drawn" if len(shown) < len(train) else ""
    set_title(ax, f"Training data by class (n = {len(train)}{note})")
    if len(labels) <= 20:
        ax.legend(ncols=_legend_columns(len(labels)), markerscale=1.4)
    save(fig, path)
    return {"points": int(len(shown)), "counts": counts.tolist()}


def _extent(view):
    """Axis limits that hold every split, with a margin."""
    parts = [view.dataset.train.X, view.dataset.test.X] + ([view.dataset.val.X] if view.dataset.val else [])
    X = np.concatenate([part[:, :2] for part in parts]).astype(np.float64)
    low, high = X.min(axis=0), X.max(axis=0)
    margin = np.where(high > low, (high - low) * 0.06, 1.0)
    return low - margin, high + margin


def draw_decision(view, path):
    """The network's predicted probability as a field, the test points on top:
    green where the prediction is right, red where it is wrong.

    Returns ``{"right", "wrong", "n_test"}`` counted over the whole test split,
    with the same rule as the test accuracy (the class of the highest score).
    """
    labels = view.class_labels
    n_classes = len(labels)
    low, high = _extent(view)
    xs = np.linspace(low[0], high[0], GRID)
    ys = np.linspace(low[1], high[1], GRID)
    grid_x, grid_y = np.meshgrid(xs, ys)  # rows run along y, as the image rows do
    grid = np.column_stack([grid_x.ravel(), grid_y.ravel()])
    field = view.scores(grid)
    extent = (low[0], high[0], low[1], high[1])

    fig, ax = figure(7.2, 5.8)
    if n_classes == 2:
        probability = field[:, 1].reshape(GRID, GRID)
        rgb = 0.2 + 0.8 * colormap(FIELD, probability)  # at 80 % over white
        ax.imshow(_rgb8(rgb), extent=extent, origin="lower", smooth=True)
        ax.contour([probability], extent, level=0.5, color="black", linewidth=1.2)
        fig.colorbar(ax, map_colors(FIELD), f"predicted P(class {labels[1]}); black line: 0.5", shrink=0.85,
                     alpha=0.8)
    else:
        colors = np.array(class_colors(n_classes))[:, :3]
        winner = field.argmax(axis=1)
        confidence = field.max(axis=1)[:, None]
        rgb = _region_rgb(colors[winner], (confidence - 1.0 / n_classes) / (1.0 - 1.0 / n_classes))
        ax.imshow(_rgb8(rgb.reshape(GRID, GRID, 3)), extent=extent, origin="lower", smooth=True)
        ax.contour(field.T.reshape(n_classes, GRID, GRID), extent, color="black", linewidth=0.8)

    test = view.dataset.test
    right = view.test_predicted == test.y
    n_right, n_wrong = int(right.sum()), int((~right).sum())
    shown = subsample(len(test))
    X, y, ok = test.X[shown], test.y[shown], right[shown]
    size = float(np.clip(30 * np.sqrt(400 / max(len(shown), 1)), 6, 30))  # many points: smaller marks
    for k in range(n_classes):
        for correct, color in ((True, RIGHT), (False, WRONG)):
            mask = (y == k) & (ok == correct)
            if mask.any():  # mistakes drawn last and a little larger, so none hides under a right one
                ax.scatter(X[mask, 0], X[mask, 1], s=size if correct else size * 1.5, color=color,
                           marker=_marker(k), edgecolors="black", linewidths=0.6 if size > 15 else 0.3,
                           zorder=3 if correct else 4)
    handles = [
        ax.scatter([], [], s=40, color=RIGHT, edgecolors="black", linewidths=0.6, label=f"right ({n_right})"),
        ax.scatter([], [], s=40, color=WRONG, edgecolors="black", linewidths=0.6, label=f"wrong ({n_wrong})"),
    ]
    region_keys = []
    if n_classes > 2 and n_classes <= MAX_REGION_KEYS:
        # the shading has no colour bar: a key pairs each class's region colour with its marker
        sure = _region_rgb(colors, np.ones((n_classes, 1)))
        for k, label in enumerate(labels):
            patch = Patch(facecolor=sure[k], edgecolor="black", linewidth=0.5)
            mark = ax.scatter([], [], s=30, color="white", edgecolors="black", marker=_marker(k))
            handles.append((patch, mark))
            region_keys.append(f"class {label}")
        texts = [handle.label for handle in handles[:2]] + region_keys
        ax.legend(handles=handles, labels=texts, loc="below", ncols=min(len(handles), 5), frameon=False,
                  title="shading: predicted class (paler where less sure); marker: true class")
    else:
        if n_classes <= 10:
            handles += [ax.scatter([], [], s=30, color="white", edgecolors="black", marker=_marker(k),
                                   label=f"true class {label}") for k, label in enumerate(labels)]
        ax.legend(handles=handles, loc="below", ncols=min(len(handles), 6), frameon=False)
    ax.set_xlim(low[0], high[0])
    ax.set_ylim(low[1], high[1])
    ax.grid(False)
    _label_axes(ax, view)
    accuracy = n_right / max(len(test), 1)
    note = f"; {len(shown)} of them drawn" if len(shown) < len(test) else ""
    set_title(ax, f"Decision regions and {len(test)} test points{note}\n"
                 f"{n_right} right, {n_wrong} wrong (accuracy {accuracy:.3f})")
    save(fig, path)
    return {"right": n_right, "wrong": n_wrong, "n_test": len(test), "drawn": int(len(shown)),
            "max_points": MAX_POINTS, "region_keys": region_keys}


def _rgb8(rgb):
    """Colours in [0, 1] (..., 3) as uint8, as an image is drawn."""
    return np.clip(np.rint(rgb * 255.0), 0, 255).astype(np.uint8)


def _region_rgb(colors, sureness):
    """A class's region colour (M, 3) for ``colors`` (M, 3) and ``sureness`` (M, 1) in [0, 1]:
    the class colour, paler where the network is less sure."""
    strength = 0.25 + 0.55 * sureness
    return 1.0 - strength * (1.0 - colors)

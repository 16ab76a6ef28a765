"""The first layer's weights as images (``weights.png``): for image data, each
unit of the first dense layer (its weights reshaped to the image) or each
filter of the first convolution, as a tile in a grid."""

import math

import numpy as np

from .colors import colormap, to_rgba
from .style import BACKGROUND, DIVERGING, figure, save, set_title

MAX_TILES = 64


def first_layer_tiles(view):
    """``(tiles (n, C, h, w), kind, labels)`` of the first layer with weights, or None.

    ``kind`` is "unit" (a dense layer, weights reshaped to the input image) or
    "filter" (a convolution's kernels ``(filters, C, kh, kw)``).
    """
    if not view.image:
        return None
    layer = next((layer for layer in view.model.layers if layer.params), None)
    if layer is None or "weight" not in layer.params:
        return None
    weight = np.asarray(layer.params["weight"], dtype=np.float64)
    shape = tuple(view.dataset.input_shape)
    if weight.ndim == 4:
        return weight, "filter", [f"{j}" for j in range(len(weight))]
    if weight.ndim == 2 and weight.shape[1] == math.prod(shape):
        tiles = weight.reshape((len(weight),) + shape)
        if layer is view.model.output_layer and view.classification and len(weight) == view.dataset.n_classes:
            return tiles, "class", view.class_labels  # no hidden layer: one template per class
        return tiles, "unit", [f"{j}" for j in range(len(weight))]
    return None


def applies(view):
    return first_layer_tiles(view) is not None


def _mosaic(tiles, columns):
    """Tiles (n, h, w), each scaled to [-1, 1] by its largest |value|, laid out with NaN gaps."""
    n, h, w = tiles.shape
    rows = math.ceil(n / columns)
    gap_x = max(1, math.ceil(w * 0.12))
    gap_y = max(2, math.ceil(h * 0.32))  # room for the label above each tile
    mosaic = np.full((rows * (h + gap_y) + 1, columns * (w + gap_x) + 1), np.nan)
    corners = []
    for k, tile in enumerate(tiles):
        r, c = divmod(k, columns)
        top, left = r * (h + gap_y) + gap_y, c * (w + gap_x) + gap_x
        peak = np.max(np.abs(tile))
        mosaic[top : top + h, left : left + w] = tile / peak if peak > 0 else tile
        corners.append((top, left))
    return mosaic, corners


def draw_weights(view, path):
    """Returns ``{"tiles", "total", "kind", "tile_shape"}``."""
    tiles, kind, labels = first_layer_tiles(view)
    total, channels = len(tiles), tiles.shape[1]
    chosen = np.arange(total)
    if total > MAX_TILES:  # the units whose weights are largest say the most
        strength = np.sqrt((tiles.reshape(total, -1) ** 2).sum(axis=1))
        chosen = np.sort(np.argsort(-strength, kind="stable")[:MAX_TILES])
    images = tiles[chosen].mean(axis=1) if channels > 1 else tiles[chosen, 0]
    n, h, w = images.shape
    columns = min(n, max(1, math.ceil(math.sqrt(n))))
    mosaic, corners = _mosaic(images, columns)

    tile_inches = 0.95 if columns <= 8 else 0.8
    image_width = columns * tile_inches
    image_height = image_width * mosaic.shape[0] / mosaic.shape[1]
    fig, ax = figure(max(5.0, image_width + 1.8), max(3.6, image_height + 1.1))
    ax.imshow(_colored(mosaic))
    font = 8 if columns <= 8 else 7
    for k, (top, left) in zip(chosen, corners):
        ax.text(left + w / 2 - 0.5, top - 0.9, labels[k], ha="center", va="bottom", fontsize=font)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    ax.frame = ()
    fig.colorbar(ax, lambda values: colormap(DIVERGING, values), "weight ÷ largest |weight| of its tile",
                 ticks=[(0.0, "−max"), (0.5, "0"), (1.0, "+max")], shrink=0.7)
    what = {"unit": "first dense layer, one tile per unit",
            "class": "the output layer (no hidden layer), one tile per class",
            "filter": "first convolution, one tile per filter"}[kind]
    title = f"First-layer weights as {h}×{w} images: {what}"
    if total > n:
        title += f"\nthe {n} of {total} {kind}s with the largest weights"
    if channels > 1:
        title += f" (mean over {channels} channels)"
    set_title(ax, title)
    save(fig, path)
    return {"tiles": int(n), "total": int(total), "kind": kind, "tile_shape": (int(h), int(w))}


def _colored(mosaic):
    """The mosaic (values in [-1, 1], NaN in the gaps) as RGB uint8: the diverging map, gaps in BACKGROUND."""
    rgb = colormap(DIVERGING, (np.nan_to_num(mosaic) + 1.0) / 2.0)
    rgb[np.isnan(mosaic)] = to_rgba(BACKGROUND)[:3]
    return (rgb * 255).round().astype(np.uint8)

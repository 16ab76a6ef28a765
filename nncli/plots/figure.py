"""A picture: a row of axes on a white page, laid out, drawn and written as a PNG.

Shapes (lines, markers, images) are drawn on a canvas ``SUPERSAMPLE`` times as
large, then shrunk by averaging, which smooths their edges; text is drawn after,
on the final canvas, where FreeType smooths it itself.  Pillow draws everything:
no matplotlib is imported, which is what makes a run's pictures cheap.
"""

import numpy as np

from . import text
from .axes import Axes
from .decorations import Colorbar, room
from .png import png_bytes

SUPERSAMPLE = 2
PAD = 6.0  # points around the figure's edge and between panels


#: the longest side of a picture in pixels (a 28x1 kernel's weights asked for a 14,726-pixel-high one)
MAX_SIDE = 4000


class Figure:
    def __init__(self, width, height):
        shrink = min(1.0, MAX_SIDE / (max(width, height) * text.DPI))  # the same shape, smaller
        self.size = (max(1, int(round(width * text.DPI * shrink))), max(1, int(round(height * text.DPI * shrink))))
        self.axes = []
        self.suptitle_text = ""

    def subplots(self, ncols=1):
        self.axes = [Axes(self) for _ in range(ncols)]
        return self.axes

    def suptitle(self, title):
        self.suptitle_text = title

    def colorbar(self, ax, cmap, label, ticks=None, shrink=0.85, alpha=1.0):
        ax.colorbar = Colorbar(ax, cmap, label, ticks, shrink, alpha)
        return ax.colorbar

    # ---- layout ----------------------------------------------------------------------------
    def layout(self):
        width, height = self.size
        pad = text.points_to_pixels(PAD)
        top = pad
        if self.suptitle_text:
            top += text.measure(self.suptitle_text, 12, bold=True)[1] + pad
        share = width / max(len(self.axes), 1)
        cells = [(i * share + pad, top, (i + 1) * share - pad, height - pad) for i in range(len(self.axes))]
        for ax, cell in zip(self.axes, cells):
            ax.box = (cell[0] + 60, cell[1] + 30, cell[2] - 20, cell[3] - 50)
        for _ in range(2):  # the room for tick labels depends on the ticks, which depend on the box
            rooms = []
            for ax in self.axes:
                ax.fit()
                rooms.append(room(ax))
            above = max(r[1] for r in rooms)  # panels side by side share their top and bottom edges
            below = max(r[3] for r in rooms)
            for ax, cell, (left, _, right, _) in zip(self.axes, cells, rooms):
                ax.box = _at_least(cell, left, above, right, below)
        for ax in self.axes:
            if ax.aspect == "box":
                _equal_box(ax)
            ax.fit()
            for inset in ax.insets:
                x0, y0, x1, y1 = ax.box
                left, bottom, w, h = inset.rect
                inset.box = (x0 + left * (x1 - x0), y1 - (bottom + h) * (y1 - y0), x0 + (left + w) * (x1 - x0),
                             y1 - bottom * (y1 - y0))
                inset.fit()
            if ax.legend_ is not None:
                below = room(ax)[3] - ax.legend_.size()[1] if ax.legend_.loc == "below" else 0.0
                ax.legend_.place(ax.box, ax.data_pixels(), below)

    # ---- drawing -------------------------------------------------------------------------------
    def render(self):
        """The picture as a Pillow RGB image."""
        from PIL import Image

        self.layout()
        width, height = self.size
        scale = SUPERSAMPLE
        canvas = Image.new("RGB", (width * scale, height * scale), "white")
        for ax in self.axes:
            ax.draw_shapes(canvas, scale)
        image = canvas.reduce(scale)
        for ax in self.axes:
            ax.draw_texts(image)
        if self.suptitle_text:
            text.draw(image, width / 2, text.points_to_pixels(PAD), self.suptitle_text, 12, ha="center", va="top",
                      bold=True)
        return image

    def save(self, path):
        """Write the picture as a PNG to ``path`` as every run file is written (``atomic_write``:
        a temporary name, then a rename; RunError when it cannot be written)."""
        from ..runs.files import atomic_write

        image = self.render()
        atomic_write(path, lambda handle: handle.write(png_bytes(np.asarray(image))), durable=False)


#: the least share of its cell an axes box keeps, however much room its labels ask for
MIN_SHARE = 0.35


def _at_least(cell, left, top, right, bottom):
    """The box ``cell`` less the room asked for on each side; when that leaves less than MIN_SHARE
    of the cell's width or height, the room on the two sides shrinks in proportion."""
    x0, y0, x1, y1 = cell
    box = [x0 + left, y0 + top, x1 - right, y1 - bottom]
    for low, high, before, after, span in ((0, 2, left, right, x1 - x0), (1, 3, top, bottom, y1 - y0)):
        short = MIN_SHARE * span - (box[high] - box[low])
        if short > 0:
            share = before / (before + after) if before + after > 0 else 0.5
            box[low] -= short * share
            box[high] += short * (1 - share)
    return tuple(box)


def _equal_box(ax):
    """Shrink the box so that a unit of x is as long as a unit of y, centred in the room it had."""
    x0, y0, x1, y1 = ax.box
    x_span = abs(ax.xaxis.view[1] - ax.xaxis.view[0])
    y_span = abs(ax.yaxis.view[1] - ax.yaxis.view[0])
    per_pixel = max(x_span / (x1 - x0), y_span / (y1 - y0))
    width, height = x_span / per_pixel, y_span / per_pixel
    middle_x, middle_y = (x0 + x1) / 2, (y0 + y1) / 2
    ax.box = (middle_x - width / 2, middle_y - height / 2, middle_x + width / 2, middle_y + height / 2)

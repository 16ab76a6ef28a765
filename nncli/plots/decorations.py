"""What is drawn around an axes box: spines, ticks and their labels, the axis labels,
the title, a legend under it, a colour bar beside it; and how much room each needs
(``room``), from which the figure lays its axes out."""

import numpy as np

from . import text
from .colors import colormap, to_rgba8

TICK = 3.5  # points
MINOR_TICK = 2.0
PAD = 3.5  # points between a tick and its label
LABEL_PAD = 4.0  # points between tick labels and the axis label
TITLE_PAD = 6.0


def _px(points):
    return text.points_to_pixels(points)


def _labelled(ticks):
    return [label for _, label in ticks if label]


def room(ax):
    """Pixels (left, top, right, bottom) the axes needs outside its box."""
    left = top = right = bottom = 0.0
    if ax.axis_on:
        y_labels = _labelled(ax.yaxis.majors + ax.yaxis.minors)
        y_width = max((text.measure(label, ax.tick_size)[0] for label in y_labels), default=0.0)
        left = _px(TICK + PAD) + y_width
        if ax.yaxis.label:
            left += text.measure(ax.yaxis.label, ax.label_size, rotation=90)[0] + _px(LABEL_PAD)
        x_labels = _labelled(ax.xaxis.majors)
        if ax.xaxis.rotation:
            x_height = max((text.measure(label, ax.tick_size, rotation=ax.xaxis.rotation)[1] for label in x_labels),
                           default=0.0)
        else:
            x_height = text.line_height(ax.tick_size) if x_labels else 0.0
            right = max((text.measure(label, ax.tick_size)[0] for label in x_labels[-1:]), default=0.0) / 2
        bottom = _px(TICK + PAD) + x_height
        if ax.xaxis.label:
            bottom += text.measure(ax.xaxis.label, ax.label_size)[1] + _px(LABEL_PAD)
    if ax.title:
        top = text.measure(ax.title, ax.title_size, ax.title_bold)[1] + _px(TITLE_PAD)
    if ax.legend_ is not None and ax.legend_.loc == "below":
        bottom += ax.legend_.size()[1] + _px(LABEL_PAD)
    if ax.colorbar is not None:
        right = max(right, ax.colorbar.width())
    return left, top, right, bottom


def draw_axis_shapes(ax, pen, scale):
    if not ax.axis_on:
        return
    x0, y0, x1, y1 = ax.box
    black = to_rgba8("black")
    width = max(1, int(round(_px(0.8) * scale)))
    sides = {"left": [(x0, y0), (x0, y1)], "bottom": [(x0, y1), (x1, y1)], "top": [(x0, y0), (x1, y0)],
             "right": [(x1, y0), (x1, y1)]}
    for side in ax.frame:
        pen.line([(x * scale, y * scale) for x, y in sides[side]], fill=black, width=width)
    for ticks, length in ((ax.xaxis.majors, TICK), (ax.xaxis.minors, MINOR_TICK)):
        for px, _ in ax.xaxis.visible(ticks, x0, x1):
            pen.line([(px * scale, y1 * scale), (px * scale, (y1 + _px(length)) * scale)], fill=black, width=width)
    for ticks, length in ((ax.yaxis.majors, TICK), (ax.yaxis.minors, MINOR_TICK)):
        for py, _ in ax.yaxis.visible(ticks, y1, y0):
            pen.line([((x0 - _px(length)) * scale, py * scale), (x0 * scale, py * scale)], fill=black, width=width)


def draw_axis_texts(ax, image):
    x0, y0, x1, y1 = ax.box
    if ax.axis_on:
        y_labels_width = 0.0
        for py, label in ax.yaxis.visible(ax.yaxis.majors + ax.yaxis.minors, y1, y0):
            if label:
                text.draw(image, x0 - _px(TICK + PAD), py, label, ax.tick_size, ha="right", va="center")
                y_labels_width = max(y_labels_width, text.measure(label, ax.tick_size)[0])
        below = y1 + _px(TICK + PAD)
        tallest = 0.0
        for px, label in ax.xaxis.visible(ax.xaxis.majors, x0, x1):
            if label:
                if ax.xaxis.rotation:
                    turned = ax.xaxis.rotation
                    text.draw(image, px, below, label, ax.tick_size, ha="center" if turned == 90 else "right",
                              va="top", rotation=turned)
                    tallest = max(tallest, text.measure(label, ax.tick_size, rotation=turned)[1])
                else:
                    text.draw(image, px, below, label, ax.tick_size, ha="center", va="top")
                    tallest = text.line_height(ax.tick_size)
        if ax.xaxis.label:
            text.draw(image, (x0 + x1) / 2, below + tallest + _px(LABEL_PAD), ax.xaxis.label, ax.label_size,
                      ha="center", va="top")
        if ax.yaxis.label:
            left = x0 - _px(TICK + PAD) - y_labels_width - _px(LABEL_PAD)
            text.draw(image, left, (y0 + y1) / 2, ax.yaxis.label, ax.label_size, ha="right", va="center",
                      rotation=90)
    if ax.title:
        text.draw(image, (x0 + x1) / 2, y0 - _px(TITLE_PAD), ax.title, ax.title_size, ha="center",
                  va="bottom", bold=ax.title_bold)


class Colorbar:
    """A strip of a colour map beside an axes, with ticks and a label (``figure.colorbar``)."""

    BAR, GAP = 0.16, 0.18  # inches

    def __init__(self, ax, cmap, label, ticks=None, shrink=0.85, alpha=1.0):
        self.ax, self.cmap, self.label, self.shrink, self.alpha = ax, cmap, label, shrink, alpha
        self.ticks = ticks if ticks is not None else [(v, f"{v:.1f}") for v in np.linspace(0, 1, 6)]

    def width(self):
        labels = max(text.measure(label, self.ax.tick_size)[0] for _, label in self.ticks)
        return (text.DPI * (self.BAR + self.GAP) + _px(TICK + PAD) + labels + _px(LABEL_PAD)
                + text.measure(self.label, self.ax.label_size, rotation=90)[0] + _px(2))

    def _strip(self):
        x0, y0, x1, y1 = self.ax.box
        height = (y1 - y0) * self.shrink
        left = x1 + text.DPI * self.GAP
        top = (y0 + y1 - height) / 2
        return left, top, left + text.DPI * self.BAR, top + height

    def _y(self, value):
        left, top, right, bottom = self._strip()
        return bottom - (value - self.ticks[0][0]) / ((self.ticks[-1][0] - self.ticks[0][0]) or 1) * (bottom - top)

    def draw_shapes(self, canvas, pen, scale):
        from PIL import Image

        left, top, right, bottom = (v * scale for v in self._strip())
        rows = max(2, int(round(bottom - top)))
        values = np.linspace(1.0, 0.0, rows)
        rgb = self.alpha * self.cmap(values) + (1 - self.alpha)
        strip = np.repeat((np.clip(rgb, 0, 1) * 255).astype(np.uint8)[:, None, :], max(1, int(right - left)), axis=1)
        canvas.paste(Image.fromarray(strip), (int(round(left)), int(round(top))))
        black = to_rgba8("black")
        width = max(1, int(round(_px(0.8) * scale)))
        pen.rectangle([left, top, right, bottom], outline=black, width=width)
        for value, _ in self.ticks:
            y = self._y(value) * scale
            pen.line([(right, y), (right + _px(TICK) * scale, y)], fill=black, width=width)

    def draw_texts(self, image):
        left, top, right, bottom = self._strip()
        widest = 0.0
        for value, label in self.ticks:
            text.draw(image, right + _px(TICK + PAD), self._y(value), label, self.ax.tick_size, va="center")
            widest = max(widest, text.measure(label, self.ax.tick_size)[0])
        text.draw(image, right + _px(TICK + PAD) + widest + _px(LABEL_PAD), (top + bottom) / 2, self.label,
                  self.ax.label_size, ha="left", va="center", rotation=90)


def map_colors(name):
    """``values in [0, 1] -> RGB floats`` of colour map ``name``, for a Colorbar."""
    return lambda values: colormap(name, values)

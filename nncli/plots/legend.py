"""A legend: one entry per labelled thing (a sample of it, then its text), in columns,
inside the axes at a corner (``loc``; "best" picks the corner over the fewest data
points) or centred under them (``loc="below"``)."""

from dataclasses import dataclass

import numpy as np

from . import marks, text
from .colors import to_rgba8

#: where "best" looks, in the order matplotlib tries them
CORNERS = ("upper right", "upper left", "lower left", "lower right", "center right", "center left",
           "lower center", "upper center")
#: (vertical, horizontal) of each corner's name
SPOTS = {name: (("center", name.split()[1]) if name.startswith("center") else tuple(name.split()))
         for name in CORNERS}


@dataclass
class Patch:
    """A filled square in a legend (a region's colour)."""

    facecolor: object
    edgecolor: object = "black"
    linewidth: float = 0.5
    label: str = ""


class Legend:
    def __init__(self, entries, loc="best", ncols=1, frameon=True, title=None, fontsize=9, title_fontsize=9,
                 markerscale=1.0):
        self.entries = entries  # [(handle, text)]
        self.loc, self.ncols, self.frameon = loc, max(1, ncols), frameon
        self.title, self.fontsize, self.title_fontsize, self.markerscale = title, fontsize, title_fontsize, markerscale
        self.origin = (0.0, 0.0)

    # ---- what the tests read ---------------------------------------------------------
    @property
    def texts(self):
        return [label for _, label in self.entries]

    # ---- size and place, in pixels ---------------------------------------------------
    def _grid(self):
        """Pixels: row height, handle length, handle-to-text gap, rows, the entries per column, text widths."""
        size = self.fontsize
        row = text.points_to_pixels(1.5 * size)
        handle = text.points_to_pixels(2.0 * size)
        gap = text.points_to_pixels(0.8 * size)
        rows = -(-len(self.entries) // self.ncols)
        columns = [self.entries[c * rows : (c + 1) * rows] for c in range(self.ncols)]
        widths = [max((text.measure(label, size)[0] for _, label in column), default=0) for column in columns]
        return row, handle, gap, rows, columns, widths

    def _column_gap(self):
        return text.points_to_pixels(2.0 * self.fontsize)

    def _border(self):
        return text.points_to_pixels(0.5 * self.fontsize)

    def size(self):
        row, handle, gap, rows, _, widths = self._grid()
        width = sum(handle + gap + w for w in widths) + self._column_gap() * (len(widths) - 1) + 2 * self._border()
        title = text.measure(self.title, self.title_fontsize) if self.title else (0, 0)
        return max(width, title[0] + 2 * self._border()), rows * row + title[1] + self._border()

    def place(self, box, points=None, below_offset=0.0):
        """Choose ``self.origin`` (top-left) for the axes ``box``; ``points`` (N, 2) pixels of the data."""
        x0, y0, x1, y1 = box
        width, height = self.size()
        pad = text.points_to_pixels(5)
        if self.loc == "below":
            self.origin = ((x0 + x1 - width) / 2, y1 + below_offset)
            return
        spots = {}
        for name in CORNERS:
            vertical, horizontal = SPOTS[name]
            left = {"left": x0 + pad, "right": x1 - pad - width, "center": (x0 + x1 - width) / 2}[horizontal]
            top = {"upper": y0 + pad, "lower": y1 - pad - height, "center": (y0 + y1 - height) / 2}[vertical]
            spots[name] = (left, top)
        if self.loc != "best":
            self.origin = spots[self.loc]
            return
        best, fewest = CORNERS[0], None
        for name in CORNERS:
            left, top = spots[name]
            inside = 0
            if points is not None and len(points):
                inside = int(np.count_nonzero((points[:, 0] >= left) & (points[:, 0] <= left + width)
                                              & (points[:, 1] >= top) & (points[:, 1] <= top + height)))
            if fewest is None or inside < fewest:
                best, fewest = name, inside
        self.origin = spots[best]

    # ---- drawing ------------------------------------------------------------------------
    def _rows(self):
        """(handle, label, x of the handle, y of the row's middle) per entry, pixels."""
        row, handle, gap, rows, columns, widths = self._grid()
        x, top = self.origin
        title_height = text.measure(self.title, self.title_fontsize)[1] if self.title else 0
        y = top + self._border() / 2 + title_height
        left = x + self._border()
        for column, width in zip(columns, widths):
            for i, (thing, label) in enumerate(column):
                yield thing, label, left, y + (i + 0.5) * row, handle, gap
            left += handle + gap + width + self._column_gap()

    def draw_shapes(self, pen, scale):
        width, height = self.size()
        x, y = self.origin
        if self.frameon:
            pen.rounded_rectangle([x * scale, y * scale, (x + width) * scale, (y + height) * scale],
                                  radius=3 * scale, fill=to_rgba8("white", 0.9), outline=to_rgba8("#cccccc"),
                                  width=max(1, scale))
        for thing, _, left, middle, handle, _ in self._rows():
            things = thing if isinstance(thing, tuple) else (thing,)
            share = handle / len(things)
            for k, one in enumerate(things):
                _sample(pen, one, (left + k * share) * scale, middle * scale, share * scale, scale, self.markerscale)

    def draw_texts(self, image):
        if self.title:
            width, _ = self.size()
            text.draw(image, self.origin[0] + width / 2, self.origin[1] + 2, self.title, self.title_fontsize,
                      ha="center", va="top")
        for _, label, left, middle, handle, gap in self._rows():
            text.draw(image, left + handle + gap, middle, label, self.fontsize, ha="left", va="center")


def _sample(pen, thing, left, middle, width, scale, markerscale):
    """A small picture of ``thing`` (a Line, Points, Patch) in a ``width``-wide slot."""
    from .artists import Line, Points, Rule

    if isinstance(thing, Patch):
        half = width * 0.3
        pen.rectangle([left + width / 2 - half, middle - half * 0.8, left + width / 2 + half, middle + half * 0.8],
                      fill=to_rgba8(thing.facecolor), outline=to_rgba8(thing.edgecolor),
                      width=max(1, int(round(text.points_to_pixels(thing.linewidth) * scale))))
    elif isinstance(thing, (Line, Rule)):
        color = to_rgba8(thing.color, thing.alpha)
        if color[3] > 0 and thing.linestyle != "none":
            marks.polyline(pen, [(left + 2 * scale, middle), (left + width - 2 * scale, middle)], color,
                           text.points_to_pixels(thing.linewidth) * scale, thing.linestyle)
        if thing.marker:
            radius = text.points_to_pixels(thing.markersize) / 2 * scale
            marks.marker(pen, thing.marker, left + width / 2, middle, radius, color)
    elif isinstance(thing, Points):
        radius = min(thing.radius_points() * markerscale, 6.0)
        thing.draw_one(pen, left + width / 2, middle, text.points_to_pixels(radius) * scale, scale)

"""The things drawn inside axes, each a small record that can draw itself.

``draw(surface, place, scale)`` draws on the supersampled canvas (``Surface``: the image,
a pen on it, the axes' box on it): ``place(x, y)``
turns data coordinates (arrays) into its pixels, and ``scale`` is the
supersampling factor (points become ``points_to_pixels(points) * scale``).
``data()`` gives the (x, y) values the axes' limits are fitted to.
"""

from dataclasses import dataclass

import numpy as np

from . import marks
from .colors import to_rgba, to_rgba8
from .text import points_to_pixels


@dataclass
class Surface:
    """Where a thing is drawn: ``image`` (for what is pasted), ``pen`` (an RGBA ImageDraw on it), and
    ``box``, the axes' box on it in its pixels (left, top, right, bottom)."""

    image: object
    pen: object
    box: tuple


@dataclass(kw_only=True)
class Stroke:
    """How a line is drawn (and shown in a legend): colour, width in points, "-", "--", ":" or "none",
    a marker on each point, the label."""

    color: object = "#1f77b4"
    linewidth: float = 1.5
    linestyle: str = "-"
    marker: str = ""
    markersize: float = 6.0
    alpha: float = None
    label: str = ""
    zorder: float = 2


@dataclass
class Line(Stroke):
    """``ax.plot``: points joined by a line, with markers on each point if ``marker``."""

    x: np.ndarray
    y: np.ndarray
    clip_on: bool = True
    fit: bool = True  # whether the axes' limits are fitted to it

    def data(self):
        return (self.x, self.y) if self.fit else None

    def draw(self, surface, place, scale):
        pen = surface.pen
        px, py = place(self.x, self.y)
        color = to_rgba8(self.color, self.alpha)
        if self.linestyle != "none" and len(px) > 1:
            marks.polyline(pen, np.column_stack([px, py]), color, points_to_pixels(self.linewidth) * scale,
                           self.linestyle)
        if self.marker:
            radius = points_to_pixels(self.markersize) / 2 * scale
            for x, y in zip(px, py):
                if np.isfinite(x) and np.isfinite(y):
                    marks.marker(pen, self.marker, x, y, radius, color)


@dataclass
class Points:
    """``ax.scatter``: one marker per row of ``offsets`` (N, 2); ``s`` is the area in points²."""

    offsets: np.ndarray
    s: float = 20.0
    color: object = "#1f77b4"
    marker: str = "o"
    alpha: float = None
    edgecolor: object = None
    linewidth: float = 0.0
    label: str = ""
    zorder: float = 1

    def data(self):
        return (self.offsets[:, 0], self.offsets[:, 1]) if len(self.offsets) else None

    def radius_points(self):
        return float(np.sqrt(self.s)) / 2

    @property
    def facecolor(self):
        return to_rgba(self.color, self.alpha)

    def _colors(self):
        """(fill, edge or None) as 8-bit RGBA."""
        edge = None
        if self.edgecolor not in (None, "none"):
            edge = to_rgba8(self.edgecolor, self.alpha if self.edgecolor != "white" else None)
        return to_rgba8(self.color, self.alpha), edge

    def draw_one(self, pen, x, y, radius, scale):
        fill, edge = self._colors()
        marks.marker(pen, self.marker, x, y, radius, fill, edge, points_to_pixels(self.linewidth) * scale)

    def draw(self, surface, place, scale):
        pen = surface.pen
        px, py = place(self.offsets[:, 0], self.offsets[:, 1])
        radius = points_to_pixels(self.radius_points()) * scale
        fill, edge = self._colors()
        width = points_to_pixels(self.linewidth) * scale
        for x, y in zip(px.tolist(), py.tolist()):
            if np.isfinite(x) and np.isfinite(y):
                marks.marker(pen, self.marker, x, y, radius, fill, edge, width)


@dataclass
class Segments:
    """Separate straight lines (S, 2, 2), each with its own RGBA colour (floats) and width (points)."""

    segments: np.ndarray
    colors: np.ndarray
    widths: np.ndarray
    zorder: float = 1

    def data(self):
        return self.segments[:, :, 0].ravel(), self.segments[:, :, 1].ravel()

    def draw(self, surface, place, scale):
        pen = surface.pen
        px, py = place(self.segments[:, :, 0], self.segments[:, :, 1])
        for (x0, x1), (y0, y1), color, width in zip(px, py, self.colors, self.widths):
            marks.polyline(pen, [(x0, y0), (x1, y1)], tuple(int(round(c * 255)) for c in color),
                           points_to_pixels(width) * scale)


@dataclass
class Rule(Stroke):
    """``axhline`` / ``axvline``: a line across the whole axes at ``value``."""

    vertical: bool
    value: float

    def data(self):
        return None

    def draw(self, surface, place, scale):
        pen = surface.pen
        x0, y0, x1, y1 = surface.box
        px, py = place(np.array([self.value]), np.array([self.value]))
        ends = [(px[0], y0), (px[0], y1)] if self.vertical else [(x0, py[0]), (x1, py[0])]
        marks.polyline(pen, ends, to_rgba8(self.color, self.alpha), points_to_pixels(self.linewidth) * scale,
                       self.linestyle)


@dataclass
class Raster:
    """``ax.imshow``: an RGB(A) uint8 image (H, W, C) stretched over ``extent`` (left, right, bottom, top)
    in data coordinates; row 0 at the bottom when ``origin == "lower"``."""

    pixels: np.ndarray
    extent: tuple
    origin: str = "upper"
    smooth: bool = False
    zorder: float = 0

    def data(self):
        left, right, bottom, top = self.extent
        return np.array([left, right]), np.array([bottom, top])

    def draw(self, surface, place, scale):
        from PIL import Image

        canvas = surface.image
        left, right, bottom, top = self.extent
        px, py = place(np.array([left, right]), np.array([bottom, top]))
        x0, x1 = sorted(px)
        y0, y1 = sorted(py)
        size = (max(1, int(round(x1 - x0))), max(1, int(round(y1 - y0))))
        rows = self.pixels[::-1] if self.origin == "lower" else self.pixels  # rows[0] lies at ``top``
        if py[1] > py[0]:  # ``top`` is drawn below ``bottom`` (a reversed axis)
            rows = rows[::-1]
        if px[0] > px[1]:
            rows = rows[:, ::-1]
        image = Image.fromarray(np.ascontiguousarray(rows))
        if self.smooth and scale > 1:
            # smoothed at the final size, then each pixel repeated: the canvas is shrunk by averaging
            # blocks of scale x scale pixels, which gives back exactly the final-size image
            final = (max(1, round(size[0] / scale)), max(1, round(size[1] / scale)))
            resized = image.resize(final, Image.BILINEAR).resize(size, Image.NEAREST)
        else:
            resized = image.resize(size, Image.BILINEAR if self.smooth else Image.NEAREST)
        if resized.mode == "RGBA":
            canvas.paste(resized, (int(round(x0)), int(round(y0))), resized)
        else:
            canvas.paste(resized, (int(round(x0)), int(round(y0))))


@dataclass
class Label:
    """``ax.text``: text at (x, y); ``coords``: "data", "axes" (fractions of the box) or "x" (x in
    data coordinates, y a fraction of the box's height)."""

    x: float
    y: float
    text: str
    fontsize: float = 10
    color: object = "black"
    ha: str = "left"
    va: str = "baseline"
    bold: bool = False
    coords: str = "data"


@dataclass
class Arrow:
    """A line from ``start`` to ``end`` (data coordinates) with a head at ``end``."""

    start: tuple
    end: tuple
    color: object = "steelblue"
    linewidth: float = 1.4
    head: float = 8.0  # points
    zorder: float = 2

    def data(self):
        return np.array([self.start[0], self.end[0]]), np.array([self.start[1], self.end[1]])

    def draw(self, surface, place, scale):
        pen = surface.pen
        px, py = place(np.array([self.start[0], self.end[0]]), np.array([self.start[1], self.end[1]]))
        marks.arrow(pen, (px[0], py[0]), (px[1], py[1]), to_rgba8(self.color),
                    points_to_pixels(self.linewidth) * scale, points_to_pixels(self.head) * scale)


@dataclass
class Box:
    """A rectangle with rounded corners, (x, y) its lower-left corner, in data coordinates."""

    x: float
    y: float
    width: float
    height: float
    facecolor: object = "white"
    edgecolor: object = "black"
    linewidth: float = 1.0
    zorder: float = 1

    def data(self):
        return np.array([self.x, self.x + self.width]), np.array([self.y, self.y + self.height])

    def draw(self, surface, place, scale):
        pen = surface.pen
        px, py = place(np.array([self.x, self.x + self.width]), np.array([self.y, self.y + self.height]))
        pen.rounded_rectangle([min(px), min(py), max(px), max(py)], radius=points_to_pixels(5) * scale,
                              fill=to_rgba8(self.facecolor), outline=to_rgba8(self.edgecolor),
                              width=max(1, int(round(points_to_pixels(self.linewidth) * scale))))


@dataclass
class Contour:
    """The lines where a field crosses a level (``ax.contour``), drawn as pixels:
    ``fields`` (K, H, W) over ``extent`` (left, right, bottom, top), row 0 at the bottom.
    One field: the line where it crosses ``level``.  Several: the borders between the
    regions where each field is the largest (which field wins is found at the picture's
    own resolution, the borders on the supersampled canvas)."""

    fields: np.ndarray
    extent: tuple
    level: float = 0.5
    color: object = "black"
    linewidth: float = 1.0
    zorder: float = 1.5

    def data(self):
        return None

    def draw(self, surface, place, scale):
        from PIL import Image

        canvas = surface.image
        left, right, bottom, top = self.extent
        px, py = place(np.array([left, right]), np.array([bottom, top]))
        x0, y0 = int(round(min(px))), int(round(min(py)))
        size = (max(2, int(round(abs(px[1] - px[0])))), max(2, int(round(abs(py[1] - py[0])))))
        single = len(self.fields) == 1
        shrink = 1 if single else scale  # several fields: K of them at the supersampled size would be large
        small = (max(2, -(-size[0] // shrink)), max(2, -(-size[1] // shrink)))
        grown = [np.asarray(Image.fromarray(np.ascontiguousarray(f[::-1], dtype=np.float32), "F")
                            .resize(small, Image.BILINEAR)) for f in self.fields]
        regions = (grown[0] >= self.level) if single else np.argmax(np.stack(grown), axis=0)
        if shrink > 1:  # each winner enlarged to the canvas, so that the borders are drawn at its resolution
            regions = np.repeat(np.repeat(regions, shrink, axis=0), shrink, axis=1)[: size[1], : size[0]]
        edge = np.zeros(regions.shape, dtype=bool)
        edge[:, 1:] |= regions[:, 1:] != regions[:, :-1]
        edge[1:, :] |= regions[1:, :] != regions[:-1, :]
        reach = max(0, int(round(points_to_pixels(self.linewidth) * scale / 2 - 0.5)))
        padded = np.pad(edge, reach)
        thick = edge.copy()
        rows, columns = edge.shape
        for dy in range(-reach, reach + 1):
            for dx in range(-reach, reach + 1):
                if dx * dx + dy * dy <= reach * reach + reach:
                    thick |= padded[reach + dy : reach + dy + rows, reach + dx : reach + dx + columns]
        mask = Image.fromarray(thick.astype(np.uint8) * 255, "L")
        canvas.paste(Image.new("RGB", mask.size, to_rgba8(self.color)[:3]), (x0, y0), mask)

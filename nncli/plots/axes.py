"""Axes: a box of a picture with two scaled axes, what is drawn in it, its ticks,
labels, title and legend.  The methods that add things are named as matplotlib's
(``plot``, ``scatter``, ``axhline``, ``imshow``, ``legend``, ...), with fewer options.

Nothing is drawn until the figure is saved: then the figure's layout gives the
axes its ``box`` (pixels: left, top, right, bottom), the limits are fitted to the
data and the ticks chosen, shapes are drawn on the supersampled canvas
(``draw_shapes``) and text on the final one (``draw_texts``).
"""

import numpy as np

from . import artists, text
from .legend import Legend
from .scales import SCALES, Linear, nice_ticks

GRID = (176, 176, 176)
MARGIN = 0.05  # of the data range, beside it


class Axis:
    """One axis (x or y) of an axes: its scale, limits, ticks and label."""

    def __init__(self):
        self.scale = Linear()
        self.limits = None  # data values, as set
        self.label = ""
        self.fixed = None  # [(value, text)] set by set_xticks / set_yticks
        self.rotation = 0
        self.integer = False
        self.show_minor = True
        self.major_format = self.minor_format = None
        self.majors, self.minors, self.view = [], [], (0.0, 1.0)

    def fit(self, values, margin=True):
        """Choose ``self.view``: the limits, forward-scaled, finite and apart."""
        bound = self.scale.bound
        if self.limits is not None:
            low, high = np.clip(np.nan_to_num(self.scale.forward(np.array(self.limits, dtype=np.float64)),
                                              nan=0.0, posinf=bound, neginf=-bound), -bound, bound)
        else:
            values = np.asarray(values, dtype=np.float64)
            values = np.clip(self.scale.forward(values[self.scale.valid(values)]), -bound, bound)
            low, high = (float(values.min()), float(values.max())) if len(values) else (0.0, 1.0)
            if high - low <= 1e-12 * max(abs(low), abs(high)):  # one value, or the same but for rounding
                middle = low / 2 + high / 2
                low, high = middle - (abs(middle) * 0.05 or 0.5), middle + (abs(middle) * 0.05 or 0.5)
            elif margin:
                low, high = low - (MARGIN * high - MARGIN * low), high + (MARGIN * high - MARGIN * low)
        low, high = np.clip([low, high], -bound, bound)
        self.view = (float(low), float(high))

    def data_limits(self):
        low, high = self.scale.inverse(np.array(self.view))
        return float(low), float(high)

    def choose_ticks(self, bins):
        if self.fixed is not None:
            self.majors, self.minors = list(self.fixed), []
            return
        low, high = sorted(self.data_limits())
        majors, minors = self.scale.ticks(low, high, bins, self.integer)
        if self.major_format:
            majors = [(v, self.major_format(v)) for v, _ in majors]
        minors = [(v, self.minor_format(v) if self.minor_format else "") for v in minors] if self.show_minor else []
        if self.scale.name == "log" and len([label for _, label in majors + minors if label]) < 2:
            # less than a power of ten, and at most one labelled tick in it: round values, as on a linear axis
            majors, minors = nice_ticks(low, high, bins), []
        self.majors, self.minors = majors, minors

    def visible(self, ticks, start, end):
        """``(pixel, label)`` of each of ``ticks`` that lies on the axis drawn from ``start`` to ``end``."""
        low, high = sorted((start, end))
        for value, label in ticks:
            pixel = float(self.position(np.array(value), start, end))
            if low - 0.5 <= pixel <= high + 0.5:
                yield pixel, label

    def position(self, values, start, end):
        """Pixels of data ``values`` on an axis drawn from pixel ``start`` (low) to ``end`` (high)."""
        low, high = self.view
        fraction = (self.scale.forward(values) - low) / ((high - low) or 1.0)
        return start + fraction * (end - start)


#: a tick label (a class name can be 65,536 characters) is cut to this many, so that the data keep their room
MAX_TICK_LABEL = 24


def _fixed_ticks(values, labels):
    labels = labels if labels is not None else [f"{v:g}" for v in values]
    return [(value, " ".join(text.lines_of(label, MAX_TICK_LABEL))) for value, label in zip(values, labels)]


class Axes:
    def __init__(self, figure, rect=None, parent=None):
        self.figure, self.parent, self.rect = figure, parent, rect  # rect: fractions of the parent's box
        self.xaxis, self.yaxis = Axis(), Axis()
        self.things, self.labels, self.insets = [], [], []
        self.title, self.title_size, self.title_bold = "", 11, True
        self.tick_size, self.label_size = (7.5 if parent else 9), 10
        self.grid_on, self.grid_which, self.grid_alpha = parent is None, "major", 0.3
        self.axis_on, self.frame = True, ("left", "bottom") if parent is None else ("left", "bottom", "top", "right")
        self.aspect = None
        self.legend_ = None
        self.colorbar = None
        self.box = (0.0, 0.0, 1.0, 1.0)

    # ---- adding things ------------------------------------------------------------------
    def _add(self, thing):
        self.things.append(thing)
        return thing

    def plot(self, x, y, color="#1f77b4", linewidth=1.5, linestyle="-", marker="", markersize=6.0, label="",
             alpha=None, clip_on=True, zorder=2):
        return self._add(artists.Line(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64),
                                      color=color, linewidth=linewidth, linestyle=linestyle, marker=marker,
                                      markersize=markersize, alpha=alpha, label=label, clip_on=clip_on, zorder=zorder))

    def scatter(self, x, y, s=20.0, color="#1f77b4", marker="o", alpha=None, edgecolors=None, linewidths=None,
                label="", zorder=1):
        if linewidths is None:  # an edge colour alone draws edges one point wide, as matplotlib's do
            linewidths = 1.0 if edgecolors not in (None, "none") else 0.0
        offsets = np.column_stack([np.asarray(x, dtype=np.float64).ravel(), np.asarray(y, dtype=np.float64).ravel()])
        return self._add(artists.Points(offsets, s, color, marker, alpha, edgecolors, linewidths, label, zorder))

    def axhline(self, y, color="black", linewidth=1.0, linestyle="-", label=""):
        return self._add(artists.Rule(False, y, color=color, linewidth=linewidth, linestyle=linestyle, label=label))

    def axvline(self, x, color="black", linewidth=1.0, linestyle="-", label=""):
        return self._add(artists.Rule(True, x, color=color, linewidth=linewidth, linestyle=linestyle, label=label))

    def imshow(self, pixels, extent=None, origin="upper", smooth=False):
        """An RGB(A) uint8 image; without ``extent``, pixel (i, j) is centred on (x=j, y=i), row 0 at the top."""
        rows, columns = pixels.shape[:2]
        if extent is None:
            extent, origin = (-0.5, columns - 0.5, rows - 0.5, -0.5), "upper"
            self.yaxis.limits = (rows - 0.5, -0.5)
            self.xaxis.limits = (-0.5, columns - 0.5)
            self.aspect = "box"  # square pixels
        return self._add(artists.Raster(pixels, extent, origin, smooth))

    def errorbar(self, x, y, error, color="black", markersize=5.0, linewidth=1.5):
        """A marker at (x, y) and a bar from ``y - error`` to ``y + error``, with caps."""
        self._add(artists.Line(np.array([x, x]), np.array([y - error, y + error]), color=color, linewidth=linewidth))
        self._add(artists.Points(np.array([[x, y - error], [x, y + error]]), (2 * 3.0) ** 2, color, "_",
                                 linewidth=linewidth, zorder=2))
        return self._add(artists.Line(np.array([x]), np.array([y]), color=color, linestyle="none", marker="o",
                                      markersize=markersize, zorder=3))

    def contour(self, fields, extent, level=0.5, color="black", linewidth=1.0):
        return self._add(artists.Contour(np.asarray(fields, dtype=np.float32), extent, level, color, linewidth))

    def add(self, thing):
        """Any record of ``artists`` (a Segments, an Arrow, a Box)."""
        return self._add(thing)

    def text(self, x, y, s, fontsize=10, color="black", ha="left", va="baseline", bold=False, coords="data"):
        label = artists.Label(x, y, s, fontsize, color, ha, va, bold, coords)
        self.labels.append(label)
        return label

    def inset_axes(self, rect):
        """Axes inside this one; ``rect`` (left, bottom, width, height) in fractions of its box."""
        inset = Axes(self.figure, rect, parent=self)
        self.insets.append(inset)
        return inset

    # ---- settings ------------------------------------------------------------------------
    def set_xlim(self, low, high):
        self.xaxis.limits = (low, high)

    def set_ylim(self, low, high):
        self.yaxis.limits = (low, high)

    def get_ylim(self):
        return self.yaxis.limits if self.yaxis.limits is not None else self.yaxis.data_limits()

    def set_xscale(self, name, **options):
        self.xaxis.scale = SCALES[name](**options)

    def set_yscale(self, name, **options):
        self.yaxis.scale = SCALES[name](**options)

    def set_xlabel(self, label):
        self.xaxis.label = label

    def set_ylabel(self, label):
        self.yaxis.label = label

    def set_title(self, title, fontsize=None, bold=None):
        self.title = title
        self.title_size = fontsize or self.title_size
        self.title_bold = self.title_bold if bold is None else bold

    def set_xticks(self, values, labels=None, rotation=0):
        self.xaxis.fixed, self.xaxis.rotation = _fixed_ticks(values, labels), rotation

    def set_yticks(self, values, labels=None):
        self.yaxis.fixed = _fixed_ticks(values, labels)

    def grid(self, on=True, which="major", alpha=0.3):
        self.grid_on, self.grid_which, self.grid_alpha = on, which, alpha

    def axis_off(self):
        self.axis_on = False
        self.grid_on = False

    def set_aspect(self, aspect="equal", adjustable="box"):
        self.aspect = adjustable

    def legend(self, handles=None, labels=None, loc="best", **options):
        if handles is None:
            handles = [thing for thing in self.things if getattr(thing, "label", "")]
        if labels is None:
            labels = [thing.label for thing in handles]
        self.legend_ = Legend(list(zip(handles, labels)), loc, **options)
        return self.legend_

    # ---- fitting -------------------------------------------------------------------------
    def fit(self):
        """Fit the limits to what is drawn and choose the ticks (the box must be set)."""
        xs, ys, margin = [], [], True
        for thing in self.things:
            values = thing.data()
            if values is not None:
                xs.append(np.ravel(values[0]))
                ys.append(np.ravel(values[1]))
            margin &= not isinstance(thing, artists.Raster)
        self.xaxis.fit(np.concatenate(xs) if xs else [], margin)
        self.yaxis.fit(np.concatenate(ys) if ys else [], margin)
        x0, y0, x1, y1 = self.box
        if self.aspect == "datalim":
            self._equal_data_limits(x1 - x0, y1 - y0)
        self.xaxis.choose_ticks(int(np.clip((x1 - x0) / text.points_to_pixels(self.tick_size * 5), 3, 9)))
        self.yaxis.choose_ticks(int(np.clip((y1 - y0) / text.points_to_pixels(self.tick_size * 3), 3, 9)))

    def _equal_data_limits(self, width, height):
        (x_low, x_high), (y_low, y_high) = self.xaxis.view, self.yaxis.view
        per_pixel = max((x_high - x_low) / width, (y_high - y_low) / height)
        middle_x, middle_y = (x_low + x_high) / 2, (y_low + y_high) / 2
        self.xaxis.view = (middle_x - per_pixel * width / 2, middle_x + per_pixel * width / 2)
        self.yaxis.view = (middle_y - per_pixel * height / 2, middle_y + per_pixel * height / 2)

    def place(self, x, y, scale=1):
        """Pixels (scaled) of data points ``x``, ``y``."""
        x0, y0, x1, y1 = self.box
        return (self.xaxis.position(np.asarray(x, dtype=np.float64), x0, x1) * scale,
                self.yaxis.position(np.asarray(y, dtype=np.float64), y1, y0) * scale)

    # ---- drawing ---------------------------------------------------------------------------
    def draw_shapes(self, canvas, scale):
        from PIL import ImageDraw

        from .decorations import draw_axis_shapes

        x0, y0, x1, y1 = (int(round(v * scale)) for v in self.box)
        pen = ImageDraw.Draw(canvas, "RGBA")
        if self.grid_on:
            self._draw_grid(pen, scale)
        whole = artists.Surface(canvas, pen, (x0, y0, x1, y1))
        # what could reach outside the box is drawn on a copy of it, so that nothing spills out
        if self._spills():
            layer = canvas.crop((x0, y0, x1, y1))
            inside = artists.Surface(layer, ImageDraw.Draw(layer, "RGBA"), (0, 0, x1 - x0, y1 - y0))
        else:
            inside = whole

        def on(surface):
            """``place`` in the pixels of ``surface``, whose image begins at (dx, dy) of the canvas."""
            dx, dy = x0 - surface.box[0], y0 - surface.box[1]

            def place(x, y):
                px, py = self.place(x, y, scale)
                return px - dx, py - dy

            return place

        things = sorted(self.things, key=lambda t: t.zorder)
        for thing in things:
            if getattr(thing, "clip_on", True):
                thing.draw(inside, on(inside), scale)
        if inside is not whole:
            canvas.paste(inside.image, (x0, y0))
        for thing in things:
            if not getattr(thing, "clip_on", True):
                thing.draw(whole, on(whole), scale)
        draw_axis_shapes(self, pen, scale)
        if self.legend_ is not None:
            self.legend_.draw_shapes(pen, scale)
        if self.colorbar is not None:
            self.colorbar.draw_shapes(canvas, pen, scale)
        for inset in self.insets:
            inset.draw_shapes(canvas, scale)

    def _spills(self):
        """Whether anything drawn inside could reach outside the box: data beyond the limits, or
        markers and thick lines near the edges (a margin of 5 % of the box is kept by the limits)."""
        x_view, y_view = sorted(self.xaxis.view), sorted(self.yaxis.view)
        for thing in self.things:
            if isinstance(thing, (artists.Raster, artists.Contour)):
                left, right, bottom, top = self.xaxis.scale.forward(thing.extent[:2]).tolist() + \
                    self.yaxis.scale.forward(thing.extent[2:]).tolist()
                if min(left, right) < x_view[0] or max(left, right) > x_view[1] or min(bottom, top) < y_view[0] \
                        or max(bottom, top) > y_view[1]:
                    return True
                continue
            if isinstance(thing, artists.Rule) or getattr(thing, "clip_on", True) is False:
                continue
            values = thing.data()
            if values is None:
                continue
            x = self.xaxis.scale.forward(np.ravel(values[0]))
            y = self.yaxis.scale.forward(np.ravel(values[1]))
            inside = np.isfinite(x) & np.isfinite(y)
            x, y = x[inside], y[inside]
            x_pad = 0.02 * (x_view[1] - x_view[0])
            y_pad = 0.02 * (y_view[1] - y_view[0])
            if len(x) and (x.min() < x_view[0] + x_pad or x.max() > x_view[1] - x_pad or y.min() < y_view[0] + y_pad
                           or y.max() > y_view[1] - y_pad):
                return True
        return False

    def _draw_grid(self, pen, scale):
        x0, y0, x1, y1 = self.box
        color = GRID + (int(round(255 * self.grid_alpha)),)
        width = max(1, int(round(text.points_to_pixels(0.8) * scale)))
        minors = self.grid_which == "both"
        for px, _ in self.xaxis.visible(self.xaxis.majors + (self.xaxis.minors if minors else []), x0, x1):
            pen.line([(px * scale, y0 * scale), (px * scale, y1 * scale)], fill=color, width=width)
        for py, _ in self.yaxis.visible(self.yaxis.majors + (self.yaxis.minors if minors else []), y1, y0):
            pen.line([(x0 * scale, py * scale), (x1 * scale, py * scale)], fill=color, width=width)

    def draw_texts(self, image):
        from .decorations import draw_axis_texts

        draw_axis_texts(self, image)
        for label in self.labels:
            x0, y0, x1, y1 = self.box
            px, py = self.place(np.array(label.x), np.array(label.y))
            if label.coords in ("axes", "x"):
                py = y1 - label.y * (y1 - y0)
            if label.coords == "axes":
                px = x0 + label.x * (x1 - x0)
            text.draw(image, float(px), float(py), label.text, label.fontsize, label.color, label.ha, label.va,
                      label.bold)
        if self.legend_ is not None:
            self.legend_.draw_texts(image)
        if self.colorbar is not None:
            self.colorbar.draw_texts(image)
        for inset in self.insets:
            inset.draw_texts(image)

    def data_pixels(self):
        """Pixels of the drawn data points (for the legend's "best" place)."""
        points = [np.column_stack(self.place(*thing.data())) for thing in self.things
                  if isinstance(thing, (artists.Line, artists.Points)) and thing.data() is not None]
        return np.concatenate(points) if points else None


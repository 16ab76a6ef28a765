"""What a picture is drawn with, on a Pillow ``ImageDraw`` in pixels: lines (solid,
dashed, dotted), markers (o s ^ v D < > p h *) and arrows.  Colours are 8-bit RGBA
tuples; the draw is in "RGBA" mode, so a colour's opacity blends it over what is there.
"""

import math

import numpy as np

#: dash patterns in line widths: (on, off)
DASHES = {"--": (3.7, 1.6), ":": (1.0, 1.65)}


def polyline(pen, points, color, width, style="-"):
    """``points`` (N, 2) joined by straight lines; NaN rows break the line."""
    points = np.asarray(points, dtype=np.float64)
    good = np.all(np.isfinite(points), axis=1)
    runs, start = [], None
    for i, ok in enumerate(good):
        if ok and start is None:
            start = i
        if not ok and start is not None:
            runs.append(points[start:i])
            start = None
    if start is not None:
        runs.append(points[start:])
    for run in runs:
        if style in DASHES:
            _dashed(pen, run, color, width, style)
        elif len(run) >= 2:
            pen.line([tuple(p) for p in run], fill=color, width=max(1, int(round(width))), joint="curve")
            if width > 3:  # round ends, as matplotlib's "round" cap style
                for p in (run[0], run[-1]):
                    _dot(pen, p, width / 2, color)


def _dot(pen, point, radius, color):
    x, y = point
    pen.ellipse((x - radius, y - radius, x + radius, y + radius), fill=color)


def _dashed(pen, points, color, width, style):
    on, off = (max(1.0, width) * k for k in DASHES[style])
    lengths = np.hypot(*np.diff(points, axis=0).T)
    total = float(lengths.sum())
    if total == 0:
        return
    cumulative = np.concatenate([[0.0], np.cumsum(lengths)])
    position = 0.0
    while position < total:
        end = min(total, position + on)
        if style == ":":
            _dot(pen, _along(points, cumulative, position), max(0.6, width / 2), color)
        else:
            pieces = [position] + [c for c in cumulative if position < c < end] + [end]
            pen.line([tuple(_along(points, cumulative, p)) for p in pieces], fill=color,
                     width=max(1, int(round(width))))
        position += on + off


def _along(points, cumulative, distance):
    i = min(int(np.searchsorted(cumulative, distance, side="right")) - 1, len(points) - 2)
    span = cumulative[i + 1] - cumulative[i]
    t = 0.0 if span == 0 else (distance - cumulative[i]) / span
    return points[i] + t * (points[i + 1] - points[i])


def _regular(n, radius, rotation):
    angles = rotation + np.arange(n) * 2 * math.pi / n
    return np.column_stack([radius * np.sin(angles), -radius * np.cos(angles)])


def _star(radius):
    outer = _regular(5, radius, 0.0)
    inner = _regular(5, radius * 0.38, math.pi / 5)
    return np.stack([outer, inner], axis=1).reshape(-1, 2)


#: each marker's outline for the radius of its circle "o" (y down), sized as matplotlib sizes them:
#: a square and a triangle as wide and as tall as the circle, a diamond a square turned 45 degrees
SHAPES = {
    "s": np.array([[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]]),
    "^": np.array([[0.0, -1.0], [1.0, 1.0], [-1.0, 1.0]]),
    "v": np.array([[0.0, 1.0], [-1.0, -1.0], [1.0, -1.0]]),
    "<": np.array([[-1.0, 0.0], [1.0, -1.0], [1.0, 1.0]]),
    ">": np.array([[1.0, 0.0], [-1.0, 1.0], [-1.0, -1.0]]),
    "D": np.array([[0.0, -1.0], [1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]]) * math.sqrt(2),
    "p": _regular(5, 1.0, 0.0),
    "h": _regular(6, 1.0, 0.0),
    "*": _star(1.0),
}


def marker(pen, kind, x, y, radius, fill, edge=None, edge_width=0.0):
    """One marker of ``kind`` centred on (x, y)."""
    if kind == "_":  # a cap: a short horizontal line
        pen.line([(x - radius, y), (x + radius, y)], fill=fill, width=max(1, int(round(edge_width or 1))))
        return
    outline = edge if edge is not None and edge[3] > 0 and edge_width > 0 else None
    width = max(1, int(round(edge_width))) if outline else 0
    if kind == "o" or kind not in SHAPES:
        box = (x - radius, y - radius, x + radius, y + radius)
        pen.ellipse(box, fill=fill, outline=outline, width=width)
        return
    corners = [(x + dx * radius, y + dy * radius) for dx, dy in SHAPES[kind]]
    pen.polygon(corners, fill=fill)
    if outline:  # a closed line: Pillow draws a wide polygon outline through a temporary image
        pen.line(corners + corners[:1], fill=outline, width=width, joint="curve")


def arrow(pen, start, end, color, width, head):
    """A line from ``start`` to ``end`` with a filled triangular head of length ``head`` at ``end``."""
    (x0, y0), (x1, y1) = start, end
    length = math.hypot(x1 - x0, y1 - y0)
    if length == 0:
        return
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    base = (x1 - ux * head, y1 - uy * head)
    pen.line([start, base], fill=color, width=max(1, int(round(width))))
    half = head * 0.4
    pen.polygon([(x1, y1), (base[0] - uy * half, base[1] + ux * half), (base[0] + uy * half, base[1] - ux * half)],
                fill=color)

"""The one look of every nncli picture: colours, point limits, titles, and how figures are made and saved."""

from .colors import TAB10, TAB20, hsv_to_rgb, to_rgba
from .figure import Figure

#: at most this many points are drawn in a scatter (counts always use all of them)
MAX_POINTS = 5000

# right / wrong test points
RIGHT = "#2ca02c"
WRONG = "#d62728"
# the splits in curves
TRAIN = "#1f77b4"
VAL = "#ff7f0e"
REFERENCE = "#555555"  # target lines, chance diagonals
# weight signs: negative red, positive blue (the ends of DIVERGING)
NEGATIVE = "#c0392b"
POSITIVE = "#2166ac"
DIVERGING = "RdBu"
SEQUENTIAL = "Blues"
FIELD = "cividis"  # a predicted probability behind green/red points: neither green nor red
BACKGROUND = "#e8e8e8"


def figure(width, height, ncols=None):
    """A new picture of ``width`` x ``height`` inches: ``(fig, ax)``, or ``(fig, [ax, ...])`` with ``ncols``."""
    fig = Figure(width, height)
    axes = fig.subplots(ncols or 1)
    return fig, (axes if ncols else axes[0])


def set_title(ax, title):
    """``ax.set_title`` with each line wrapped to the width of the axes' share of the figure, so that
    no title is cut off, into lines of even length (no word left alone on the last one)."""
    from . import text

    room = ax.figure.size[0] / len(ax.figure.axes) - 2 * text.points_to_pixels(6)

    def fits(lines):
        return max(text.measure(line, ax.title_size, ax.title_bold)[0] for line in lines) <= room

    # no line of more characters than twice the room's width in "i"s can fit: the search starts there
    widest = int(2 * room / text.measure("i", ax.title_size, ax.title_bold)[0]) + 1
    ax.set_title("\n".join(wrapped for line in title.split("\n") for wrapped in _wrap(line, fits, widest)))


def _wrap(line, fits, widest):
    """``line`` in the fewest lines that ``fits`` (none wider than ``widest`` characters), as even in
    length as they can be."""
    import textwrap

    if not line.strip():
        return [""]
    width = min(len(line), widest)
    while width > 10 and not fits(textwrap.wrap(line, width) or [""]):
        width -= 2
    lines = textwrap.wrap(line, width) or [""]
    for even in range(-(-len(line) // len(lines)), width):  # the narrowest width giving as many lines
        candidate = textwrap.wrap(line, even)
        if len(candidate) == len(lines):
            return candidate
    return lines


def save(fig, path):
    """Write ``fig`` as a PNG to ``path`` atomically."""
    fig.save(path)


# tab10 without its green and red, which mean right and wrong
CLASS_PALETTE = ("#1f77b4", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")


def class_colors(n, beside_right_wrong=True):
    """``n`` distinguishable RGBA colours for classes.

    ``beside_right_wrong``: the classes share a picture with green/red right/wrong
    marks, so up to 8 classes get colours that are neither green nor red.
    """
    if not beside_right_wrong:
        if n <= 10:
            return [to_rgba(color) for color in TAB10[:n]]
        if n <= 20:
            return [to_rgba(color) for color in TAB20[:n]]
        return [tuple(hsv_to_rgb(i / n, 1.0, 1.0)) + (1.0,) for i in range(n)]
    if n <= len(CLASS_PALETTE):
        return [to_rgba(color) for color in CLASS_PALETTE[:n]]
    return _hues_without_green_and_red(n)


def _hues_without_green_and_red(n):
    """``n`` colours spread over the hues that are neither green nor red, two lightnesses."""
    # hue in degrees: 25-75 (orange, yellow) and 165-330 (cyan, blue, purple, magenta)
    spans = [(25.0, 75.0), (165.0, 330.0)]
    total = sum(high - low for low, high in spans)
    colors = []
    for i in range(n):
        position = (i + 0.5) / n * total
        for low, high in spans:
            if position <= high - low:
                hue = low + position
                break
            position -= high - low
        value = 0.95 if i % 2 == 0 else 0.7
        colors.append(tuple(hsv_to_rgb(hue / 360.0, 0.75, value)) + (1.0,))
    return colors


def subsample(n, limit=MAX_POINTS, seed=0):
    """Sorted indices of at most ``limit`` of ``n`` items (all of them when ``n <= limit``)."""
    import numpy as np

    if n <= limit:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=limit, replace=False))

"""The one look of every nncli picture: sizes, fonts, colours, and how figures are saved.

matplotlib is imported here only when a figure is drawn (``matplotlib()``), and
figures are written with the non-interactive Agg canvas, so importing
``nncli.plots`` stays cheap.
"""

import os
import secrets
import warnings
from contextlib import contextmanager
from pathlib import Path

DPI = 110
#: zlib level of the PNG files: 1 encodes them about 1.4 times as fast as the default 6
#: (some 35 ms less for the seven pictures of a circles run), for files 5-25 % larger
PNG_COMPRESSION = 1

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
#: at most this many points are drawn in a scatter (counts always use all of them)
MAX_POINTS = 5000

RC = {
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    # a fixed title position: placing it automatically measures the y axis again for every title
    "axes.titley": 1.0,
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "legend.framealpha": 0.9,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "image.interpolation": "nearest",
}


def matplotlib():
    """The ``matplotlib`` package, imported on first use (after making sure it has a
    writable directory for its font cache).  Figures are drawn with ``Figure`` and the
    Agg canvas directly: pyplot's figure managers are not needed to write PNGs."""
    from ..matplotlib_config import ensure_writable_config_dir

    ensure_writable_config_dir()  # without a writable home: no warning, one font cache
    import matplotlib

    return matplotlib


@contextmanager
def context():
    """Draw with nncli's look (rcParams restored afterwards)."""
    with matplotlib().rc_context(RC):
        yield


def figure(width, height, **subplots):
    """A new figure of ``width`` x ``height`` inches: (fig, axes) as ``Figure.subplots`` returns them.

    Its layout is fitted once, when it is saved (``save``).
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=DPI)
    return fig, fig.subplots(**subplots)


def set_title(ax, text):
    """``ax.set_title`` with each line wrapped to the figure's width, so no title is cut off."""
    import textwrap

    width = max(30, int(ax.figure.get_figwidth() * 9.5))  # characters of an 11 pt bold line per inch
    lines = [wrapped for line in text.split("\n") for wrapped in textwrap.wrap(line, width) or [""]]
    ax.set_title("\n".join(lines))


def save(fig, path):
    """Fit the layout, then write ``fig`` as a PNG to ``path`` atomically (temporary name, then rename).

    The layout is measured once (``tight_layout``) and the figure drawn once; a layout
    engine (constrained layout) would measure twice and draw twice more while saving.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(3)}.tmp")
    canvas = FigureCanvasAgg(fig)
    try:
        with warnings.catch_warnings():
            # a crowded small panel keeps the default layout, which is still readable
            warnings.filterwarnings("ignore", message="Tight layout not applied")
            # a name from the data with a control character (a CSV header, a class label) is drawn as a
            # blank, not warned about on stderr mid-command
            warnings.filterwarnings("ignore", message="Glyph .* missing from font")
            fig.tight_layout(pad=0.6)
            canvas.print_png(temporary, pil_kwargs={"compress_level": PNG_COMPRESSION})
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()


# tab10 without its green and red, which mean right and wrong
CLASS_PALETTE = ("#1f77b4", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")


def class_colors(n, beside_right_wrong=True):
    """``n`` distinguishable RGBA colours for classes.

    ``beside_right_wrong``: the classes share a picture with green/red right/wrong
    marks, so up to 8 classes get colours that are neither green nor red.
    """
    from matplotlib import colormaps
    from matplotlib.colors import to_rgba

    if not beside_right_wrong:
        if n <= 10:
            return [colormaps["tab10"](i) for i in range(n)]
        if n <= 20:
            return [colormaps["tab20"](i) for i in range(n)]
        return [colormaps["hsv"](i / n) for i in range(n)]
    if n <= len(CLASS_PALETTE):
        return [to_rgba(color) for color in CLASS_PALETTE[:n]]
    return _hues_without_green_and_red(n)


def _hues_without_green_and_red(n):
    """``n`` colours spread over the hues that are neither green nor red, two lightnesses."""
    import numpy as np
    from matplotlib.colors import hsv_to_rgb

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
        rgb = hsv_to_rgb([hue / 360.0, 0.75, value])
        colors.append(tuple(np.append(rgb, 1.0)))
    return colors


def subsample(n, limit=MAX_POINTS, seed=0):
    """Sorted indices of at most ``limit`` of ``n`` items (all of them when ``n <= limit``)."""
    import numpy as np

    if n <= limit:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=limit, replace=False))

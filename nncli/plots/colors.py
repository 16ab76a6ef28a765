"""Colours and colour maps of the pictures, as 8-bit RGB(A) tuples, without matplotlib.

A colour is a ``"#rrggbb"`` string, one of ``NAMED``, ``"none"``, or a tuple of
3 or 4 floats in [0, 1].  A colour map is a few anchor colours spread evenly
over [0, 1] and interpolated linearly between them: ColorBrewer's maps (RdBu,
Blues) are defined that way, and 33 anchors follow cividis to within 5/255.
"""

import numpy as np

NAMED = {"black": "#000000", "white": "#ffffff", "steelblue": "#4682b4", "lightgrey": "#d3d3d3"}

_MAPS = {
    "cividis": "00224e 00285b 002e6a 053371 1a386f 273e6e 32436d 3b496c 434e6c 4b546c 535a6d 5a5f6e 61656f "
               "686a71 6f7073 767676 7d7c78 848279 8c8878 938e78 9b9476 a39a74 aba072 b4a76f bcae6c c4b468 "
               "cdbb63 d5c25e dec958 e7d150 f0d846 f9e03a fee838",
    "RdBu": "67001f b1182b d6604d f3a481 fddbc7 f6f7f7 d1e5f0 90c4dd 4393c3 2065ab 053061",
    "Blues": "f7fbff deebf7 c6dbef 9dcae1 6aaed6 4191c6 2070b4 08509b 08306b",
}
TAB10 = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
         "#17becf")
TAB20 = ("#1f77b4", "#aec7e8", "#ff7f0e", "#ffbb78", "#2ca02c", "#98df8a", "#d62728", "#ff9896", "#9467bd",
         "#c5b0d5", "#8c564b", "#c49c94", "#e377c2", "#f7b6d2", "#7f7f7f", "#c7c7c7", "#bcbd22", "#dbdb8d",
         "#17becf", "#9edae5")


def to_rgba(color, alpha=None):
    """``color`` as a tuple of four floats in [0, 1]; ``alpha`` replaces its opacity when given."""
    if isinstance(color, str):
        if color == "none":
            rgba = (0.0, 0.0, 0.0, 0.0)
        else:
            text = NAMED.get(color, color)
            if not (text.startswith("#") and len(text) == 7):
                raise ValueError(f"not a colour: {color!r}")
            rgba = tuple(int(text[i : i + 2], 16) / 255.0 for i in (1, 3, 5)) + (1.0,)
    else:
        values = tuple(float(c) for c in color)
        rgba = values if len(values) == 4 else values + (1.0,)
    if alpha is not None:
        rgba = rgba[:3] + (float(alpha),)
    return rgba


def to_rgba8(color, alpha=None):
    """``color`` as four integers 0-255, as Pillow draws it."""
    return tuple(int(round(c * 255)) for c in to_rgba(color, alpha))


def colormap(name, values):
    """RGB floats (..., 3) of map ``name`` at ``values`` in [0, 1] (clipped; NaN gives NaN)."""
    anchors = np.array([[int(h[i : i + 2], 16) / 255.0 for i in (0, 2, 4)] for h in _MAPS[name].split()])
    positions = np.linspace(0.0, 1.0, len(anchors))
    values = np.clip(np.asarray(values, dtype=np.float64), 0.0, 1.0)
    return np.stack([np.interp(values, positions, anchors[:, i]) for i in range(3)], axis=-1)


def hsv_to_rgb(hue, saturation, value):
    """One HSV colour (each in [0, 1]) as RGB floats."""
    i = int(hue * 6.0) % 6
    f = hue * 6.0 - int(hue * 6.0)
    p, q, t = value * (1 - saturation), value * (1 - saturation * f), value * (1 - saturation * (1 - f))
    return [(value, t, p), (q, value, p), (p, value, t), (p, q, value), (t, p, value), (value, p, q)][i]

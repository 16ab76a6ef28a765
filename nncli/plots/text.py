"""Text in the pictures: DejaVu Sans (the font file matplotlib ships, found without
importing matplotlib), measured and drawn by Pillow's FreeType renderer.

Sizes are in points, positions in pixels of the final picture; a block of text
may have several lines and be turned a quarter (``rotation=90``, read upwards).
"""

import importlib.util
import math
import os
from functools import lru_cache

from .colors import to_rgba8

DPI = 110
LINE_SPACING = 1.2
#: a longer line (a CSV header or class label can be 65,536 characters) is cut, with "…"
MAX_LINE = 200
#: a text of more lines keeps its first ones and "…"
MAX_LINES = 8


def lines_of(text, limit=MAX_LINE):
    """The lines ``text`` is drawn as: split at newlines, any other control character written as
    its escape (``\\x1c``, as nncli's messages quote one; Pillow's layout fails on some), each line
    at most ``limit`` characters, at most MAX_LINES of them."""
    lines = ["".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in line)
             for line in str(text).split("\n")]
    lines = [line if len(line) <= limit else line[: limit - 1] + "…" for line in lines]
    return lines if len(lines) <= MAX_LINES else lines[: MAX_LINES - 1] + ["…"]


def points_to_pixels(points):
    return points * DPI / 72.0


@lru_cache(maxsize=None)
def _font_file(bold):
    spec = importlib.util.find_spec("matplotlib")  # finds the package; runs none of it
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for folder in spec.submodule_search_locations if spec and spec.submodule_search_locations else []:
        path = os.path.join(folder, "mpl-data", "fonts", "ttf", name)
        if os.path.isfile(path):
            return path
    return None


@lru_cache(maxsize=None)
def font(size, bold=False):
    """The font of ``size`` points (Pillow's own sans-serif if DejaVu Sans is not found)."""
    from PIL import ImageFont

    pixels = points_to_pixels(size)
    path = _font_file(bold)
    return ImageFont.truetype(path, pixels) if path else ImageFont.load_default(pixels)


def line_height(size):
    return points_to_pixels(size) * LINE_SPACING


@lru_cache(maxsize=4096)  # a figure's layout measures its labels several times
def measure(text, size, bold=False, rotation=0):
    """(width, height) in pixels of ``text`` (``lines_of``) as drawn, turned ``rotation`` degrees."""
    lines = lines_of(text)
    face = font(size, bold)
    width = max(face.getlength(line) for line in lines)
    height = line_height(size) * len(lines)
    if rotation:
        turn = math.radians(rotation)
        return (abs(width * math.cos(turn)) + abs(height * math.sin(turn)),
                abs(width * math.sin(turn)) + abs(height * math.cos(turn)))
    return width, height


def draw(image, x, y, text, size=10, color="black", ha="left", va="baseline", bold=False, rotation=0):
    """Draw ``text`` on the RGB ``image`` with its anchor (``ha``: left/center/right,
    ``va``: top/center/bottom/baseline) at pixel ``(x, y)``."""
    from PIL import Image, ImageDraw

    text = str(text)
    if not text.strip():
        return
    face = font(size, bold)
    lines = lines_of(text)
    text = "\n".join(lines)
    step = line_height(size)
    width, height = measure(text, size, bold)
    ascent, _ = face.getmetrics()
    fill = to_rgba8(color)
    align = {"left": "l", "center": "m", "right": "r"}[ha]
    if rotation:
        mask = Image.new("L", (int(width + 4), int(height + 4)), 0)
        pen = ImageDraw.Draw(mask)
        for i, line in enumerate(lines):
            left = {"l": 2, "m": 2 + width / 2, "r": 2 + width}[align]
            pen.text((left, 2 + i * step + (step - points_to_pixels(size)) / 2), line, font=face, fill=255,
                     anchor=align + "t")
        mask = mask.rotate(rotation, expand=True, resample=Image.BILINEAR)
        w, h = mask.size
        left = {"left": x, "center": x - w / 2, "right": x - w}[ha]
        top = {"top": y, "center": y - h / 2, "bottom": y - h, "baseline": y - h}[va]
        image.paste(Image.new("RGB", mask.size, fill[:3]), (int(round(left)), int(round(top))), mask)
        return
    if va == "baseline":
        top = y - ascent - (len(lines) - 1) * step
    else:
        top = {"top": y, "center": y - height / 2, "bottom": y - height}[va]
    pen = ImageDraw.Draw(image, "RGBA")
    pad = (step - points_to_pixels(size)) / 2
    for i, line in enumerate(lines):
        pen.text((x, top + pad + i * step), line, font=face, fill=fill, anchor=align + "t")

"""Synthetic OCR dataset: upper-case letters A-Z rendered from real fonts.

The dataset is a small image-classification benchmark (26 classes, 32x32
grayscale, ink = 1, background = 0) that measures generalisation to
*typefaces never seen in training*.  Train and test use disjoint font
designs -- never merely different styles (bold, italic) of one design -- so
a model cannot score well by memorising a typeface.

All fonts come with the installed packages, nothing is downloaded:
matplotlib bundles the DejaVu, STIX and Computer Modern TrueType files, and
Pillow >= 10.1 (built with FreeType) embeds one more sans ("pillow-default").

Each glyph is rendered once at high resolution (the "master"); every sample
is an affine transform of its master (rotation, scale, shift; the glyph's
bounding box is centred), an optional 3x3 stroke thickening or thinning, and
Gaussian noise.  Variant 0 of every (font, letter) is a clean, centred
render.  The randomness of one sample comes only from a generator seeded by
``(seed, font id, letter, variant)``, so a sample does not depend on which
other fonts or variants are generated alongside it.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from typing import NamedTuple

import matplotlib
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ..errors import DataError
from .ocr_strokes import NO_STROKE, apply_strokes

# Bump whenever the arrays produced for given (fonts, variants, seed) change,
# so that anything caching them can invalidate its copies.
VERSION = 1

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

PILLOW_DEFAULT = "pillow-default"

TRAIN_FONTS: tuple[str, ...] = (
    "DejaVuSans",
    "DejaVuSans-Bold",
    "DejaVuSans-Oblique",
    "DejaVuSans-BoldOblique",
    "DejaVuSansMono",
    "DejaVuSansMono-Bold",
    "DejaVuSansMono-Oblique",
    "DejaVuSansMono-BoldOblique",
    "DejaVuSerif",
    "DejaVuSerif-Bold",
    "DejaVuSerif-Italic",
    "DejaVuSerif-BoldItalic",
    "cmr10",
    "cmb10",
    "cmti10",
    "cmmi10",
)

TEST_FONTS: tuple[str, ...] = (
    "STIXGeneral",
    "STIXGeneralBol",
    "STIXGeneralItalic",
    "STIXGeneralBolIta",
    "cmss10",
    "cmtt10",
    PILLOW_DEFAULT,
)

# The font id used to seed each sample is its position here; keep the order
# fixed (append only) or every generated sample changes.
ALL_FONTS: tuple[str, ...] = TRAIN_FONTS + TEST_FONTS

# TrueType file (in matplotlib's bundled font directory) of each font name.
FONT_FILES: dict[str, str] = {
    name: name + ".ttf" for name in ALL_FONTS if name != PILLOW_DEFAULT
}

IMAGE_SIZE = 32
BOX_SIZE = 24  # a clean glyph's bounding box fits this square, aspect kept

MAX_ROTATION_DEG = 10.0
SCALE_RANGE = (0.8, 1.1)  # glyph size relative to BOX_SIZE
MAX_SHIFT_PX = 2.0
MAX_NOISE_SIGMA = 0.08
# Probabilities of: no stroke change, thickening (3x3 max), thinning (3x3 min).
STROKE_PROBS = (0.5, 0.25, 0.25)
_MASTER_FONT_SIZE = 144  # px; caps come out ~100 px tall, finer than needed
_MASTER_PAD = 2  # zero border around a master so bilinear edges fade out
# Warp at 4x the output size, then average 4x4 blocks: anti-aliasing that a
# single bilinear minification from the master would lack.
_SUPERSAMPLE = 4
# A code point no font here maps; it renders the font's .notdef glyph.
_ABSENT_CHAR = "\U0010fffd"


class OcrFontError(DataError, ValueError):
    """A font is unknown, missing, or lacks usable A-Z glyphs (exit 2, like other bad data)."""


class _Augmentation(NamedTuple):
    angle_deg: float
    scale: float
    dx: float
    dy: float
    stroke: int
    noise: np.ndarray | None  # (IMAGE_SIZE, IMAGE_SIZE) float32, or None


_CLEAN = _Augmentation(0.0, 1.0, 0.0, 0.0, NO_STROKE, None)


def render_letters(
    fonts: Sequence[str], variants: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Render ``variants`` samples of each letter A-Z in each font.

    Parameters
    ----------
    fonts : sequence of str
        Font names from ``ALL_FONTS`` (e.g. ``TRAIN_FONTS`` or ``TEST_FONTS``).
    variants : int
        Samples per (font, letter), >= 1.  Variant 0 is a clean render; the
        others are randomly augmented.
    seed : int
        Non-negative seed.  The same seed gives bit-identical arrays.

    Returns
    -------
    images : np.ndarray
        float32, shape ``(N, 1, 32, 32)`` with ``N = len(fonts) * 26 *
        variants``, values in [0, 1], ink = 1, background = 0.
    labels : np.ndarray
        int64, shape ``(N,)``, letter index 0..25 (``LETTERS[label]``).
    font_index : np.ndarray
        int64, shape ``(N,)``, index into ``fonts``.

    Samples are ordered font-major, then by letter, then by variant.

    Raises
    ------
    OcrFontError
        If a font is unknown, its file is missing, or it lacks A-Z glyphs.
    ValueError
        If ``fonts`` is empty, ``variants < 1`` or ``seed < 0``.
    """
    fonts = list(fonts)
    _check_arguments(fonts, variants, seed)
    for name in fonts:  # fail on a bad font before spending time rendering
        _glyph_masters(name)
    images = np.concatenate([_render_font(name, variants, seed) for name in fonts])
    per_font = len(LETTERS) * variants
    labels = np.tile(np.repeat(np.arange(len(LETTERS)), variants), len(fonts))
    font_index = np.repeat(np.arange(len(fonts)), per_font)
    return images[:, None], labels.astype(np.int64), font_index.astype(np.int64)


def _check_arguments(fonts: list[str], variants: int, seed: int) -> None:
    if not fonts:
        raise ValueError("fonts must name at least one font")
    for name in fonts:
        if name not in ALL_FONTS:
            raise OcrFontError(
                f"unknown OCR font {name!r}; known fonts: {', '.join(ALL_FONTS)}"
            )
    if int(variants) != variants or variants < 1:
        raise ValueError(f"variants must be an integer >= 1, got {variants!r}")
    if int(seed) != seed or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")


def _render_font(name: str, variants: int, seed: int) -> np.ndarray:
    """Render all samples of one font.

    Returns
    -------
    np.ndarray
        float32, shape ``(26 * variants, 32, 32)``, letter-major.
    """
    masters = _glyph_masters(name)
    font_id = ALL_FONTS.index(name)
    augs = [
        _augmentation(seed, font_id, letter, variant)
        for letter in range(len(LETTERS))
        for variant in range(variants)
    ]
    hires = np.stack(
        [_warp(masters[i // variants], aug) for i, aug in enumerate(augs)]
    )
    images = _block_average(hires)
    images = apply_strokes(images, np.array([aug.stroke for aug in augs]))
    return _add_noise(images, augs)


def _augmentation(seed: int, font_id: int, letter: int, variant: int) -> _Augmentation:
    """Draw the random augmentation of one sample (variant 0 is clean)."""
    if variant == 0:
        return _CLEAN
    rng = np.random.default_rng([seed, font_id, letter, variant])
    angle = rng.uniform(-MAX_ROTATION_DEG, MAX_ROTATION_DEG)
    scale = rng.uniform(*SCALE_RANGE)
    dx, dy = rng.uniform(-MAX_SHIFT_PX, MAX_SHIFT_PX, size=2)
    stroke = int(rng.choice(3, p=STROKE_PROBS))
    sigma = np.float32(rng.uniform(0.0, MAX_NOISE_SIGMA))
    noise = sigma * rng.standard_normal((IMAGE_SIZE, IMAGE_SIZE), dtype=np.float32)
    return _Augmentation(angle, scale, float(dx), float(dy), stroke, noise)


def _warp(master: Image.Image, aug: _Augmentation) -> np.ndarray:
    """Rotate, scale and shift a master glyph onto the supersampled canvas.

    Returns
    -------
    np.ndarray
        uint8, shape ``(32 * _SUPERSAMPLE, 32 * _SUPERSAMPLE)``.
    """
    s = _SUPERSAMPLE
    width, height = master.size
    zoom = aug.scale * BOX_SIZE * s / max(width, height)
    theta = np.deg2rad(aug.angle_deg)
    cos, sin = np.cos(theta) / zoom, np.sin(theta) / zoom
    # Pillow wants the inverse map (output -> master pixel), in a coordinate
    # system where pixel i spans [i, i + 1]; the master's bounding-box centre
    # lands on the canvas centre plus the shift.
    cx = (IMAGE_SIZE / 2 + aug.dx) * s
    cy = (IMAGE_SIZE / 2 + aug.dy) * s
    coeffs = (
        cos, sin, width / 2 - cos * cx - sin * cy,
        -sin, cos, height / 2 + sin * cx - cos * cy,
    )
    out = master.transform(
        (IMAGE_SIZE * s, IMAGE_SIZE * s),
        Image.Transform.AFFINE,
        coeffs,
        resample=Image.Resampling.BILINEAR,
        fillcolor=0,
    )
    return np.asarray(out)


def _block_average(hires: np.ndarray) -> np.ndarray:
    """Average ``_SUPERSAMPLE`` x ``_SUPERSAMPLE`` blocks.

    Parameters
    ----------
    hires : np.ndarray
        uint8, shape ``(n, 32 * _SUPERSAMPLE, 32 * _SUPERSAMPLE)``.

    Returns
    -------
    np.ndarray
        float32, shape ``(n, 32, 32)``, values in [0, 1].
    """
    s = _SUPERSAMPLE
    blocks = hires.reshape(len(hires), IMAGE_SIZE, s, IMAGE_SIZE, s)
    # Integer sums are exact, so results cannot depend on the batch size.
    sums = blocks.sum(axis=(2, 4), dtype=np.uint32)
    return (sums / np.float32(255 * s * s)).astype(np.float32)


def _add_noise(images: np.ndarray, augs: list[_Augmentation]) -> np.ndarray:
    """Add each sample's Gaussian noise (if any) and clip to [0, 1]."""
    out = images.copy()
    for i, aug in enumerate(augs):
        if aug.noise is not None:
            out[i] += aug.noise
    return np.clip(out, 0.0, 1.0, out=out)


@functools.lru_cache(maxsize=None)
def _glyph_masters(name: str) -> tuple[Image.Image, ...]:
    """Render the 26 high-resolution masters of a font, once per process.

    Returns
    -------
    tuple of PIL.Image.Image
        26 mode-"L" images (ink = 255), each cropped to its letter's ink
        bounding box plus a ``_MASTER_PAD`` px border.
    """
    font = _load_font(name)
    masters = tuple(_render_master(font, char) for char in LETTERS)
    _check_glyphs(name, masters, _render_master(font, _ABSENT_CHAR))
    return masters


def _font_source(name: str) -> str:
    """Where a font comes from, for error messages."""
    if name == PILLOW_DEFAULT:
        return "Pillow's embedded default font"
    return f"font file {FONT_FILES.get(name, '?')!r}"


def _load_font(name: str) -> ImageFont.FreeTypeFont:
    if name == PILLOW_DEFAULT:
        try:
            font = ImageFont.load_default(size=_MASTER_FONT_SIZE)
        except TypeError:  # Pillow < 10.1 has no size argument
            font = None
        if not isinstance(font, ImageFont.FreeTypeFont):
            raise OcrFontError(
                f"OCR font {name!r} needs Pillow >= 10.1 built with FreeType"
            )
        return font
    if name not in FONT_FILES:
        raise OcrFontError(f"unknown OCR font {name!r}")
    font_dir = os.path.join(matplotlib.get_data_path(), "fonts", "ttf")
    path = os.path.join(font_dir, FONT_FILES[name])
    if not os.path.isfile(path):
        raise OcrFontError(
            f"OCR font {name!r}: {_font_source(name)} not found in "
            f"matplotlib's font directory {font_dir}"
        )
    try:
        # Basic layout: one glyph needs no shaping, and it avoids depending
        # on whether Pillow was built with libraqm.
        return ImageFont.truetype(
            path, _MASTER_FONT_SIZE, layout_engine=ImageFont.Layout.BASIC
        )
    except OSError as exc:
        raise OcrFontError(
            f"OCR font {name!r}: cannot load {_font_source(name)}: {exc}"
        ) from exc


def _render_master(font: ImageFont.FreeTypeFont, char: str) -> Image.Image | None:
    """Render one character, cropped to its ink; None if it has no ink."""
    left, top, right, bottom = font.getbbox(char)
    margin = _MASTER_FONT_SIZE // 2  # slack for glyphs overhanging their bbox
    canvas = Image.new("L", (right - left + 2 * margin, bottom - top + 2 * margin))
    ImageDraw.Draw(canvas).text((margin - left, margin - top), char, fill=255, font=font)
    box = canvas.getbbox()
    if box is None:
        return None
    x0, y0, x1, y1 = box
    pad = _MASTER_PAD
    return canvas.crop((x0 - pad, y0 - pad, x1 + pad, y1 + pad))


def _check_glyphs(
    name: str, masters: tuple[Image.Image | None, ...], notdef: Image.Image | None
) -> None:
    """Raise OcrFontError unless the font drew 26 distinct real glyphs."""
    where = f"OCR font {name!r} ({_font_source(name)})"
    blank = [c for c, m in zip(LETTERS, masters) if m is None]
    if blank:
        raise OcrFontError(f"{where} renders no ink for letters {''.join(blank)}")
    if notdef is not None:
        missing = [c for c, m in zip(LETTERS, masters) if _same_image(m, notdef)]
        if missing:
            raise OcrFontError(
                f"{where} has no glyphs for letters {''.join(missing)} "
                "(they render as the missing-glyph box)"
            )
    seen: dict[tuple, str] = {}
    for char, master in zip(LETTERS, masters):
        key = (master.size, master.tobytes())
        if key in seen:
            raise OcrFontError(
                f"{where} renders {seen[key]!r} and {char!r} identically "
                "(placeholder glyphs instead of A-Z?)"
            )
        seen[key] = char


def _same_image(a: Image.Image, b: Image.Image) -> bool:
    return a.size == b.size and a.tobytes() == b.tobytes()


def load(params, seed):
    """The ``ocr`` dataset: training fonts for train (and val), held-out fonts for test.

    Features are the 1024 pixels ``p0 .. p1023`` (row-major), the classes the
    letters ``"A" .. "Z"``, the groups the font names (``evaluate`` reports the
    accuracy per font).
    """
    from .raw import RawData

    images, labels, font_index = render_letters(ALL_FONTS, params["variants"], seed)
    pixels = IMAGE_SIZE * IMAGE_SIZE
    X = images.reshape(len(images), pixels).astype(np.float64)
    letters = np.array(list(LETTERS))[labels]
    fonts = np.array(ALL_FONTS)[font_index]
    return RawData(X, letters, [f"p{i}" for i in range(pixels)], "classification",
                   input_shape=(1, IMAGE_SIZE, IMAGE_SIZE), test_mask=font_index >= len(TRAIN_FONTS),
                   groups=fonts)

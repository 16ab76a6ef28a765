"""Stroke changes of the OCR letters: a 3x3 thickening (max filter) or thinning
(min filter) of ink-on-background images, skipped where thinning would erase a
hairline face."""

import numpy as np

NO_STROKE, THICKEN, THIN = 0, 1, 2
# Hairline faces vanish under a 3x3 min filter; keep the glyph unthinned then.
MIN_INK_KEPT_BY_THINNING = 0.5


def filter3x3(images: np.ndarray, reduce) -> np.ndarray:
    """Separable 3x3 max or min filter (``reduce`` = np.maximum / np.minimum).

    Outside the frame counts as background (0).  Shapes ``(n, H, W)`` in and
    out.
    """
    p = np.pad(images, ((0, 0), (1, 1), (1, 1)))
    rows = reduce(reduce(p[:, :-2], p[:, 1:-1]), p[:, 2:])
    return reduce(reduce(rows[:, :, :-2], rows[:, :, 1:-1]), rows[:, :, 2:])


def apply_strokes(images: np.ndarray, strokes: np.ndarray) -> np.ndarray:
    """Thicken or thin each image as ``strokes`` says.

    Parameters
    ----------
    images : np.ndarray
        float32, shape ``(n, H, W)``.
    strokes : np.ndarray
        int, shape ``(n,)``, one of ``NO_STROKE``, ``THICKEN``, ``THIN``.

    Returns
    -------
    np.ndarray
        float32, shape ``(n, H, W)``.
    """
    thick = filter3x3(images, np.maximum)
    thin = filter3x3(images, np.minimum)
    ink = images.sum(axis=(1, 2), dtype=np.float64)
    thin_ink = thin.sum(axis=(1, 2), dtype=np.float64)
    thin_ok = thin_ink >= MIN_INK_KEPT_BY_THINNING * ink
    out = np.where((strokes == THICKEN)[:, None, None], thick, images)
    return np.where(((strokes == THIN) & thin_ok)[:, None, None], thin, out)

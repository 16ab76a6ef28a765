"""What a numeric cell is: the one rule ``predict``, ``evaluate --data`` and CSV datasets share.

A cell is a number when ``float()`` reads it as a finite number, without the
underscores ``float()`` accepts and NumPy's parser refuses.
"""

import math
import warnings

import numpy as np

from ..errors import echo


def cell_problem(cell):
    """Why a cell is not a usable number, or None if it is one."""
    text = cell.strip()
    if not text:
        return "empty cell"
    try:
        # NumPy's parser refuses the underscores Python's float() accepts
        value = float(text) if "_" not in text else None
    except ValueError:
        value = None
    if value is None:
        return f"'{echo(cell)}' is not a number"
    if math.isnan(value):
        return "NaN is not allowed"
    if math.isinf(value):
        return f"'{echo(cell)}' is infinite"
    return None


def finite_numbers(cells):
    """Text cells (N,) -> float64 (N,) when every cell is a finite number (``is_number``),
    each read as ``float()`` reads it; else None (the caller then looks cell by cell).
    NumPy's C parser reads them at once, where ``float()`` per cell costs a second a million."""
    cells = cells.tolist() if isinstance(cells, np.ndarray) else list(cells)
    if not cells:
        return np.empty(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # loadtxt warns when every line is empty
        try:
            values = np.loadtxt(cells, delimiter=",", comments=None, dtype=np.float64, ndmin=1)
        except ValueError:
            return None
    # an empty cell is skipped as a blank line, a cell with a comma makes two columns
    if values.shape != (len(cells),) or not np.isfinite(values).all():
        return None
    return values


def is_number(cell):
    """True if the text cell holds a finite number (the rule numeric columns follow)."""
    return cell_problem(cell) is None

"""Axis scales (linear, log, logit, symmetric log) and where their ticks go.

A scale maps data values to a straight line (``forward``); an axis places the
forward values of its limits at its two ends.  ``ticks`` gives the labelled
positions of a range as (value, text) pairs, and the unlabelled minor ones.
"""

import math

import numpy as np

#: tick steps, times a power of ten (as matplotlib's MaxNLocator chooses them)
STEPS = (1.0, 2.0, 2.5, 5.0, 10.0)
MINUS = "\N{MINUS SIGN}"


def plain(value, decimals=None):
    """A tick label: ``decimals`` fixed, or 3 significant digits; a real minus sign."""
    text = f"{value:.{decimals}f}" if decimals is not None else f"{value:.3g}"
    if text.startswith("-"):
        text = text[1:] if float(text) == 0 else MINUS + text[1:]
    return text


class Linear:
    name = "linear"
    bound = 1e307  # forward values are kept within +-bound: a view beyond it has no finite width

    def forward(self, values):
        return np.asarray(values, dtype=np.float64)

    def inverse(self, values):
        return np.asarray(values, dtype=np.float64)

    def valid(self, values):
        return np.isfinite(values)

    def ticks(self, low, high, bins, integer=False):
        return nice_ticks(low, high, bins, integer), []


class Log:
    name = "log"
    bound = 307.0  # 1e-307 to 1e307

    def forward(self, values):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log10(np.asarray(values, dtype=np.float64))

    def inverse(self, values):
        # within the floats: a margin beside 1e-300 or 1e300 would reach 0 or inf
        return 10.0 ** np.clip(np.asarray(values, dtype=np.float64), -307.0, 307.0)

    def valid(self, values):
        return np.isfinite(values) & (values > 0)

    def ticks(self, low, high, bins, integer=False):
        first, last = math.floor(math.log10(low) + 1e-9), math.ceil(math.log10(high) - 1e-9)
        every = max(1, math.ceil((last - first + 1) / max(bins, 2)))
        majors = [10.0**k for k in range(first, last + 1) if k % every == 0 and low <= 10.0**k * (1 + 1e-9)
                  and 10.0**k <= high * (1 + 1e-9)]
        minors = []
        if every == 1 and last - first <= 8:
            minors = [m * 10.0**k for k in range(first - 1, last + 1) for m in range(2, 10)
                      if low <= m * 10.0**k <= high]
        return [(v, plain(v)) for v in majors], minors


class Logit:
    name = "logit"
    bound = 700.0

    def forward(self, values):
        values = np.asarray(values, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(values / (1.0 - values))

    def inverse(self, values):
        return 1.0 / (1.0 + np.exp(-np.asarray(values, dtype=np.float64)))

    def valid(self, values):
        return np.isfinite(values) & (values > 0) & (values < 1)

    def ticks(self, low, high, bins, integer=False):
        return [(v, f"{v:.6g}") for v in sorted(LOGIT_TICKS) if low <= v <= high], []


class SymLog:
    """Linear within ``linthresh`` of 0, logarithmic beyond (matplotlib's "symlog", base 10)."""

    name = "symlog"
    bound = 300.0

    def __init__(self, linthresh=1.0):
        self.linthresh = linthresh
        self.linear_span = 1.0 / (1.0 - 0.1)  # matplotlib's linscale 1 in base 10

    def forward(self, values):
        values = np.asarray(values, dtype=np.float64)
        size = np.abs(values) / self.linthresh
        with np.errstate(divide="ignore", invalid="ignore"):
            beyond = np.sign(values) * (self.linear_span + np.log10(np.maximum(size, 1e-300)))
        return np.where(size <= 1.0, values / self.linthresh * self.linear_span, beyond)

    def inverse(self, values):
        values = np.asarray(values, dtype=np.float64)
        inside = np.abs(values) <= self.linear_span
        beyond = np.sign(values) * self.linthresh * 10.0 ** (np.abs(values) - self.linear_span)
        return np.where(inside, values / self.linear_span * self.linthresh, beyond)

    def valid(self, values):
        return np.isfinite(values)

    def ticks(self, low, high, bins, integer=False):
        """0 and the powers of ten (times linthresh) in the range, every k-th of them when there are
        more than ``bins``; 2 and 5 times them too when fewer than four are in the range."""
        reach = max(abs(low), abs(high)) / self.linthresh
        powers = range(0, int(math.floor(math.log10(reach))) + 1) if reach >= 1 else range(0)
        candidates = [0.0] + [sign * self.linthresh * 10.0**k for k in powers for sign in (1, -1)]
        values = sorted(v for v in candidates if low <= v <= high)
        if len(values) > bins + 1:  # every k-th power, and 0 (where the linear part is) whenever in view
            values = sorted(set(values[:: math.ceil(len(values) / (bins + 1))]) | ({0.0} & set(values)))
        elif len(values) < 4:  # a short range: 2 and 5 times the powers of ten too
            values = sorted(set(values) | {sign * m * self.linthresh * 10.0**k for k in powers for m in (2, 5)
                                           for sign in (1, -1) if low <= sign * m * self.linthresh * 10.0**k <= high})
        return [(v, plain(v, 0) if 1 <= abs(v) < 1e6 else plain(v)) for v in values], []


#: 0.5, and one tick per factor of ten in the distance to 0 or to 1: 0.1, 0.9, 0.01, 0.99, ...
LOGIT_TICKS = [0.5] + [1 - 10.0**-k for k in range(1, 7)] + [10.0**-k for k in range(1, 7)]

SCALES = {"linear": Linear, "log": Log, "logit": Logit, "symlog": SymLog}


def nice_ticks(low, high, bins, integer=False):
    """At most ``bins + 1`` round values from ``low`` to ``high``, with labels of equal decimals."""
    raw = high / max(bins, 1) - low / max(bins, 1)  # (high - low) / bins, without overflowing
    if not (math.isfinite(low) and math.isfinite(high) and math.isfinite(raw)) or high <= low or raw < 1e-300:
        return [(low, plain(low))] if math.isfinite(low) else []
    power = 10.0 ** math.floor(math.log10(raw))
    steps = [s for s in STEPS if not integer or s != 2.5]
    step = next((s * power for s in steps if s * power >= raw * (1 - 1e-9)), 10 * power)
    if integer:
        step = max(1.0, round(step))
    first = math.ceil(low / step - 1e-9)
    last = math.floor(high / step + 1e-9)
    values = [k * step for k in range(first, last + 1)]
    decimals = 0 if integer else max(0, -math.floor(math.log10(step) + 1e-9))
    if not integer and round(step / power, 6) == 2.5 and step < 10:
        decimals += 1
    largest = max(abs(low), abs(high))
    if largest >= 1e6 or largest < 1e-4:  # in powers of ten, with the digits that tell the ticks apart
        digits = min(15, max(1, math.floor(math.log10(largest)) - math.floor(math.log10(step) + 1e-9) + 1))
        return [(v, _exponent(v, digits)) for v in values]
    return [(v, plain(v, decimals)) for v in values]


def _exponent(value, digits):
    text = f"{value:.{digits}g}"
    return MINUS + text[1:] if text.startswith("-") else text

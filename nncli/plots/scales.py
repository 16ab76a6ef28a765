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

    def forward(self, values):
        values = np.asarray(values, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(values / (1.0 - values))

    def inverse(self, values):
        return 1.0 / (1.0 + np.exp(-np.asarray(values, dtype=np.float64)))

    def valid(self, values):
        return np.isfinite(values) & (values > 0) & (values < 1)

    def ticks(self, low, high, bins, integer=False):
        candidates = [0.5] + [1 - 10.0**-k for k in range(1, 7)] + [10.0**-k for k in range(1, 7)]
        return [(v, f"{v:.6g}") for v in sorted(candidates) if low <= v <= high], []


class SymLog:
    """Linear within ``linthresh`` of 0, logarithmic beyond (matplotlib's "symlog", base 10)."""

    name = "symlog"

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
        values = [0.0]
        for k in range(0, 12):
            step = self.linthresh * 10.0**k
            values += [step, -step]
        values = sorted(v for v in values if low <= v <= high)
        if len(values) < 4:  # a short range: 2 and 5 times the powers of ten too
            values = sorted(set(values) | {sign * m * self.linthresh * 10.0**k for k in range(0, 12) for m in (2, 5)
                                           for sign in (1, -1) if low <= sign * m * self.linthresh * 10.0**k <= high})
        return [(v, plain(v, 0) if abs(v) >= 1 else plain(v)) for v in values], []


SCALES = {"linear": Linear, "log": Log, "logit": Logit, "symlog": SymLog}


def nice_ticks(low, high, bins, integer=False):
    """At most ``bins + 1`` round values from ``low`` to ``high``, with labels of equal decimals."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return [(low, plain(low))] if math.isfinite(low) else []
    raw = (high - low) / max(bins, 1)
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

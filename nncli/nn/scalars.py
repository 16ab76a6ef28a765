"""Numbers as NumPy operands: small arrays take them faster as 0-d arrays."""

import math

import numpy as np

_SCALARS = {}


def scalar(value, dtype):
    """``value`` as a read-only 0-d array of ``dtype``, made once per value and dtype.

    A ufunc converts a Python number operand on every call, which on a batch of a
    few hundred numbers costs as much as the arithmetic itself; a 0-d array of the
    other operand's dtype is taken as it is.  The result is the same either way:
    NumPy casts the number to that dtype.
    """
    if value == value and (value or math.copysign(1.0, value) > 0):
        key = (value, dtype)
    else:  # -0.0 equals 0.0 as a key, and NaN equals nothing: both are keyed by their text
        key = (repr(value), dtype)
    array = _SCALARS.get(key)
    if array is None:
        if len(_SCALARS) >= 1024:  # e.g. a learning rate that changes every epoch
            _SCALARS.clear()
        array = _SCALARS[key] = np.array(value, dtype=dtype)
        array.flags.writeable = False
    return array

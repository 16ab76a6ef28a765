"""How nncli treats floating-point exceptions: overflow, NaN and division by zero
are values the code checks (the NaN guard of the training loop, NaN metrics),
never warnings printed in the middle of a command's output."""

import numpy as np


def quiet_float_errors():
    """A context in which NumPy computes inf/NaN without warning (``np.errstate`` all ignored)."""
    return np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore")

"""0-d array operands (nn.scalars) give exactly what the Python numbers give."""

import numpy as np
import pytest

from nncli.nn.scalars import scalar


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("value", [0.5, 1.0, 0.9, 0.999, 1e-3, 0.0, 30, 7])
def test_a_zero_d_operand_computes_what_the_python_number_computes(dtype, value):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((33, 7)).astype(dtype) * 10
    operand = scalar(value, np.dtype(dtype))
    assert operand.shape == () and operand.dtype == dtype
    for ufunc in (np.multiply, np.add, np.divide, np.greater):
        with np.errstate(divide="ignore", invalid="ignore"):  # dividing by 0.0: inf and nan alike
            expected = ufunc(x, value)
            got = ufunc(x, operand)
        assert got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected)


def test_scalars_are_made_once_and_cannot_be_changed():
    first = scalar(0.25, np.dtype(np.float32))
    assert scalar(0.25, np.dtype(np.float32)) is first
    assert scalar(0.25, np.dtype(np.float64)) is not first
    with pytest.raises(ValueError):
        first[...] = 1.0


def test_negative_zero_and_nan_are_scalars_of_their_own():
    float32 = np.dtype(np.float32)
    assert np.signbit(scalar(-0.0, float32)) and not np.signbit(scalar(0.0, float32))
    assert scalar(float("nan"), float32) is scalar(float("nan"), float32)
    assert np.isnan(scalar(float("nan"), float32))

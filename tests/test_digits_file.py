"""The digits dataset is read from the file scikit-learn ships, without importing scikit-learn,
and gives exactly what ``sklearn.datasets.load_digits`` gives."""

import subprocess
import sys

import numpy as np
import pytest
from conftest import ROOT

from nncli.data.digits import digits, load


@pytest.mark.parametrize("n_class", range(2, 11))
def test_same_arrays_as_load_digits(n_class):
    from sklearn.datasets import load_digits

    bunch = load_digits(n_class=n_class)
    data, target = load(n_class)
    assert data.dtype == bunch.data.dtype == np.float64 and data.shape == bunch.data.shape
    assert data.tobytes() == bunch.data.tobytes()  # bit for bit
    assert data.strides == bunch.data.strides and data.flags.c_contiguous == bunch.data.flags.c_contiguous
    assert target.dtype == bunch.target.dtype and np.array_equal(target, bunch.target)
    raw = digits({"n_class": n_class}, seed=0)
    assert raw.X.tobytes() == bunch.data.tobytes() and np.array_equal(raw.y, bunch.target)
    assert raw.feature_names == list(bunch.feature_names)
    assert raw.input_shape == (1, 8, 8) and raw.task == "classification"


def test_loading_digits_does_not_import_scikit_learn():
    code = ("import sys; from nncli.data.digits import load; data, target = load(3); "
            "assert 'sklearn' not in sys.modules, 'sklearn imported'; print(data.shape, sorted(set(target.tolist())))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "(537, 64) [0, 1, 2]"

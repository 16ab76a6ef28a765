"""scikit-learn's bundled 8x8 handwritten digits (real data, no download).

The file scikit-learn ships is read directly: importing scikit-learn to call
``load_digits`` costs over a second of start-up, reading the file 20 ms.
"""

import gzip
import importlib.util
from pathlib import Path

import numpy as np

from ..errors import DataError
from .raw import RawData

#: the file inside the installed scikit-learn package
DATA_FILE = ("datasets", "data", "digits.csv.gz")
FEATURE_NAMES = [f"pixel_{row}_{col}" for row in range(8) for col in range(8)]


def data_file():
    """Path of scikit-learn's ``digits.csv.gz``, found without importing scikit-learn."""
    spec = importlib.util.find_spec("sklearn")
    for location in (spec.submodule_search_locations or []) if spec else []:
        path = Path(location).joinpath(*DATA_FILE)
        if path.is_file():
            return path
    raise DataError("dataset digits needs scikit-learn's digits.csv.gz, and scikit-learn is not installed "
                    "(pip install scikit-learn)")


def load(n_class=10):
    """``(data, target)`` as ``sklearn.datasets.load_digits(n_class=n_class)`` gives them.

    data : ndarray (N, 64) float64, pixel values 0..16; target : ndarray (N,) int, the digit.
    The same array layout too: for 10 classes ``data`` is a view of the file's rows without
    the last (target) column, for fewer classes a copy holding the rows with target < n_class.
    """
    with gzip.open(data_file(), mode="rt", encoding="utf-8") as handle:
        table = np.loadtxt(handle, delimiter=",")
    target = table[:, -1].astype(int, copy=False)
    data = table[:, :-1]
    if n_class < 10:
        keep = target < n_class
        data, target = data[keep], target[keep]
    return data, target


def digits(params, seed):
    """1797 images of 8x8 pixels with values 0..16; fed to the network as (1, 8, 8)."""
    data, target = load(params["n_class"])
    return RawData(data, target, list(FEATURE_NAMES), "classification", input_shape=(1, 8, 8))

"""What the pictures read from a run: the trained model and its data, the
per-epoch metrics, the summary, and the test predictions (computed once and
shared by the figures that need them)."""

import csv
import io
import math
import os
from functools import cached_property
from pathlib import Path

import numpy as np

from .. import runs
from ..errors import RunError
from ..float_errors import quiet_float_errors
from ..metrics import class_scores
from ..runs.load import load_run
from ..runs.reading import METRICS_LIMIT, open_regular


class RunView:
    """A run seen by the plots.

    Parameters
    ----------
    loaded : runs.load.LoadedRun
        Config, dataset (splits rebuilt from the seed) and the trained model.
    """

    def __init__(self, loaded):
        self.loaded = loaded
        self.path = Path(loaded.path)
        self.config = loaded.config
        self.dataset = loaded.dataset
        self.model = loaded.model
        self.head = loaded.head

    @classmethod
    def open(cls, run_dir):
        """Load a finished run directory (RunError when it cannot be read)."""
        return cls(load_run(run_dir))

    # ---- what kind of run -------------------------------------------------

    @property
    def classification(self):
        return self.dataset.task == "classification"

    @property
    def two_d(self):
        """Two input features: the data can be drawn in the plane."""
        return tuple(self.dataset.input_shape) == (2,)

    @property
    def image(self):
        """Image inputs ``(C, H, W)``."""
        return len(self.dataset.input_shape) == 3

    # ---- files of the run -------------------------------------------------

    @cached_property
    def rows(self):
        """``metrics.csv`` as a list of dicts of floats (NaN for empty cells); [] if missing."""
        path = self.path / runs.METRICS
        if not os.path.lexists(path):
            return []
        # a regular file within its limit only: a FIFO in its place would block for ever
        with io.TextIOWrapper(open_regular(path, METRICS_LIMIT), newline="", encoding="utf-8") as handle:
            try:
                return [{key: _number(value) for key, value in row.items()} for row in csv.DictReader(handle)]
            except (UnicodeDecodeError, csv.Error) as exc:
                raise RunError(f"{path} is not a metrics table ({exc})") from None

    def column(self, name):
        """One metric per epoch as an array, or None when the run has no such column."""
        if not self.rows or name not in self.rows[0]:
            return None
        values = np.array([row[name] for row in self.rows], dtype=np.float64)
        return None if np.all(np.isnan(values)) else values

    @cached_property
    def summary(self):
        """``summary.json`` as a dict, or {} for a run that did not finish."""
        path = self.path / runs.SUMMARY
        return runs.read_json_object(path) if os.path.lexists(path) else {}

    # ---- predictions --------------------------------------------------------

    def outputs(self, X):
        """Network outputs for raw rows ``X`` (N, F): (N, K) float64."""
        inputs = self.dataset.inputs(X, self.model.dtype)
        with quiet_float_errors():
            return np.asarray(self.model.predict(inputs), dtype=np.float64).reshape(len(X), -1)

    def scores(self, X):
        """Per-class scores (N, C), C >= 2, for raw rows ``X`` (classification)."""
        return class_scores(self.outputs(X))

    @cached_property
    def test_scores(self):
        """Per-class scores (N, C) on the test split."""
        return self.scores(self.dataset.test.X)

    @property
    def test_predicted(self):
        """Predicted class index per test sample, exactly as the test accuracy counts it."""
        return self.test_scores.argmax(axis=1)

    # ---- names --------------------------------------------------------------

    @property
    def class_labels(self):
        return [str(label) for label in self.dataset.classes]

    def feature_name(self, index):
        names = self.dataset.feature_names
        return str(names[index]) if index < len(names) else f"x{index}"


def _number(text):
    if text is None or text == "":
        return math.nan
    try:
        return float(text)
    except ValueError:
        return math.nan

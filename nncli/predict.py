"""Predictions of a trained run for each row of a CSV, streamed in chunks.

Rows are read, scaled, run through the network and written one chunk at a
time (``data.table``), so memory stays flat whatever the file's size.  The
output goes to a temporary file next to its destination and is renamed into
place at the end: after an error nothing is left at the output path.  A device
or FIFO (``-o /dev/stdout``) is written to directly (``runs.write_output``).
"""

import sys
from pathlib import Path

import numpy as np

from . import runs
from .blas_threads import threads_for_config
from .csv_text import csv_text
from .data.pipeline import scale_inputs
from .data.table import Table
from .errors import DataError, require_stdout
from .float_errors import quiet_float_errors
from .metrics import class_scores
from .runs.load import load_model


class Predictor:
    """Turns raw feature rows into prediction CSV text for one trained run.

    Parameters
    ----------
    run : runs.load.LoadedRun
        From ``load_model``: the model and its ``preprocess`` arrays.
    """

    def __init__(self, run):
        pre = run.preprocess
        self.model = run.model
        self.training = run.config.training  # its batch size sets the BLAS thread count (blas_threads)
        self.features = [str(name) for name in pre["feature_names"]]
        self.targets = [str(name) for name in pre["target_names"]]
        self.mean, self.scale = pre["mean"], pre["scale"]
        self.input_shape = tuple(int(n) for n in pre["input_shape"])
        classes = pre.get("classes")
        self.label_cells = None if classes is None else np.array([csv_line([str(c)])[:-1] for c in classes])
        # float32 needs 9 significant digits to round-trip, float64 its shortest repr
        self.number_format = "%r" if self.model.dtype == np.float64 else "%.9g"
        if classes is not None:
            self.header = ["prediction"] + [f"p_{c}" for c in classes]
        elif len(self.targets) == 1:
            self.header = ["prediction"]
        else:
            self.header = [f"prediction_{t}" for t in self.targets]

    def header_line(self):
        return csv_line(self.header)

    def outputs(self, X):
        """Raw rows (N, F) in ``self.features`` order -> network outputs (N, K)."""
        inputs = scale_inputs(X, self.mean, self.scale, self.input_shape, self.model.dtype)
        with quiet_float_errors(), threads_for_config(self.model, self.training):
            return self.model.predict(inputs)

    def lines(self, X):
        """Raw rows (N, F) -> CSV text of their predictions (N lines)."""
        outputs = self.outputs(X)
        if self.label_cells is None:
            return "".join(row + "\n" for row in self._numbers(outputs))
        scores = class_scores(outputs)
        labels = self.label_cells[scores.argmax(axis=1)]
        return "".join(f"{label},{row}\n" for label, row in zip(labels, self._numbers(scores)))

    def _numbers(self, values):
        row_format = ",".join([self.number_format] * values.shape[1])
        return [row_format % tuple(row) for row in values.tolist()]


def predict_csv(run_dir, source, output="-"):
    """Write predictions for every row of ``source`` to ``output``; return the row count.

    Parameters
    ----------
    run_dir : str or Path
    source : str or Path
        CSV with a header naming the run's features (any order; the run's target
        columns may be present and are ignored); ``"-"`` reads stdin.
    output : str or Path
        CSV to write (``"-"``: stdout).  Written atomically (a device or FIFO directly).
    """
    if str(output) == "-":
        require_stdout("the predictions")
    predictor = Predictor(load_model(run_dir))
    with Table(source) as table:
        table.match(predictor.features, optional=predictor.targets)

        def write(emit):
            rows = 0
            for chunk in table.chunks(predictor.features):
                # the header goes out with the first rows: a bad first chunk prints nothing
                emit((predictor.header_line() if rows == 0 else "") + predictor.lines(chunk.numbers))
                rows += len(chunk)
            if rows == 0:
                raise DataError(f"{table.name} has a header but no data rows")
            return rows

        if str(output) == "-":
            return write(sys.stdout.write)
        try:
            return runs.write_output(Path(output), lambda handle: write(lambda text: handle.write(text.encode())))
        except OSError as exc:
            raise DataError(f"cannot write {output}: {exc.strerror or exc}") from None


def csv_line(cells):
    """One CSV line (with its newline), quoting cells as the csv module does."""
    return csv_text(cells)

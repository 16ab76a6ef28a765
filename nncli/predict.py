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
from .data.table import Table, names
from .errors import DataError, UsageError, echo, echo_path, require_stdout
from .evaluate import warn_if_unfinished
from .float_errors import quiet_float_errors
from .metrics import class_scores
from .runs.load import load_model

#: rows the network sees at a time (``Sequential.predict``'s batch)
BATCH_ROWS = 4096


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
        self.format_number = self.number_format.__mod__
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
            return self.model.predict(inputs, batch_size=BATCH_ROWS)

    def lines(self, X, kept=None):
        """Raw rows (N, F) -> CSV text of their predictions (N lines), each after the
        row's ``kept`` cells ((N, K) str, copied as text) when given."""
        outputs = self.outputs(X)
        columns = [] if kept is None else [quoted_cells(column) for column in kept.T]
        if self.label_cells is not None:
            outputs = class_scores(outputs)
            columns.append(self.label_cells[outputs.argmax(axis=1)].tolist())
        # formatted a column at a time with C-level map and join: no Python frame per row
        columns += [list(map(self.format_number, column)) for column in outputs.T.tolist()]
        return "\n".join(map(",".join, zip(*columns))) + "\n" if len(outputs) else ""


def predict_csv(run_dir, source, output="-", keep=(), delimiter=","):
    """Write predictions for every row of ``source`` to ``output``; return the row count.

    Parameters
    ----------
    run_dir : str or Path
    source : str or Path
        CSV with a header naming the run's features (any order; the run's target
        columns may be present and are ignored); ``"-"`` reads stdin.
    output : str or Path
        CSV to write (``"-"``: stdout).  Written atomically (a device or FIFO directly).
    keep : sequence of str
        Columns of ``source`` copied as text in front of the predictions (row ids, to
        join the predictions back).
    delimiter : str
        The input's delimiter (one character); the output is comma-separated.
    """
    if str(output) == "-":
        require_stdout("the predictions")
    run = load_model(run_dir)
    warn_if_unfinished(run.path, doing="predicting with")
    predictor = Predictor(run)
    keep = list(dict.fromkeys(keep))
    clash = [column for column in keep if column in predictor.header]
    if clash:
        raise UsageError(f"--keep '{echo(clash[0])}': the output already has a column of that name")
    with Table(source, delimiter) as table:
        absent = [column for column in keep if column not in table.header]
        if absent:
            table.refuse_other_delimiter()
            raise DataError(f"{table.name}: no column {names(absent)} to keep (--keep); "
                            f"the columns are {names(table.header)}")
        table.match(predictor.features, optional=predictor.targets + [c for c in table.header if c in keep],
                    unknown_hint=lambda unknown: f"--keep {_shell_word(unknown[0])} copies a column such as an id "
                                                 "into the output")
        header = csv_line(keep + predictor.header)

        def write(emit):
            rows = 0
            for X, kept in batches(table.chunks(predictor.features, keep), BATCH_ROWS):
                # the header goes out with the first rows: a bad first chunk prints nothing
                emit((header if rows == 0 else "") + predictor.lines(X, kept))
                rows += len(X)
            if rows == 0:
                raise DataError(f"{table.name} has a header but no data rows")
            return rows

        if str(output) == "-":
            return write(sys.stdout.write)
        try:
            return runs.write_output(Path(output), lambda handle: write(lambda text: handle.write(text.encode())))
        except OSError as exc:
            raise DataError(f"cannot write {echo_path(output)}: {exc.strerror or exc}") from None


def batches(chunks, size):
    """Regroup the reader's chunks into (X, kept) of a multiple of ``size`` rows (the last
    one: what is left), so that every row meets the network in the same batch of ``size``
    rows, counted from the first row, whatever the reader's block sizes: predictions then
    equal ``model.predict`` over all rows at once, bit for bit, also in float32 (whose
    matrix products differ in the last bit with the batch a row is in)."""
    numbers, text = [], []
    for chunk in chunks:
        numbers.append(chunk.numbers)
        text.append(chunk.text)
        count = sum(len(part) for part in numbers)
        if count < size:
            continue
        X, kept = _joined(numbers, text)
        cut = count - count % size
        yield X[:cut], None if kept is None else kept[:cut]
        numbers, text = ([X[cut:]], [None if kept is None else kept[cut:]]) if cut < count else ([], [])
    if numbers:
        yield _joined(numbers, text)


def _joined(numbers, text):
    X = numbers[0] if len(numbers) == 1 else np.concatenate(numbers)
    if text[0] is None:
        return X, None
    return X, text[0] if len(text) == 1 else np.concatenate(text)


def csv_line(cells):
    """One CSV line (with its newline), quoting cells as the csv module does."""
    return csv_text(cells)


def quoted_cells(cells):
    """Text cells (N,) as CSV cells: quoted, as the csv module would, only where needed."""
    return [csv_line([cell])[:-1] if any(c in cell for c in QUOTE_TRIGGERS) else cell for cell in cells.tolist()]


#: characters that make the csv module quote a cell
QUOTE_TRIGGERS = (",", '"', "\n", "\r")


def _shell_word(column):
    """A column name as a shell word (quoted when it needs it), for a hint to copy."""
    import shlex

    return shlex.quote(echo(column))

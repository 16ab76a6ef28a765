"""``nncli data``: the raw (unscaled) rows of the split a config would use, as CSV."""

import sys
from pathlib import Path

from . import runs
from .config import load_config
from .csv_text import csv_text
from .data.pipeline import load_dataset
from .errors import DataError, UsageError, echo, echo_path, require_stdout


def write_data_split(config_path, split, output, overrides=()):
    """Write one split's raw rows as CSV to ``output`` (``"-"``: stdout): feature
    columns, then the target column(s)."""
    if split not in ("train", "val", "test"):
        raise UsageError(f"--split must be train, val or test (got '{echo(split)}')")
    if output == "-":
        require_stdout("the rows")
    config = load_config(config_path, overrides)
    dataset = load_dataset(config.data, config.seed)
    part = dataset.split(split)
    targets = dataset.labels(part.y) if dataset.classes is not None else part.y
    text = split_csv(dataset.feature_names + dataset.target_names, part.X, targets)
    if output == "-":
        sys.stdout.write(text)
    else:
        try:
            runs.write_output(Path(output), lambda handle: handle.write(text.encode("utf-8")))
        except OSError as exc:
            raise DataError(f"cannot write {echo_path(output)}: {exc.strerror}") from None


def split_csv(columns, X, targets):
    """CSV text of rows ``X`` (N, F) and ``targets`` (N,) or (N, T) under a header;
    floats written so that they read back exactly."""
    targets = targets.reshape(len(targets), -1).tolist()
    return csv_text(columns, ([repr(v) for v in features] + [_cell(v) for v in target]
                              for features, target in zip(X.tolist(), targets)))


def _cell(value):
    return repr(value) if isinstance(value, float) else value

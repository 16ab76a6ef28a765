"""`nncli predict`: predict every row of a CSV."""

from pathlib import Path
from typing import List

import typer

from ..app import app
from ..boundary import boundary


@app.command()
@boundary
def predict(
    run_dir: Path = typer.Argument(..., metavar="RUN_DIR", help="Run directory."),
    input_csv: str = typer.Argument(..., metavar="INPUT.csv",
                                    help="CSV with the run's feature columns ('-' for stdin)."),
    output: str = typer.Option("-", "--output", "-o", help="CSV file to write ('-' for stdout)."),
    keep: List[str] = typer.Option([], "--keep", metavar="COLUMN",
                                   help="Copy this input column (as text) into the output, first; repeatable."),
    delimiter: str = typer.Option(",", "--delimiter", metavar="CHAR",
                                  help="The input's delimiter: one character, or 'tab'."),
):
    """Predict every row of a CSV: a prediction column, and p_<class> columns for classification."""
    from ...data.table import delimiter_option
    from ...predict import predict_csv

    predict_csv(run_dir, input_csv, output, keep=keep, delimiter=delimiter_option(delimiter))

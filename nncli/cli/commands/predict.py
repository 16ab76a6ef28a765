"""`nncli predict`: predict every row of a CSV."""

from pathlib import Path

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
):
    """Predict every row of a CSV: a prediction column, and p_<class> columns for classification."""
    from ...predict import predict_csv

    predict_csv(run_dir, input_csv, output)

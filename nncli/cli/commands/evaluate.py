"""`nncli evaluate`: score a trained run."""

from pathlib import Path
from typing import Optional

import typer

from ..app import app
from ..boundary import boundary
from ..console import print_json, stdout_console


@app.command()
@boundary
def evaluate(
    run_dir: Path = typer.Argument(..., metavar="RUN_DIR", help="Run directory."),
    data: Optional[str] = typer.Option(None, "--data", metavar="FILE.csv",
                                       help="Score this labelled CSV ('-' for stdin) instead of the run's test split."),
    split: Optional[str] = typer.Option(None, "--split", metavar="train|val|test",
                                        help="Score this split of the run's data (default: test)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of tables."),
    delimiter: str = typer.Option(",", "--delimiter", metavar="CHAR",
                                  help="The --data file's delimiter: one character, or 'tab'."),
):
    """Score a trained run on one of its splits (rebuilt from config and seed) or a labelled CSV."""
    from ...data.table import delimiter_option
    from ...evaluate import evaluate_run, render

    report = evaluate_run(run_dir, data, split, delimiter=delimiter_option(delimiter))
    if as_json:
        print_json(report)
    else:
        render(report, stdout_console())

"""`nncli data`: write the raw split a config would use."""

from pathlib import Path
from typing import List

import typer

from ..app import app
from ..boundary import boundary
from ..completion import SPLITS, choices


@app.command()
@boundary
def data(
    config: Path = typer.Argument(..., help="YAML config file."),
    split: str = typer.Option("train", "--split", autocompletion=choices(SPLITS), help="train, val or test."),
    output: str = typer.Option("-", "--output", "-o", help="CSV file to write ('-' for stdout)."),
    set_: List[str] = typer.Option([], "--set", metavar="KEY=VALUE",
                                   help="Override a config key (dotted path; VALUE is YAML). Repeatable."),
):
    """Write the raw (unscaled) split a config would use, as CSV with a header."""
    from ...data_export import write_data_split

    write_data_split(config, split, output, set_)

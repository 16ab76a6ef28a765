"""`nncli check`: validate a config and check its gradients."""

from pathlib import Path
from typing import List

import typer

from ..app import app
from ..boundary import boundary
from ..console import print_json, stdout_console


@app.command()
@boundary
def check(
    config: Path = typer.Argument(..., metavar="CONFIG", help="YAML config file."),
    set_: List[str] = typer.Option([], "--set", metavar="KEY=VALUE",
                                   help="Override a config key (dotted path; VALUE is YAML). Repeatable."),
    max_entries: int = typer.Option(200, "--max-entries", min=1,
                                    help="Check at most this many random entries of each parameter array."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of a table."),
):
    """Validate a config and check its network's gradients against finite differences (exit 1 if off)."""
    from ...check import check_config, render
    from ...errors import CheckFailed

    report = check_config(config, set_, max_entries)
    if as_json:
        print_json(report)
    else:
        render(report, stdout_console())
    if not report["passed"]:
        raise CheckFailed(f"gradient check failed: relative error {report['max_rel_error']:.2e} in "
                          f"{report['worst']} exceeds {report['tolerance']:g}")

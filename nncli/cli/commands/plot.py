"""`nncli plot`: (re)draw a run's pictures."""

from pathlib import Path
from typing import List

import typer

from ..app import app, debugging
from ..boundary import boundary
from ..completion import choices, plot_names


@app.command()
@boundary
def plot(
    run_dir: Path = typer.Argument(..., help="A trained run directory."),
    only: List[str] = typer.Option([], "--only", metavar="NAME", autocompletion=choices(plot_names),
                                   help="Draw only this picture (loss, metrics, data, decision, network, "
                                        "weights, roc, confusion, predicted, residuals). Repeatable."),
):
    """(Re)draw a run's pictures into RUN_DIR/plots/; prints each file written."""
    from ...errors import NncliError, warn
    from ...plots import check_names, draw_all

    check_names(only)  # a misspelt name fails before the run is loaded

    def failed(name, exc):
        warn(f"could not draw {name}.png: {exc}" if isinstance(exc, NncliError)
             else f"could not draw {name}.png: {type(exc).__name__}: {exc}")

    drawing = draw_all(run_dir, only or None, on_error=None if debugging() else failed)
    for path in drawing.paths:
        print(path)
    if drawing.failed:
        message = f"{len(drawing.failed)} plot(s) failed: {', '.join(drawing.failed)}"
        # failures of one kind of nncli's (a directory named loss.png, a full disk: RunError) keep that
        # kind's exit code; anything else is an internal failure, exit 1
        kinds = {type(exc) for exc in drawing.failed.values()}
        kind = kinds.pop() if len(kinds) == 1 else NncliError
        raise (kind if issubclass(kind, NncliError) else NncliError)(message)

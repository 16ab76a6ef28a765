"""`nncli export`: write a finished run as ONNX or safetensors."""

from pathlib import Path
from typing import Optional

import typer

from ..app import app
from ..boundary import boundary
from ..completion import EXPORT_FORMATS, choices


@app.command()
@boundary
def export(
    run_dir: Path = typer.Argument(..., metavar="RUN_DIR", help="A finished run directory."),
    format_: str = typer.Option(..., "--format", metavar="onnx|safetensors", help="The file format.",
                                autocompletion=choices(EXPORT_FORMATS)),
    output: Optional[Path] = typer.Option(None, "--output", "-o",
                                          help="File to write (default: model.onnx or model.safetensors in RUN_DIR)."),
):
    """Write a finished run as ONNX (the whole pipeline) or safetensors; the last stdout line is the file."""
    from ...export import export_run

    print(export_run(run_dir, format_, output))

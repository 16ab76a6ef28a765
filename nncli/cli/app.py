"""The Typer application every command registers on, and the options before the command."""

import typer

app = typer.Typer(
    add_completion=True,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="Train small NumPy neural networks from YAML config files.",
)
_state = {"debug": False}


def debugging():
    """True when ``--debug`` was given: tracebacks instead of one-line errors."""
    return _state["debug"]


def _print_version(value: bool):
    if value:
        from .. import __version__

        print(f"nncli {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks instead of one-line errors."),
    version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                 help="Print the version and exit."),
):
    """Train small NumPy neural networks from YAML config files."""
    _state["debug"] = debug

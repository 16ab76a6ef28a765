"""The ``nncli`` console script's first act, before the command line's own imports (Typer,
rich, NumPy: some 50 ms or more): from here on SIGTERM is Ctrl-C, so a SIGTERM that comes
while nncli is still starting exits 130 with one line, as one a moment later does, not 143.
Standard library only (``nncli.signals`` imports nothing else)."""

import sys

from .signals import terminate_like_ctrl_c


def _load_cli():
    from .cli.entry import main

    return main


def main():
    terminate_like_ctrl_c()
    try:
        cli_main = _load_cli()
    except KeyboardInterrupt:
        print("nncli: interrupted", file=sys.stderr)
        raise SystemExit(130) from None
    cli_main()

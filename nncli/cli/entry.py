"""The ``nncli`` console script: command-line mistakes get the same one-line error as the rest."""

import os
import sys

import typer

from ..blas_threads import start_single_threaded
from ..matplotlib_config import ensure_writable_config_dir
from ..signals import settle, terminate_like_ctrl_c
from .app import app
from .boundary import fail


def _cap_address_space():
    """Make an allocation beyond the machine's memory a MemoryError, not a kill by the OS."""
    try:
        import resource

        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if soft == resource.RLIM_INFINITY:
            # headroom for the address space that libraries reserve without using it
            limit = total + 8 * 1024**3
            soft = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
            resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    except (ImportError, ValueError, OSError):
        pass


def _stand_in_for_closed_stdout():
    """With stdout closed (``nncli ... >&-``) Python makes ``sys.stdout`` None, and every
    print to it an AttributeError.  What a command only reports there is dropped, as
    typer.echo drops it (a training still trains); a command whose product is stdout
    (``data``, ``predict`` without ``-o``) refuses through ``errors.require_stdout``."""
    if sys.stdout is None:
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 (lives as long as the process)
        sys.stdout.nncli_closed = True


def main():
    """Entry point of the ``nncli`` console script and ``python -m nncli``.

    Command-line mistakes (an unknown option, a missing argument) get the same one
    line on stderr and exit code 2 as every other error, instead of a boxed panel.
    """
    terminate_like_ctrl_c()  # from here on SIGTERM cleans up and exits 130, as Ctrl-C does
    try:
        try:
            _main()
        except KeyboardInterrupt:  # outside a command's boundary: while starting, parsing the command line
            print("nncli: interrupted", file=sys.stderr)
            raise SystemExit(130) from None
    except SystemExit as exc:
        settle(exc.code)  # the exit code is decided: a signal during Python's own shutdown exits with it
        raise


def _main():
    _cap_address_space()
    _stand_in_for_closed_stdout()
    ensure_writable_config_dir()  # before anything imports matplotlib (plots, the OCR fonts)
    start_single_threaded()  # before NumPy loads: see nncli.blas_threads
    usage_error = typer.BadParameter.__mro__[1]  # the UsageError of the click inside Typer
    try:
        code = app(prog_name="nncli", standalone_mode=False)
    except usage_error as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # plain `nncli`: the help, as before
            exc.show()
            raise SystemExit(exc.exit_code) from None
        command = exc.ctx.command_path if exc.ctx is not None else "nncli"
        fail(f"{exc.format_message().rstrip('.')} (see '{command} --help')", 2)
    except typer.Abort:
        fail("aborted", 130)
    raise SystemExit(code if isinstance(code, int) else 0)

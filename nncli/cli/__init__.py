"""The ``nncli`` command line: thin Typer commands that each call one service.

``app`` and ``boundary`` are shared; each command is one module of ``commands/``.
Heavy libraries (numpy, scikit-learn, Pillow, matplotlib) are imported inside the
commands, so ``nncli --help`` stays fast.  Errors of the NncliError family are
turned into one line on stderr and an exit code in ``boundary``, and only there.
"""

from . import commands  # noqa: F401  (registers every command on the app)
from .app import app
from .entry import main

__all__ = ["app", "main"]

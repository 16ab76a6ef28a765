"""The one exception family of nncli (the CLI turns each kind into an exit code),
and the one way to warn about a problem that does not stop a command."""

import sys


class NncliError(Exception):
    """An error the user can act on: printed as one line, never as a traceback.

    Each kind names its exit code where it is declared: ``class X(NncliError, exit_code=2)``.
    """

    exit_code = 1

    def __init_subclass__(cls, exit_code=None, **kwargs):
        super().__init_subclass__(**kwargs)
        if exit_code is not None:
            cls.exit_code = exit_code


class UsageError(NncliError, exit_code=2):
    """Bad command-line usage (unknown option value, conflicting flags)."""


class ConfigError(NncliError, exit_code=2):
    """A config file or --set override that cannot be loaded or is invalid."""


class DataError(NncliError, exit_code=2):
    """Input data that cannot be read or does not fit the model."""


class RunError(NncliError, exit_code=2):
    """A run directory that is missing, incomplete or unreadable."""


class TrainingFailed(NncliError, exit_code=1):
    """Training started but could not finish (diverged, NaN); ``run_dir``: the run it left, if any."""

    def __init__(self, message, run_dir=None):
        super().__init__(message)
        self.run_dir = run_dir


class RunInterrupted(NncliError, exit_code=130):
    """Training was stopped by Ctrl-C or SIGTERM; the run directory (``run_dir``) is closed properly."""

    def __init__(self, message, run_dir=None):
        super().__init__(message)
        self.run_dir = run_dir


class CheckFailed(NncliError, exit_code=1):
    """``nncli check`` found gradients that disagree with finite differences."""


def warn(message):
    """Print ``nncli: warning: <message>`` on stderr: a problem that does not stop the command."""
    print(f"nncli: warning: {message}", file=sys.stderr)


def require_stdout(what):
    """Refuse (exit 2) to write ``what`` to stdout when the user closed it (``>&-``): it would
    be lost without a word.  See ``cli.entry``, which stands a null stream in for it."""
    if sys.stdout is None or getattr(sys.stdout, "nncli_closed", False):
        raise UsageError(f"stdout is closed, so {what} would be lost; name a file with -o FILE")


ECHO_LIMIT = 80
"""At most this many characters of a user's value are repeated in a message."""
#: the most characters of a path quoted in a message
PATH_LIMIT = 300


def echo_path(path):
    """A path the user named, fit to quote: control characters escaped, at most PATH_LIMIT characters
    (a path is worth more of the line than a value is), cut in the middle: its start and its
    file name stay."""
    text = echo(str(path), 4 * PATH_LIMIT)
    if len(text) <= PATH_LIMIT:
        return text
    half = PATH_LIMIT // 2
    return text[: half - 1] + "…" + text[-half:]


def echo(value, limit=ECHO_LIMIT):
    """``value`` as text fit to quote in a one-line message: control characters escaped, and
    cut to ``limit`` characters with an ellipsis, so binary garbage or a huge value never
    floods the terminal."""
    text = value if isinstance(value, str) else repr(value)
    text = text[: limit * 4]  # escaping can only lengthen: no need to look further
    text = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"

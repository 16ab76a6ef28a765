"""The one exception family of nncli (the CLI turns each kind into an exit code),
and the one way to warn about a problem that does not stop a command."""

import sys


class NncliError(Exception):
    """An error the user can act on: printed as one line, never as a traceback."""

    exit_code = 1


class UsageError(NncliError):
    """Bad command-line usage (unknown option value, conflicting flags)."""

    exit_code = 2


class ConfigError(NncliError):
    """A config file or --set override that cannot be loaded or is invalid."""

    exit_code = 2


class DataError(NncliError):
    """Input data that cannot be read or does not fit the model."""

    exit_code = 2


class RunError(NncliError):
    """A run directory that is missing, incomplete or unreadable."""

    exit_code = 2


class TrainingFailed(NncliError):
    """Training started but could not finish (diverged, NaN)."""

    exit_code = 1


class RunInterrupted(NncliError):
    """Training was stopped by Ctrl-C or SIGTERM; the run directory is closed properly."""

    exit_code = 130


class CheckFailed(NncliError):
    """``nncli check`` found gradients that disagree with finite differences."""

    exit_code = 1


def warn(message):
    """Print ``nncli: warning: <message>`` on stderr: a problem that does not stop the command."""
    print(f"nncli: warning: {message}", file=sys.stderr)

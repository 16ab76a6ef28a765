"""The one place where errors become a stderr line and an exit code."""

import errno
import functools
import sys

from ..errors import NncliError, echo
from .app import debugging

MESSAGE_LIMIT = 1000
"""The last defence against a flood: no error line is longer (values inside are cut to 80 first)."""


def fail(message, code, lines=None):
    """Print ``nncli: error: MESSAGE`` on one line of stderr (one line per entry of ``lines``,
    for an error listing several problems) and exit with ``code``."""
    for line in lines or [message]:
        line = echo(line, MESSAGE_LIMIT)  # user data can put line breaks or control characters into it
        print(f"nncli: error: {line}", file=sys.stderr)
    raise SystemExit(code)


def boundary(command):
    """Run a command, turning nncli errors into one stderr line and an exit code."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            try:
                return command(*args, **kwargs)
            finally:
                # a signal that struck inside a write's own cleanup must not leave its temporary file
                from ..runs.files import remove_own_temporaries

                remove_own_temporaries()
        except NncliError as exc:
            if debugging():
                raise
            fail(str(exc), exc.exit_code, getattr(exc, "lines", None))
        except KeyboardInterrupt:
            print("nncli: interrupted", file=sys.stderr)
            raise SystemExit(130) from None
        except MemoryError:
            fail("not enough memory for this config and data; make the data or the network smaller", 2)
        except BrokenPipeError:
            raise SystemExit(1) from None
        except OSError as exc:
            if exc.errno != errno.ENAMETOOLONG or debugging():
                fail_internal(exc)
            # a path the user gave, found too long wherever it is first touched (exists(), is_dir()...)
            fail(f"{echo(str(exc.filename))}: file name too long for the file system", 2)
        except Exception as exc:  # the last line of defence: a bug, reported in one line
            fail_internal(exc)

    return wrapper


def fail_internal(exc):
    """A bug, reported in one line (re-raised with --debug, for its traceback)."""
    if debugging():
        raise exc
    fail(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)", 1)

"""How results are printed on stdout: rich tables and one-line JSON."""

import json
import os
import sys


def stdout_console():
    """Rich console for results on stdout; when piped, wide enough never to wrap a table (or as wide
    as COLUMNS says, when set)."""
    from rich.console import Console

    columns = os.environ.get("COLUMNS", "")
    return Console(width=None if sys.stdout.isatty() else int(columns) if columns.isdigit() else 1000)


def print_json(data):
    """Print ``data`` as one line of JSON (NumPy values and non-finite floats made JSON-safe)."""
    from ..runs import json_safe

    print(json.dumps(json_safe(data)))

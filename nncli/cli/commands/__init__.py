"""One module per ``nncli`` command, imported in the order ``nncli --help`` lists them."""
# isort: skip_file

from . import train, data, plot, evaluate, predict, export, sweep, runs, check, config  # noqa: F401

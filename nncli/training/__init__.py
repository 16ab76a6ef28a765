"""Training a network: from a validated config to a closed run directory.

``run`` (train a config: the Python API), ``resume`` (continue from a
checkpoint), ``prepare`` (data and initialised network), ``loop`` (``Trainer``:
epochs, the batch step, timing, the divergence guard), ``observers`` (everything that
watches or steers the loop), ``scoring`` (metrics of a split), ``checkpoint``
(progress files), ``signals`` (Ctrl-C and SIGTERM).  Import the module you
need, e.g. ``from nncli.training.run import train``.
"""

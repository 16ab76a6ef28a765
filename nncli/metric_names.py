"""Which metrics improve upwards.  Apart from ``nncli.metrics`` (NumPy) so that
``nncli runs``, which sorts by them, starts without importing NumPy."""

#: metrics where a larger value is better (the others, losses and errors, are better smaller)
HIGHER_IS_BETTER = ("auc", "accuracy", "r2")

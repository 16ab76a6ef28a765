"""Where each parameter lives in a model's one flat array, by name.

As scikit-learn's ``_coef_indptr`` or a fused optimizer's offsets: the model keeps
all its parameters in one flat array (and their gradients in another of the same
layout), each layer's ``params[name]`` being a view of its span.  An optimizer
then updates every parameter with one array operation per step of its rule,
whatever the number of layers.
"""

import math
from typing import NamedTuple


class Span(NamedTuple):
    """One parameter's place in the flat array: ``flat[start:stop].reshape(shape)``."""

    start: int
    stop: int
    shape: tuple
    decayed: bool  # weight decay applies to it (weights, not biases)


class Layout:
    """Parameter key (as in ``weights.npz``, e.g. ``"0.weight"``) -> Span, in order.

    Parameters
    ----------
    entries : iterable of (key, shape, decayed)
        The parameters in the order they are laid out, back to back.
    """

    def __init__(self, entries):
        self.spans = {}
        start = 0
        for key, shape, decayed in entries:
            shape = tuple(shape)
            stop = start + math.prod(shape)
            self.spans[key] = Span(start, stop, shape, bool(decayed))
            start = stop
        #: total number of values
        self.size = start

    def __iter__(self):
        return iter(self.spans)

    def __len__(self):
        return len(self.spans)

    def __contains__(self, key):
        return key in self.spans

    def __getitem__(self, key):
        return self.spans[key]

    def view(self, flat, key):
        """The part of ``flat`` (an array of ``size`` values) holding ``key``, in its shape."""
        start, stop, shape, _ = self.spans[key]
        return flat[start:stop].reshape(shape)

    def views(self, flat):
        """``{key: view}`` of every parameter's part of ``flat``."""
        return {key: self.view(flat, key) for key in self.spans}

    def decayed_runs(self):
        """``[(start, stop)]`` covering the decayed parameters, neighbours merged into one run."""
        runs = []
        for start, stop, _, decayed in self.spans.values():
            if not decayed:
                continue
            if runs and runs[-1][1] == start:
                runs[-1] = (runs[-1][0], stop)
            else:
                runs.append((start, stop))
        return runs

    def __repr__(self):
        inner = ", ".join(f"{key}: {span.start}:{span.stop}" for key, span in self.spans.items())
        return f"Layout({inner})"

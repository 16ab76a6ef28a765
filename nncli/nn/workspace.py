"""Reusable per-batch arrays, by name: training allocates nothing per batch.

A layer declares each array it needs once, in ``_build``, by name and
per-sample shape; at every batch it asks for the arrays by name and row count::

    self.workspace.declare("out", (self.units,))            # in _build
    out = self.workspace.rows(len(x), "out")                 # in forward: (N, units)
    out, z = self.workspace.rows(len(x), ("out", "logits"))  # several at once

Each array is allocated for the largest batch seen and handed out as a view of
its leading rows.  The views handed out are remembered per (names, row count),
so a batch size seen before costs one dictionary lookup for all the arrays a
call asks for: on a small network, fetching arrays one by one would be a tenth
of a batch's time.  Growing an array, or declaring it anew, forgets every
remembered view, so a view of a replaced array is never handed out again.
"""

import numpy as np

#: remembered (rows, names) combinations before they are all forgotten (e.g. streamed
#: predictions of many different sizes must not make the store grow without bound)
MAX_VIEWS = 64


class Workspace:
    """The reusable arrays of one layer (or of a model).

    Parameters
    ----------
    dtype : dtype
        Of the arrays declared without one.
    """

    def __init__(self, dtype=np.float32):
        self.dtype = np.dtype(dtype)
        self._declared = {}  # name -> (per-sample shape, dtype)
        self._arrays = {}  # name -> array of the largest batch so far
        self._views = {}  # (name or tuple of names, rows) -> a view, or a tuple of views

    def reset(self, dtype):
        """Forget every declaration, array and view (the layer is being rebuilt)."""
        self.dtype = np.dtype(dtype)
        self._declared.clear()
        self._arrays.clear()
        self._views.clear()

    def declare(self, name, shape, dtype=None):
        """Make ``rows(n, name)`` an array of shape ``(n, *shape)`` (the workspace's dtype by default)."""
        self._declared[name] = (tuple(int(s) for s in shape), self.dtype if dtype is None else np.dtype(dtype))
        self._arrays.pop(name, None)
        self._views.clear()

    def rows(self, n, names):
        """Views of the first ``n`` rows of the named arrays.

        ``names`` is one name (the view is returned) or a tuple of names (a tuple of
        views).  Their contents are whatever the last user left there.
        """
        views = self._views.get((names, n))  # (a flat key, no *args: this runs several times a batch)
        if views is None:
            views = self._remember(n, names)
        return views

    def _remember(self, n, names):
        if isinstance(names, str):
            views = self._array(names, n)[:n]
        else:
            views = tuple(self._array(name, n)[:n] for name in names)
        if len(self._views) >= MAX_VIEWS:
            self._views.clear()
        self._views[(names, n)] = views
        return views

    def _array(self, name, n):
        """The array behind ``name``, (re)allocated when it has fewer than ``n`` rows."""
        try:
            shape, dtype = self._declared[name]
        except KeyError:
            raise KeyError(f"workspace array {name!r} was not declared (declare it in _build)") from None
        array = self._arrays.get(name)
        if array is None or len(array) < n:
            if array is not None:
                self._views.clear()  # views of the array it replaces must not be handed out again
            array = self._arrays[name] = np.empty((n,) + shape, dtype=dtype)
        return array

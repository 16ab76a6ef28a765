"""A small builder for ONNX graphs: nodes, constants and unique value names.

Every value is float32 (the exported graph's one float type) unless a node says
otherwise; constants keep the names of the ``weights.npz`` arrays they come from.
"""

import numpy as np
from onnx import helper, numpy_helper

from ..errors import DataError


class Graph:
    """Nodes and initializers of one ONNX graph, built in order.

    ``op`` appends a node and returns the name of its output, so that converters
    read as the computation they export: ``y = g.op("Relu", [g.op("Add", [x, b])])``.
    """

    def __init__(self):
        self.nodes = []
        self.initializers = []
        self._taken = set()

    def unique(self, hint):
        """``hint``, or ``hint_2``, ``hint_3``... if a value of that name exists."""
        name, n = hint, 1
        while name in self._taken:
            n += 1
            name = f"{hint}_{n}"
        self._taken.add(name)
        return name

    def constant(self, hint, array, dtype=np.float32, divisor=False):
        """A constant tensor (an initializer) holding ``array`` as ``dtype``; its name.
        DataError when a finite value overflows ``dtype`` (or, for a ``divisor``, becomes 0)."""
        name = self.unique(hint)
        with np.errstate(over="ignore", invalid="ignore"):
            cast = np.ascontiguousarray(array, dtype=dtype)
        if np.issubdtype(dtype, np.floating) and not np.isfinite(cast).all() and np.isfinite(array).all():
            # a float64 weight (or a preprocess mean or scale) beyond float32's range would become inf
            raise DataError(f"{hint} holds values beyond the {np.dtype(dtype).name} range of the ONNX graph "
                            f"(largest {np.abs(np.asarray(array)).max():.3g}); the model cannot be exported as it is")
        if divisor and not cast.all():
            raise DataError(f"{hint} holds values too small for the {np.dtype(dtype).name} ONNX graph to divide by "
                            f"(smallest {np.abs(np.asarray(array)).min():.3g}); the model cannot be exported as it is")
        self.initializers.append(numpy_helper.from_array(cast, name))
        return name

    def ints(self, hint, values):
        """An int64 constant (a Reshape target: 0 copies the input's batch dimension; Squeeze axes)."""
        return self.constant(hint, np.asarray(values, dtype=np.int64), dtype=np.int64)

    def op(self, op_type, inputs, hint=None, outputs=1, output=None, **attributes):
        """Append a node; return its output name (a list of names when ``outputs`` > 1).

        ``output`` names the (single) output exactly, e.g. a graph output; an empty
        string in ``inputs`` marks an optional input left out.
        """
        if output is not None:
            self._taken.add(output)
            names = [output]
        else:
            names = [self.unique(f"{hint or op_type.lower()}") for _ in range(outputs)]
        node_name = self.unique(f"{hint or op_type}:{op_type}")
        self.nodes.append(helper.make_node(op_type, list(inputs), names, name=node_name, **attributes))
        return names[0] if outputs == 1 else names

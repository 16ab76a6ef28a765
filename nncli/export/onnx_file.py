"""A run as one ONNX model: raw feature rows in, class probabilities and class (or values) out.

The graph is float32 whatever the run's dtype (a float64 run's parameters are
rounded to float32): its input is ``features`` ``(N, n_features)`` in the order of
the ``feature_names`` metadata; it applies ``(x - mean) / scale``, the reshape to
the run's input shape, every layer and the output activation.  Outputs, for
classification: ``probabilities`` ``(N, K)`` (two classes: ``1 - p, p``, as
``nncli predict`` writes them) and ``class_index`` ``(N,)`` int64 (index into the
``classes`` metadata; the first on a tie); for regression: ``predictions``
``(N, n_targets)``.
"""

import numpy as np
import onnx
from onnx import TensorProto, helper

from .. import __version__
from .graph import Graph
from .metadata import run_metadata
from .onnx_layers import convert

# Opset 17 and IR version 8: read by onnxruntime 1.13 and later and by most other runtimes.
OPSET = 17
IR_VERSION = 8
INPUT = "features"


def to_bytes(run):
    """The serialized model, checked by ``onnx.checker`` (with shape inference)."""
    model = build_model(run)
    onnx.checker.check_model(model, full_check=True)
    return model.SerializeToString()


def build_model(run):
    """The ``onnx.ModelProto`` of a loaded run (``load_model``)."""
    pre, net = run.preprocess, run.model
    g = Graph()
    g.unique(INPUT)
    x = _preprocess(g, pre)
    key = 0  # as in weights.npz: counts the layers with parameters
    for layer in net.layers:
        x = convert(g, layer, x, str(key))
        key += bool(layer.params)
    outputs = _outputs(g, x, pre, net.layers[-1])
    inputs = [helper.make_tensor_value_info(INPUT, TensorProto.FLOAT, ["N", len(pre["feature_names"])])]
    graph = helper.make_graph(g.nodes, "nncli", inputs, outputs, initializer=g.initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="nncli",
                              producer_version=__version__, doc_string=__doc__.split("\n\n")[1])
    model.ir_version = IR_VERSION
    helper.set_model_props(model, run_metadata(run))
    return model


def _preprocess(g, pre):
    """(N, F) raw rows -> (N, *input_shape) scaled as in training."""
    x = INPUT
    if np.any(pre["mean"]) or np.any(pre["scale"] != 1):
        x = g.op("Sub", [x, g.constant("mean", pre["mean"])], "centred")
        x = g.op("Div", [x, g.constant("scale", pre["scale"], divisor=True)], "scaled")
    shape = tuple(int(n) for n in pre["input_shape"])
    if len(shape) > 1:
        x = g.op("Reshape", [x, g.ints("input_shape", (0,) + shape)], "inputs")
    return x


def _outputs(g, y, pre, output_layer):
    """Name the network's output ``y`` (N, units); return the graph's output descriptions."""
    units = output_layer.units
    if pre.get("classes") is None:
        g.op("Identity", [y], output="predictions")
        return [helper.make_tensor_value_info("predictions", TensorProto.FLOAT, ["N", units])]
    if units == 1:  # one sigmoid unit gives P(class 1); P(class 0) is its complement
        rest = g.op("Sub", [g.constant("one", [1.0]), y], "complement")
        g.op("Concat", [rest, y], output="probabilities", axis=1)
        units = 2
    else:
        g.op("Identity", [y], output="probabilities")
    g.op("ArgMax", ["probabilities"], output="class_index", axis=1, keepdims=0)
    return [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", units]),
            helper.make_tensor_value_info("class_index", TensorProto.INT64, ["N"])]

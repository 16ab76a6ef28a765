"""What an exported file says about its run, as strings: both formats carry it."""

import json

from .. import __version__


def run_metadata(run):
    """``{name: str}`` describing a loaded run (``load_model``) to a user of the exported file.

    Lists are JSON: ``feature_names`` (the input columns, in order), ``mean`` and
    ``scale`` (the network sees ``(x - mean) / scale``, then ``input_shape``),
    ``target_names`` and, for classification, ``classes`` (labels as trained).
    """
    pre, model = run.preprocess, run.model
    classes = pre.get("classes")
    metadata = {
        "producer": "nncli",
        "nncli_version": __version__,
        "task": "regression" if classes is None else "classification",
        "feature_names": json.dumps([str(name) for name in pre["feature_names"]]),
        "target_names": json.dumps([str(name) for name in pre["target_names"]]),
        "mean": json.dumps(pre["mean"].astype(float).tolist()),
        "scale": json.dumps(pre["scale"].astype(float).tolist()),
        "input_shape": json.dumps([int(n) for n in pre["input_shape"]]),
        "output_activation": model.layers[-1].activation.name,
        "dtype": model.dtype.name,
        "model": repr(model),
    }
    if classes is not None:
        metadata["classes"] = json.dumps(classes.tolist())
    return metadata

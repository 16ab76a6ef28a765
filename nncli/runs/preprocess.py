"""Reading a run's ``preprocess.npz`` (what turns raw rows into the network's inputs)
and refusing values that would make its predictions wrong instead of failing.

What is checked, each with a one-line RunError naming the file and member:

* every member's header before its data (:mod:`nncli.runs.npz`): names as text,
  ``mean`` and ``scale`` as real numbers, ``input_shape`` as integers, one dimension each;
* ``feature_names``, ``mean`` and ``scale`` have one entry per input feature, and
  ``input_shape`` multiplies out to that count (at most ``FEATURE_LIMIT``); the names are distinct;
* ``mean`` is finite and ``scale`` finite and positive (a zero scale divides by zero);
* ``classes`` (classification) are at least two and distinct; ``target_names``
  (regression) are at least one.
"""

import math

from ..errors import RunError
from .npz import FLOATS, INTEGERS, TEXT, Member, read_npz

#: what ``preprocess.npz`` must hold to rebuild the network's input side
PREPROCESS_KEYS = ("feature_names", "mean", "scale", "input_shape", "target_names")
#: input features a run may have (a 1024 x 1024 image); bounds the network built from the file
FEATURE_LIMIT = 1 << 20

MEMBERS = {
    "feature_names": Member(TEXT, ndim=1),
    "mean": Member(FLOATS, ndim=1),
    "scale": Member(FLOATS, ndim=1),
    "input_shape": Member(INTEGERS, ndim=1, limit=8 * 8),
    "target_names": Member(TEXT, ndim=1),
    "classes": Member(INTEGERS + FLOATS + TEXT + "b", ndim=1),
}


def read_preprocess(path):
    """The checked arrays of a ``preprocess.npz``: ``{name: ndarray}`` with ``feature_names`` (F,),
    ``mean`` and ``scale`` (F,) float, ``input_shape`` (D,) int, ``target_names`` (T,), and
    ``classes`` (K,) for classification.  RunError naming the file and member otherwise."""
    import numpy as np

    arrays = read_npz(path, MEMBERS)
    missing = [key for key in PREPROCESS_KEYS if key not in arrays]
    if missing:
        raise RunError(f"{path} lacks {', '.join(missing)}")
    n_features = len(arrays["feature_names"])
    shape = [int(n) for n in arrays["input_shape"]]
    if not shape or min(shape) < 1 or math.prod(shape) != n_features:
        raise RunError(f"{path}: member input_shape {tuple(shape)} does not fit its {n_features} feature_names")
    if n_features > FEATURE_LIMIT:
        raise RunError(f"{path}: {n_features} input features, over the limit of {FEATURE_LIMIT}")
    if len(np.unique(arrays["feature_names"])) != n_features:
        raise RunError(f"{path}: member feature_names repeats a name (predict finds each feature by its name)")
    for key in ("mean", "scale"):
        if len(arrays[key]) != n_features:
            raise RunError(f"{path}: member {key} has {len(arrays[key])} values, one per feature ({n_features}) "
                           "is needed")
    if not np.isfinite(arrays["mean"]).all():
        raise RunError(f"{path}: member mean holds NaN or infinite values")
    if not (np.isfinite(arrays["scale"]).all() and (arrays["scale"] > 0).all()):
        raise RunError(f"{path}: member scale must be finite and above 0 (a feature is divided by it)")
    classes = arrays.get("classes")
    if classes is not None and (len(classes) < 2 or len(np.unique(classes)) != len(classes)):
        raise RunError(f"{path}: member classes must hold at least two distinct classes")
    if classes is None and len(arrays["target_names"]) < 1:
        raise RunError(f"{path}: member target_names is empty (a regression run has at least one target)")
    return arrays

"""Reading a finished run back from its directory: its config and trained model
(``load_model``, what predict needs), and its data splits too (``load_run``, what
evaluate and the plots need)."""

import os

from ..config import load_config
from ..data.csv import fingerprint
from ..data.pipeline import load_dataset, streams
from ..errors import DataError, RunError
from ..nn.build import build_model
from .directory import check_run_dir
from .files import CONFIG, META, PREPROCESS, WEIGHTS
from .npz import FLOATS, Member, read_npz
from .preprocess import read_preprocess
from .reading import read_json_object, read_yaml


class LoadedRun:
    """A run in memory: its directory, config, dataset (None when not loaded),
    trained model and output head, and its ``preprocess.npz`` arrays."""

    def __init__(self, path, config, dataset, model, head, preprocess):
        self.path = path
        self.config = config
        self.dataset = dataset
        self.model = model
        self.head = head
        self.preprocess = preprocess


def load_run(run_dir):
    """Rebuild a run's data splits (from its config and seed) and its trained model.

    Raises RunError when the directory or one of its files is missing or unreadable.
    """
    run = load_model(run_dir)
    meta = _meta(run.path)
    if meta.get("data") == "in memory":
        raise RunError(f"{run.path} was trained on arrays in memory, which its config cannot rebuild; "
                       "score it on a labelled CSV with nncli evaluate --data")
    _check_data_file(run, meta)
    run.dataset = load_dataset(run.config.data, run.config.seed)
    return run


def _meta(path):
    """The run's meta.json as a mapping ({} when it has none); RunError when it cannot be read."""
    if not os.path.lexists(path / META):
        return {}
    return read_json_object(path / META)


def _check_data_file(run, meta):
    """Refuse to rebuild the splits of a CSV run whose file changed since training:
    they would not be the rows the run was trained and tested on."""
    if run.config.data.path is None:
        return
    recorded = meta.get("data_sha256")
    if isinstance(recorded, str) and recorded and fingerprint(run.config.data.path) not in (None, recorded):
        raise DataError(f"{run.config.data.path} changed since the run was trained, so its splits cannot be "
                        "rebuilt; score the new file with --data instead")


def load_model(run_dir):
    """A run's config and trained model, built from ``preprocess.npz`` without
    reading or generating its data (``dataset`` is None): what ``predict`` needs.

    Raises RunError when the directory or one of its files is missing, unreadable
    or not what the run needs (see :mod:`nncli.runs.preprocess`, :func:`read_weights`).
    """
    path = check_run_dir(run_dir)
    config = load_run_config(path)
    preprocess = read_preprocess(path / PREPROCESS)
    classes = preprocess.get("classes")
    task = "regression" if classes is None else "classification"
    n_classes = 0 if classes is None else len(classes)
    n_targets = len(preprocess["target_names"]) if classes is None else 0
    model, head = build_model(config, tuple(int(n) for n in preprocess["input_shape"]), task, n_classes,
                              n_targets, streams(config.seed)["init"])
    try:
        model.load_state_dict(read_weights(path / WEIGHTS, model))
    except ValueError as exc:
        raise RunError(f"{path / WEIGHTS}: {exc}") from None
    return LoadedRun(path, config, None, model, head, preprocess)


def load_run_config(path):
    """The config of the run directory ``path``: its config.yaml, read first as
    :mod:`nncli.runs.reading` reads any run file (a regular file, bounded in size and
    nesting, plain values), then validated by the config package."""
    read_yaml(path / CONFIG)
    try:
        return load_config(path / CONFIG, run_file=True)
    except RecursionError:
        raise RunError(f"{path / CONFIG} is nested too deeply to be a config") from None


def parameter_members(model, prefix=""):
    """``{prefix + key: Member}`` for every parameter of ``model``: real floats of its exact shape."""
    return {f"{prefix}{key}": Member(FLOATS, layer.params[name].shape, limit=None)
            for key, layer, name in model.parameters()}


def read_weights(path, model):
    """A ``weights.npz`` for ``model``: ``{key: ndarray}``, each member's header checked
    against the parameter's shape before its data is read (no other member, no
    complex, integer, text or object arrays), and every value finite."""
    import numpy as np

    arrays = read_npz(path, parameter_members(model), others=None)
    for key, value in arrays.items():
        if not np.isfinite(value).all():
            raise RunError(f"{path}: member {key} holds NaN or infinite values")
    return arrays

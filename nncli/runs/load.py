"""Reading a finished run back from its directory: its config and trained model
(``load_model``, what predict needs), and its data splits too (``load_run``, what
evaluate and the plots need)."""

from pathlib import Path

from ..config import load_config
from ..data.csv import fingerprint
from ..data.pipeline import load_dataset, streams
from ..errors import DataError, RunError
from ..nn.build import build_model
from .files import CONFIG, META, PREPROCESS, WEIGHTS, read_json, read_npz

#: what ``preprocess.npz`` must hold to rebuild the network's input side
PREPROCESS_KEYS = ("feature_names", "mean", "scale", "input_shape", "target_names")


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
    meta = read_json(run.path / META) if (run.path / META).exists() else {}
    if meta.get("data") == "in memory":
        raise RunError(f"{run.path} was trained on arrays in memory, which its config cannot rebuild; "
                       "score it on a labelled CSV with nncli evaluate --data")
    _check_data_file(run)
    run.dataset = load_dataset(run.config.data, run.config.seed)
    return run


def _check_data_file(run):
    """Refuse to rebuild the splits of a CSV run whose file changed since training:
    they would not be the rows the run was trained and tested on."""
    if run.config.data.path is None:
        return
    try:
        recorded = read_json(run.path / META).get("data_sha256")
    except RunError:
        return
    if recorded and fingerprint(run.config.data.path) not in (None, recorded):
        raise DataError(f"{run.config.data.path} changed since the run was trained, so its splits cannot be "
                        "rebuilt; score the new file with --data instead")


def load_model(run_dir):
    """A run's config and trained model, built from ``preprocess.npz`` without
    reading or generating its data (``dataset`` is None): what ``predict`` needs.

    Raises RunError when the directory or one of its files is missing or unreadable.
    """
    path = Path(run_dir)
    if not path.is_dir():
        raise RunError(f"run directory not found: {path}")
    config = load_config(path / CONFIG, run_file=True)
    preprocess = read_npz(path / PREPROCESS)
    missing = [key for key in PREPROCESS_KEYS if key not in preprocess]
    if missing:
        raise RunError(f"{path / PREPROCESS} lacks {', '.join(missing)}")
    classes = preprocess.get("classes")
    task = "regression" if classes is None else "classification"
    n_classes = 0 if classes is None else len(classes)
    n_targets = len(preprocess["target_names"]) if classes is None else 0
    model, head = build_model(config, tuple(int(n) for n in preprocess["input_shape"]), task, n_classes,
                              n_targets, streams(config.seed)["init"])
    try:
        model.load_state_dict(read_npz(path / WEIGHTS))
    except ValueError as exc:
        raise RunError(f"{path / WEIGHTS}: {exc}") from None
    return LoadedRun(path, config, None, model, head, preprocess)

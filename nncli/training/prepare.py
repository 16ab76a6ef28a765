"""Everything a training needs before its first batch: the config's data (or a
dataset given in memory), its initialised network, and the arrays that let a
later command scale new rows the same way (``preprocess.npz``)."""

from pathlib import Path

import numpy as np

from .. import runs
from ..data.pipeline import load_dataset, streams
from ..data.registry import DATASETS
from ..errors import ConfigError, DataError, RunError, echo
from ..limits import check_memory
from ..nn.build import build_model


def prepare(config, dataset=None):
    """Load a config's data (unless ``dataset`` is given) and build its (initialised)
    network: (dataset, model, head)."""
    if dataset is None:
        params = DATASETS[config.data.dataset].params.model_validate(config.data.params)
        check_memory(config, params)
        dataset = load_dataset(config.data, config.seed)
    n_targets = 0 if dataset.n_classes else len(dataset.target_names)
    model, head = build_model(config, dataset.input_shape, dataset.task, dataset.n_classes,
                              n_targets, streams(config.seed)["init"])
    _check_task_options(config, dataset)
    return dataset, model, head


def _check_task_options(config, dataset):
    training, task = config.training, dataset.task
    class_weights(training.class_weight, dataset)
    metrics = ("loss", "auc", "accuracy") if task == "classification" else ("loss", "mse", "r2")
    if training.target_auc is not None and task != "classification":
        raise ConfigError("training.target_auc needs a classification dataset")
    stopping = training.early_stopping
    if stopping is not None and stopping.monitor.split("_", 1)[1] not in metrics:
        allowed = ", ".join(f"{split}_{m}" for split in ("val", "train") for m in metrics)
        raise ConfigError(f"training.early_stopping.monitor {stopping.monitor} does not apply to "
                          f"{task}; use one of {allowed}")


def warm_start(model, run_dir):
    """Start ``model`` from the trained weights of another run (``model.init_from``).

    Every parameter array of ``run_dir/weights.npz`` must match this network's, key
    by key and shape by shape; the optimizer starts afresh.  Returns the absolute
    path of the run whose weights were taken.
    """
    path = Path(run_dir)
    where = f"model.init_from {echo(str(path))}"
    if not path.is_dir():
        raise RunError(f"{where}: run directory not found (a relative path is taken from the working directory)")
    if not (path / runs.WEIGHTS).is_file():
        raise RunError(f"{where}: no {runs.WEIGHTS} there (a run writes it when its training ends)")
    source = runs.read_npz(path / runs.WEIGHTS)
    needed = {key: (layer, layer.params[name]) for key, layer, name in model.parameters()}
    for key, (layer, param) in needed.items():
        kind = type(layer).__name__ + (", the output layer" if layer is model.output_layer else "")
        which = f"layer {key.split('.')[0]} ({kind})"
        if key not in source:
            raise ConfigError(f"{where}: its weights have no {key}, which {which} of this network needs "
                              f"with shape {param.shape} (they have {', '.join(sorted(source)) or 'none'})")
        value = source[key]
        if value.dtype.kind != "f":
            raise RunError(f"{where}: {key} in its weights is not a float array (dtype {value.dtype})")
        if value.shape != param.shape:
            raise ConfigError(f"{where}: {key} has shape {value.shape} there, but {which} of this network "
                              f"needs {param.shape}")
    extra = sorted(set(source) - set(needed))
    if extra:
        raise ConfigError(f"{where}: its weights have {', '.join(extra)}, which this network has no layer for")
    model.load_state_dict(source)
    return str(path.resolve())


def class_weights(setting, dataset):
    """The weight of each class (K,) float64 that ``training.class_weight`` gives, or None.

    ``balanced`` is scikit-learn's ``n_samples / (n_classes * bincount(y))`` over the
    training split; a mapping ``{label: weight}`` names labels as they appear in the
    data (``1`` and ``"1"`` both name the label 1), and a label it does not name
    weighs 1.  ConfigError for a regression dataset or a label the data does not have.
    """
    if setting is None:
        return None
    if dataset.task != "classification":
        raise ConfigError("training.class_weight applies only to classification (this dataset is regression)")
    labels = dataset.classes.tolist()
    if setting == "balanced":
        counts = np.bincount(dataset.train.y, minlength=len(labels))
        if not counts.all():
            raise DataError(f"training.class_weight balanced: class {echo(str(labels[counts.argmin()]))} "
                            "has no rows in the training split")
        return len(dataset.train.y) / (len(labels) * counts)
    weights = np.ones(len(labels))
    named = set()
    for label, weight in setting.items():
        matches = [k for k, known in enumerate(labels) if known == label or str(known) == str(label)]
        if not matches:
            known = ", ".join(str(name) for name in labels)
            raise ConfigError(f"training.class_weight names class {echo(str(label))}, which the data does not "
                              f"have (its classes: {echo(known)})")
        if matches[0] in named:
            raise ConfigError(f"training.class_weight names class {echo(str(label))} twice")
        named.add(matches[0])
        weights[matches[0]] = weight
    return weights


def preprocess_arrays(dataset):
    """What ``preprocess.npz`` holds: feature names, scaler, classes or target names."""
    arrays = {
        "feature_names": np.array(dataset.feature_names, dtype=str),
        "mean": dataset.mean,
        "scale": dataset.scale,
        "input_shape": np.array(dataset.input_shape, dtype=np.int64),
        "target_names": np.array(dataset.target_names, dtype=str),
    }
    if dataset.classes is not None:
        classes = dataset.classes
        arrays["classes"] = classes.astype(str) if classes.dtype == object else classes
    return arrays

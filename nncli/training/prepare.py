"""Everything a training needs before its first batch: the config's data (or a
dataset given in memory), its initialised network, and the arrays that let a
later command scale new rows the same way (``preprocess.npz``)."""

import numpy as np

from ..data.pipeline import load_dataset, streams
from ..data.registry import DATASETS
from ..errors import ConfigError
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
    _check_task_options(config, dataset.task)
    return dataset, model, head


def _check_task_options(config, task):
    training = config.training
    metrics = ("loss", "auc", "accuracy") if task == "classification" else ("loss", "mse", "r2")
    if training.target_auc is not None and task != "classification":
        raise ConfigError("training.target_auc needs a classification dataset")
    stopping = training.early_stopping
    if stopping is not None and stopping.monitor.split("_", 1)[1] not in metrics:
        allowed = ", ".join(f"{split}_{m}" for split in ("val", "train") for m in metrics)
        raise ConfigError(f"training.early_stopping.monitor {stopping.monitor} does not apply to "
                          f"{task}; use one of {allowed}")


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

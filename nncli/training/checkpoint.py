"""A training's progress in its run directory: ``checkpoint.npz`` (the trainer's
state and the config text the run started with) and ``metrics.csv`` so far."""

import numpy as np

from .. import runs


def checkpoint_arrays(trainer, config_text):
    """The trainer's state and the text of the config.yaml the run started with."""
    return {**trainer.state(), "config_yaml": np.array(config_text)}


def write_progress(path, trainer, config_text):
    """The checkpoint and the metrics so far, each replaced atomically."""
    runs.write_npz(path / runs.CHECKPOINT, checkpoint_arrays(trainer, config_text))
    rows = trainer.rows
    columns = ["epoch", "seconds", "lr"] + [key for key in (rows[0] if rows else {}) if "_" in key]
    runs.write_csv(path / runs.METRICS, rows, columns)


def started_config_text(checkpoint):
    """The config text a checkpoint's run started with, or None for a checkpoint
    written before nncli kept it."""
    return str(checkpoint["config_yaml"]) if "config_yaml" in checkpoint else None

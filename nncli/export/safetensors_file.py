"""A run's parameters as a safetensors file, with its preprocessing in the metadata."""

import numpy as np
from safetensors.numpy import save

from .metadata import run_metadata


def to_bytes(run):
    """The file's bytes: every ``weights.npz`` array under its name, in the run's dtype,
    and ``run_metadata`` as the header's string metadata."""
    tensors = {key: np.ascontiguousarray(value) for key, value in run.model.state_dict().items()}
    return save(tensors, metadata=run_metadata(run))

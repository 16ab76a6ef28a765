"""Refuse, before any work, a config that needs more memory than this machine has.

The estimate is deliberately rough (a few copies of the data table in float64,
and parameters with their gradients and optimizer state); its job is to turn
an out-of-memory crash minutes later into one clear message now.
"""

import math
import os

from .errors import ConfigError

DATA_COPIES = 4  # raw table, split copies, scaled network inputs, evaluation outputs
PARAM_COPIES = 7  # parameters, gradients, two optimizer moments, scratch, last good, best
BACKWARD_COPIES = 2  # long form: a training batch holds its forward values and their gradients
EVALUATION_ROWS = 4096  # rows a forward pass takes at once when evaluating (Sequential.predict)


def available_memory():
    """Bytes of memory available to a new allocation (MemAvailable), or None if unknown."""
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def estimate_bytes(config, params_model):
    """Rough peak memory of training ``config``: (total, data part, parameter part)."""
    rows, width = params_model.table_shape()
    data = rows * width * 8 * DATA_COPIES
    outputs = max(getattr(params_model, "centers", 10), 10)
    parameters = held = 0
    if config.model.layers is None:
        sizes = [width] + list(config.model.hidden) + [outputs]
        parameters = sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))
    elif params_model.sample_shape() is not None:
        from .config.network_size import network_size

        size = network_size(config.model.layers, params_model.sample_shape(), outputs)
        if size is not None:
            parameters, per_sample = size
            batch = rows if config.training.batch_size == "full" else config.training.batch_size
            held = per_sample * max(BACKWARD_COPIES * min(batch, rows), min(EVALUATION_ROWS, rows))
    itemsize = 4 if config.training.dtype == "float32" else 8
    weights = (parameters * PARAM_COPIES + held) * itemsize
    return data + weights, data, weights


def check_memory(config, params_model):
    """ConfigError if the estimate exceeds the memory available now."""
    available = available_memory()
    if available is None:
        return
    total, data, weights = estimate_bytes(config, params_model)
    if total > available:
        raise ConfigError(
            f"this config needs about {_size(total)} of memory (data {_size(data)}, network {_size(weights)}) "
            f"but only {_size(available)} is available; make data.params or the network smaller"
        )


def _size(n):
    units = ["B", "KB", "MB", "GB", "TB", "PB"]
    power = min(int(math.log(max(n, 1), 1024)), len(units) - 1)
    return f"{n / 1024 ** power:.1f} {units[power]}"

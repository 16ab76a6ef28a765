"""A training's progress in its run directory: ``checkpoint.npz`` (the trainer's
state and the config text the run started with) and ``metrics.csv`` so far."""

import json
import math

import numpy as np

from .. import runs
from ..errors import RunError, echo


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



# -- reading a checkpoint back, refusing one that was tampered with -------------------

#: declared bytes of the progress text per configured epoch (a metrics row is a few hundred characters,
#: four bytes each in a .npy text)
PROGRESS_BYTES_PER_EPOCH = 4096
#: characters of a stop reason ("epochs", "early_stopping", ...)
REASON_LIMIT = 64


def read_checkpoint(path, model, config, n_train):
    """A run's ``checkpoint.npz``, checked before the trainer takes it: ``{name: ndarray}``.

    Every member's header is checked against ``checkpoint_members`` before its data is
    read; the shuffle ``order`` must be a permutation of the ``n_train`` training rows;
    the ``progress`` text must be JSON of the fields and types ``Trainer.state()`` writes
    (see ``check_progress``).  RunError naming the file and the member or field otherwise.
    """
    import numpy as np

    arrays = runs.read_npz(path, checkpoint_members(model, config, n_train))
    for name in ("progress", "weights/"):
        if not any(key == name or key.startswith(name) for key in arrays):
            raise RunError(f"{path} lacks {name.rstrip('/')}")
    order = arrays.get("order")
    if order is not None and not np.array_equal(np.sort(order), np.arange(n_train)):
        raise RunError(f"{path}: member order is not a shuffle of the {n_train} training rows "
                       "(a row is missing, repeated or out of range)")
    progress = check_progress(str(arrays["progress"]), path, n_train)
    _check_state_arrays(arrays, checkpoint_members(model, config, n_train), progress, path)
    return arrays


#: optimizer slots that hold squares (a running mean of squared gradients): never negative
SQUARE_SLOTS = ("square", "v_scaled")


def _check_state_arrays(arrays, members, progress, path):
    """Every parameter in ``weights/``, every optimizer slot once the optimizer has stepped,
    and all of them finite (a square slot also >= 0): a NaN there would be reported as the
    run diverging, a missing slot silently restarted from zeros."""
    import numpy as np

    needed = [key for key in members if key.startswith("weights/")]
    if progress["optimizer_steps"] > 0:
        needed += [key for key in members if key.startswith("optimizer/")]
    missing = [key for key in needed if key not in arrays]
    if missing:
        more = f" and {len(missing) - 1} more" if missing[1:] else ""
        raise RunError(f"{path} lacks member {echo(missing[0])}{more}")
    for key, value in arrays.items():
        if not key.startswith(("weights/", "best/", "optimizer/")):
            continue
        if not np.isfinite(value).all():
            raise RunError(f"{path}: member {echo(key)} holds NaN or infinite values")
        if key.rpartition(".")[2] in SQUARE_SLOTS and (value < 0).any():
            raise RunError(f"{path}: member {echo(key)} holds negative values (a mean of squares)")


def checkpoint_members(model, config, n_train):
    """What each member of a run's checkpoint.npz may be (see ``runs.npz.Member``):
    the model's parameters as ``weights/`` and ``best/`` (early stopping), the
    optimizer's slots as ``optimizer/``, the shuffle ``order`` (n_train,) integers,
    and the texts ``progress`` and ``config_yaml``; an observer's own arrays are
    any other plain array within the npz module's MEMBER_LIMIT."""
    from ..nn.optimizers import OPTIMIZERS
    from ..runs.load import parameter_members
    from ..runs.npz import INTEGERS, MEMBER_LIMIT, TEXT, Member
    from ..runs.reading import YAML_LIMIT

    members = {**parameter_members(model, "weights/"), **parameter_members(model, "best/")}
    for slot in OPTIMIZERS[config.training.optimizer].slots:
        members.update({f"optimizer/{key}.{slot}": member for key, member in parameter_members(model).items()})
    members["order"] = Member(INTEGERS, (n_train,), limit=None)
    members["progress"] = Member(TEXT, (), limit=MEMBER_LIMIT + PROGRESS_BYTES_PER_EPOCH * config.training.epochs)
    members["config_yaml"] = Member(TEXT, (), limit=4 * YAML_LIMIT)  # four bytes per character in a .npy text
    return members


def check_progress(text, path, n_train):
    """RunError naming the field unless ``text`` is the progress JSON ``Trainer.state()`` writes.

    Fields: ``epoch`` (completed epochs, a whole number >= 0, as many as ``rows``),
    ``position`` (rows of the current epoch done, 0..n_train), ``optimizer_steps`` (>= 0),
    ``stop_reason`` (a short text), ``generators`` (a list of generator states),
    ``rows`` (one mapping of metric names to numbers per epoch), the early-stopping
    rule's ``best_epoch`` and ``waited`` (>= 0) and ``best_value`` (a number or null),
    ``initial_loss`` (a finite number >= 0, or null) and the learning-rate ``schedule``'s state
    (plateau: a finite positive ``current`` rate, a ``best`` number, ``waited`` >= 0).
    """
    from ..runs.reading import parse_json

    where = f"{path} progress"
    progress = parse_json(text, where)
    if not isinstance(progress, dict):
        raise RunError(f"{where} is not a JSON object")

    def field(name, test, wanted, required=True):
        if name not in progress:
            if required:
                raise RunError(f"{where} lacks {name}")
            return
        value = progress[name]
        if not test(value):
            raise RunError(f"{where}: {name} must be {wanted} (got {echo(json.dumps(value), 40)})")

    field("epoch", _count, "a whole number >= 0")
    field("position", lambda v: _count(v) and v <= n_train, f"a whole number from 0 to {n_train}")
    field("optimizer_steps", _count, "a whole number >= 0")
    field("stop_reason", lambda v: isinstance(v, str) and 0 < len(v) <= REASON_LIMIT, "a short text")
    field("generators", lambda v: isinstance(v, list) and all(isinstance(g, dict) for g in v),
          "a list of generator states")
    field("rows", lambda v: isinstance(v, list) and len(v) == progress["epoch"] and all(map(_metrics_row, v)),
          f"a list of {progress['epoch']} metrics rows (one per completed epoch, metric names to numbers)")
    field("best_epoch", _count, "a whole number >= 0", required=False)
    field("waited", _count, "a whole number >= 0", required=False)
    field("best_value", lambda v: v is None or _number(v), "a number or null", required=False)
    field("initial_loss", lambda v: v is None or (_number(v) and math.isfinite(v) and v >= 0),
          "a finite number >= 0 or null", required=False)
    field("schedule", _schedule_state, "the schedule's state (a positive current rate, counts >= 0)",
          required=False)
    return progress


def _schedule_state(state):
    if not isinstance(state, dict):
        return False
    current, best, waited = state.get("current", 1.0), state.get("best", 0.0), state.get("waited", 0)
    return (_number(current) and math.isfinite(current) and current > 0 and _number(best)
            and _count(waited))


def _count(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _metrics_row(row):
    return isinstance(row, dict) and all(value is None or _number(value) for value in row.values())

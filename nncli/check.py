"""``nncli check``: validate a config, then compare its network's backward pass
with central finite differences of the loss, in float64, on a small batch of
its own (scaled) training data.

The relative error of a parameter array is ``||a - n|| / (||a|| + ||n||)``
(``nn.gradcheck``).  A correct backward pass gives about 1e-7 or less; a wrong
one about 1e-2 or more.  ReLU-like activations have a kink at 0: a finite
difference whose step straddles one disagrees with the analytic derivative by
accident.  With wide ReLU layers that happened in a few percent of checks at
``EPS`` = 1e-6, so entries that disagree are differenced again with steps 10
and 100 times smaller, keeping the closest estimate; the report counts them
(``smaller_step``).  A wrong backward pass disagrees at every step.
Parameters that start constant (zero biases) are moved by a little noise first,
so that no unit sits exactly on a kink (see ``_leave_kinks``).
"""

import numpy as np

from .config import load_config
from .data.pipeline import streams
from .float_errors import quiet_float_errors
from .nn.build import target_matrix
from .nn.gradcheck import check_model
from .nn.losses import row_weights
from .training.prepare import class_weights, prepare

TOLERANCE = 1e-5
EPS = 1e-6
BATCH = 16
MAX_ENTRIES = 200
#: smaller steps tried for entries that disagree (see nn.gradcheck.check_model)
RETRIES = 2


def check_config(config_path, overrides=(), max_entries=MAX_ENTRIES):
    """Build the configured network in float64 and check its gradients.

    Parameters
    ----------
    max_entries : int
        Check at most this many randomly chosen entries of each parameter array.

    Returns
    -------
    dict
        ``max_rel_error``, ``worst`` (the parameter key), ``passed``,
        ``tolerance``, ``batch`` (rows used), ``layers`` (``{key: relative error}``,
        keys as in ``weights.npz``), ``shapes`` and ``checked`` (entries per array).
    """
    config = load_config(config_path, overrides)
    # finite differences of a float32 loss are noise at eps = 1e-6
    config = config.replace("training.dtype", "float64")
    dataset, model, head = prepare(config)
    train = dataset.train
    rng = np.random.default_rng(streams(config.seed)["shuffle"])
    _leave_kinks(model, rng)
    rows = np.sort(rng.choice(len(train), size=min(BATCH, len(train)), replace=False))
    x = dataset.inputs(train.X[rows], np.float64)
    target = target_matrix(train.y[rows], head, dataset.n_classes, np.float64)
    weights = class_weights(config.training.class_weight, dataset)  # the loss training minimises
    retried = {}
    with quiet_float_errors():
        errors = check_model(model, x, target, eps=EPS, max_entries=max_entries, seed=config.seed,
                             retries=RETRIES, retried=retried,
                             row_weights=None if weights is None else row_weights(weights, target))
    shapes = {key: layer.params[name].shape for key, layer, name in model.parameters()}
    worst = max(errors, key=lambda key: _sortable(errors[key])) if errors else None
    max_error = errors[worst] if worst else 0.0
    return {"config": str(config_path), "max_rel_error": max_error, "worst": worst,
            "passed": bool(max_error <= TOLERANCE), "tolerance": TOLERANCE, "eps": EPS,
            "batch": int(len(rows)), "layers": errors, "class_weighted": weights is not None,
            "shapes": {key: list(shape) for key, shape in shapes.items()},
            "checked": {key: int(min(np.prod(shape), max_entries)) for key, shape in shapes.items()},
            "smaller_step": retried}


def _leave_kinks(model, rng):
    """Move parameters that start constant (zero biases, unit scales) by a little noise.

    With zero biases and inputs that are exactly 0 (an image's background), every
    ReLU there sits on its kink, where the network has no derivative and finite
    differences cannot agree with any analytic value.  The check is as valid at
    this nearby point, which has a derivative.
    """
    for _, layer, name in model.parameters():
        param = layer.params[name]
        if param.size and np.all(param == param.flat[0]):
            param += rng.normal(0.0, 0.1, size=param.shape)


def _sortable(error):
    return float("inf") if error != error else error  # NaN counts as the worst


def render(report, console):
    """The per-array errors as a rich table, then one verdict line."""
    from rich.table import Table

    weighted = ", class-weighted loss" if report.get("class_weighted") else ""
    table = Table(title=f"gradient check, float64, {report['batch']} rows, eps {report['eps']:g}{weighted}")
    numeric = ("entries checked", "smaller step", "relative error")
    for column in ("parameter", "shape") + numeric + ("",):
        table.add_column(column, justify="right" if column in numeric else "left")
    for key, error in report["layers"].items():
        verdict = "ok" if error <= report["tolerance"] else "FAIL"
        table.add_row(key, "x".join(map(str, report["shapes"][key])), str(report["checked"][key]),
                      str(report["smaller_step"][key]), f"{error:.2e}", verdict)
    console.print(table)
    word = "ok" if report["passed"] else "FAILED"
    console.print(f"worst relative error {report['max_rel_error']:.2e} ({report['worst']}), "
                  f"tolerance {report['tolerance']:g}: {word}", highlight=False)

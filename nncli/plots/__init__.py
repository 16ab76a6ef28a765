"""Pictures of a run, written as PNGs into ``RUN_DIR/plots/``.

``PLOTS`` maps each picture's name (its file stem, and a valid ``--only`` name)
to when it applies and how it is drawn.  ``draw_all`` draws them, with nncli's
own small renderer (``figure``, ``axes``: Pillow, no matplotlib); Pillow is
imported only when a picture is drawn.
"""

from dataclasses import dataclass, field
from typing import Callable

from ..errors import UsageError, echo
from ..runs.files import own_directory
from . import curves, evaluation, network, regression, scatter, weights
from .view import RunView

PLOTS_DIR = "plots"


@dataclass(frozen=True)
class Plot:
    """A picture: ``applies(view) -> bool``, ``draw(view, path) -> dict`` of what
    it drew (counts the tests check), and when it applies, in words."""

    applies: Callable
    draw: Callable
    needs: str


PLOTS = {
    "loss": Plot(curves.has_history, curves.draw_loss, "a metrics.csv with at least one epoch"),
    "metrics": Plot(curves.has_metrics, curves.draw_metrics, "a metrics.csv with AUC/accuracy or R² columns"),
    "data": Plot(scatter.applies, scatter.draw_data, "a classification dataset with 2 features"),
    "decision": Plot(scatter.applies, scatter.draw_decision, "a classification dataset with 2 features"),
    "network": Plot(network.applies, network.draw_network, "a trained model"),
    "weights": Plot(weights.applies, weights.draw_weights,
                    "image data whose first layer is dense or a convolution"),
    "roc": Plot(evaluation.applies, evaluation.draw_roc, "a classification dataset"),
    "confusion": Plot(evaluation.applies, evaluation.draw_confusion, "a classification dataset"),
    "predicted": Plot(regression.applies, regression.draw_predicted, "a regression dataset"),
    "residuals": Plot(regression.applies, regression.draw_residuals, "a regression dataset"),
}


@dataclass
class Drawing:
    """What ``draw_all`` did: the files written, what each figure drew, what failed."""

    paths: list = field(default_factory=list)
    results: dict = field(default_factory=dict)
    failed: dict = field(default_factory=dict)


def check_names(only):
    """The names asked for, in ``PLOTS`` order; UsageError naming the valid ones."""
    unknown = [name for name in only if name not in PLOTS]
    if unknown:
        raise UsageError(f"unknown plot {echo(', '.join(repr(n) for n in unknown))}; valid names: {', '.join(PLOTS)}")
    return [name for name in PLOTS if name in only]


def draw_all(run_dir=None, only=None, run=None, on_error=None):
    """Draw a run's pictures into ``<run_dir>/plots/``.

    Parameters
    ----------
    run_dir : str or Path
        A run directory with ``config.yaml`` and ``weights.npz`` (ignored when ``run`` is given).
    only : sequence of str, optional
        Names from ``PLOTS``; each must apply to the run (UsageError otherwise).
        Default: every picture that applies.
    run : runs.load.LoadedRun, optional
        The run already in memory (as at the end of training): saves rebuilding its data.
    on_error : callable(name, exception), optional
        Called when one picture fails; the others are still drawn.  Without it
        the exception propagates.

    Returns
    -------
    Drawing
    """
    names = check_names(only) if only else None
    view = RunView(run) if run is not None else RunView.open(run_dir)
    if names is None:
        names = [name for name, plot in PLOTS.items() if plot.applies(view)]
    else:
        for name in names:
            if not PLOTS[name].applies(view):
                raise UsageError(f"plot '{name}' does not apply to this run: it needs {PLOTS[name].needs}")
    directory = own_directory(view.path / PLOTS_DIR)  # RunError if it is a link to a folder elsewhere
    drawing = Drawing()
    for name in names:
        path = directory / f"{name}.png"
        try:
            drawing.results[name] = PLOTS[name].draw(view, path)
        except Exception as exc:
            if on_error is None:
                raise
            on_error(name, exc)
            drawing.failed[name] = exc
            continue
        drawing.paths.append(path)
    return drawing


__all__ = ["PLOTS", "Plot", "Drawing", "draw_all", "check_names", "PLOTS_DIR"]

"""Pictures that read well: what each figure draws is checked on its Figure (axis
scales, legend entries, the classes chosen), not on pixels; the regression plots,
the loss sparkline over a resumed run, --no-plots, and matplotlib (for the OCR
fonts) without a writable home."""

import csv
import io
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from typer.testing import CliRunner

from nncli import runs
from nncli.cli import app
from nncli.plots import PLOTS, curves, draw_all, evaluation, network, regression, scatter, style, weights
from nncli.plots.artists import Line, Points
from nncli.reporting import BLOCKS, PlainReporter

ROOT = Path(__file__).resolve().parent.parent

BLOBS = """\
    name: blobs-twelve
    data:
      dataset: blobs
      params: {n_samples: 600, centers: 12, cluster_std: 2.0}
    model:
      hidden: [8]
    training:
      epochs: 3
      lr: 0.02
"""

REGRESSION = """\
    name: regression-tiny
    data: {dataset: random, params: {n_samples: 120, n_features: 3, n_targets: %d}, val_size: 0.25}
    model: {hidden: [4]}
    training: {epochs: 3}
"""


def _train(root, text, *extra):
    config = root / "config.yaml"
    config.write_text(textwrap.dedent(text))
    result = CliRunner().invoke(app, ["train", str(config), "--runs-root", str(root / "runs"), "--quiet",
                                      "--no-plots", *extra], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return Path(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def figures(monkeypatch):
    """``{picture name: Figure}`` of every picture drawn during the test (after it was laid out and saved)."""
    drawn = {}
    real = style.save

    def keep(fig, path):
        drawn[Path(path).stem] = fig
        real(fig, path)

    for module in (curves, evaluation, network, regression, scatter, weights):
        monkeypatch.setattr(module, "save", keep)
    return drawn


@pytest.fixture(scope="module")
def blobs_run(tmp_path_factory):
    return _train(tmp_path_factory.mktemp("blobs"), BLOBS)


def _legend_texts(ax):
    return ax.legend_.texts


def _lines(ax):
    return [thing for thing in ax.things if isinstance(thing, Line)]


def _points(ax):
    return [thing for thing in ax.things if isinstance(thing, Points)]


def _ytick_labels(ax):
    return [label for _, label in ax.yaxis.majors]


def _rewrite_metrics(run_dir, columns):
    """Replace some columns of ``metrics.csv``: ``{name: values per epoch}``."""
    with open(run_dir / runs.METRICS, newline="") as handle:
        rows = list(csv.DictReader(handle))
    for i, row in enumerate(rows):
        for name, values in columns.items():
            row[name] = repr(float(values[i]))
    with open(run_dir / runs.METRICS, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


# ---- metrics.png ------------------------------------------------------------------


def test_metrics_near_the_top_are_drawn_on_a_logit_axis(blobs_run, figures, tmp_path):
    import shutil

    run = tmp_path / "good"
    shutil.copytree(blobs_run, run)
    # a good model: 0.95 .. 1.0, a perfect train AUC at the end
    _rewrite_metrics(run, {"train_auc": [0.95, 0.995, 1.0], "val_auc": [0.94, 0.99, 0.998],
                           "train_accuracy": [0.9, 0.97, 0.99], "val_accuracy": [0.9, 0.96, 0.97]})
    result = draw_all(run, only=["metrics"]).results["metrics"]
    assert result["scales"] == {"auc": "logit", "accuracy": "logit"}
    auc_axes, accuracy_axes = figures["metrics"].axes
    for ax, lowest, best in ((auc_axes, 0.94, 1.0), (accuracy_axes, 0.9, 0.99)):
        assert ax.yaxis.scale.name == "logit"
        low, high = ax.get_ylim()  # from below the lowest value to above the best, short of 1
        assert 0.5 <= low < lowest and min(best, 0.998) < high < 1.0
    # the in-sample (train) AUC curve is kept; its perfect last epoch sits at the top edge
    train_line = next(line for line in _lines(auc_axes) if line.label.startswith("train (in-sample)"))
    assert list(train_line.y[:2]) == [0.95, 0.995]
    assert train_line.y[2] == pytest.approx(auc_axes.get_ylim()[1])
    assert any("train (in-sample)" in text for text in _legend_texts(auc_axes))
    labels = _ytick_labels(auc_axes)
    assert {"0.95", "0.99", "0.995"} <= set(labels)  # a short range: the halves labelled too
    # the top edge, where the perfect 1 is drawn, is labelled 1; no tick of a lesser value sits
    # at it (here the edge is at 0.999: a 1 read as 0.999) or just under it
    ticks = dict(auc_axes.yaxis.majors)
    top = auc_axes.get_ylim()[1]
    assert ticks[top] == "1" and max(t for t in ticks if t != top) < top - 0.002
    assert "1" not in _ytick_labels(accuracy_axes)  # no perfect accuracy


def test_metrics_of_a_poor_model_stay_on_a_0_to_1_axis(blobs_run, figures, tmp_path):
    import shutil

    run = tmp_path / "poor"
    shutil.copytree(blobs_run, run)
    _rewrite_metrics(run, {"train_auc": [0.5, 0.6, 0.7], "val_auc": [0.5, 0.55, 0.6],
                           "train_accuracy": [0.1, 0.2, 0.3], "val_accuracy": [0.1, 0.15, 0.2]})
    assert draw_all(run, only=["metrics"]).results["metrics"]["scales"] == {"auc": "linear", "accuracy": "linear"}
    for ax in figures["metrics"].axes:
        assert ax.yaxis.scale.name == "linear" and ax.get_ylim() == (0.0, 1.0)


# ---- roc.png and decision.png with many classes ----------------------------------------


def test_roc_with_many_classes_draws_the_ten_with_the_lowest_auc(blobs_run, figures):
    from sklearn.metrics import roc_auc_score

    from nncli.plots.view import RunView

    view = RunView.open(blobs_run)
    y, scores = view.dataset.test.y, view.test_scores
    aucs = {k: roc_auc_score(y == k, scores[:, k]) for k in range(12)}
    worst = sorted(aucs, key=lambda k: (aucs[k], k))[:10]
    assert len(set(worst)) == 10 and sorted(aucs.values())[10] > sorted(aucs.values())[9] - 1e-12
    roc = draw_all(blobs_run, only=["roc"]).results["roc"]
    assert roc["classes"] == [view.class_labels[k] for k in worst]
    ax = figures["roc"].axes[0]
    legend = _legend_texts(ax)
    drawn = [text for text in legend if "AUC" in text and "chance" not in text]
    assert [text.split(" (")[0] for text in drawn] == roc["classes"]
    assert "lowest AUC" in ax.title and "of 12" in ax.title
    assert ax.legend_.title == "classes, lowest AUC first"


def test_roc_curves_of_a_few_classes_take_each_class_colour_of_the_data_plot(tmp_path, figures):
    from nncli.plots.colors import to_rgba

    run = _train(tmp_path, BLOBS.replace("centers: 12", "centers: 4"))
    roc = draw_all(run, only=["roc", "data"]).results["roc"]
    assert sorted(map(str, roc["classes"])) == ["0", "1", "2", "3"]
    curves = {line.label.split(" (")[0]: to_rgba(line.color) for line in _lines(figures["roc"].axes[0])
              if "chance" not in line.label}
    points = {collection.label.split(" (")[0].removeprefix("class "): tuple(collection.facecolor[:3])
              for collection in _points(figures["data"].axes[0])}
    assert set(curves) == set(points) == {"0", "1", "2", "3"}
    for label, color in curves.items():  # the same colour for a class in both pictures
        assert color[:3] == pytest.approx(points[label]), label
    assert len(set(curves.values())) == 4


def test_decision_regions_of_many_classes_have_a_key(blobs_run, figures):
    decision = draw_all(blobs_run, only=["decision"]).results["decision"]
    labels = [f"class {k}" for k in range(12)]
    assert decision["region_keys"] == labels
    legend = figures["decision"].axes[0].legend_
    texts = legend.texts
    assert texts[0].startswith("right (") and texts[1].startswith("wrong (") and texts[2:] == labels
    assert "shading: predicted class" in legend.title


# ---- regression ---------------------------------------------------------------------


def test_regression_runs_get_predicted_and_residual_plots(tmp_path, figures):
    run = _train(tmp_path, REGRESSION % 1)
    summary = runs.read_json(run / runs.SUMMARY)
    drawing = draw_all(run)
    assert {"predicted", "residuals"} <= set(drawing.results)
    assert not {"roc", "confusion", "decision"} & set(drawing.results)
    predicted = drawing.results["predicted"]
    assert predicted["r2"] == [pytest.approx(summary["test_r2"], abs=1e-9)]
    assert predicted["points"] == predicted["n_test"] == summary["n_test"]
    ax = figures["predicted"].axes[0]
    points = _points(ax)[0].offsets
    assert len(points) == summary["n_test"]
    diagonal = next(line for line in _lines(ax) if line.label == "predicted = true")
    assert list(diagonal.x) == list(diagonal.y)
    residual_ax = figures["residuals"].axes[0]
    residuals = _points(residual_ax)[0].offsets
    assert np.allclose(residuals[:, 0], points[:, 1])  # against the prediction
    assert np.allclose(residuals[:, 1], points[:, 1] - points[:, 0])  # predicted - true
    assert drawing.results["residuals"]["mean_residual"][0] == pytest.approx(float(residuals[:, 1].mean()))


def test_regression_plots_draw_at_most_four_targets_and_say_so(tmp_path, figures):
    run = _train(tmp_path, REGRESSION % 6)
    result = draw_all(run, only=["predicted", "residuals"]).results
    assert len(result["predicted"]["targets"]) == len(result["residuals"]["targets"]) == regression.MAX_TARGETS
    assert len(figures["predicted"].axes) == regression.MAX_TARGETS
    assert "the first 4 of 6 targets" in figures["predicted"].suptitle_text


def test_plot_only_names_the_regression_plots(cli):
    from nncli.plots import check_names

    assert check_names(["residuals", "predicted"]) == ["predicted", "residuals"]
    result = cli("plot", ROOT, "--only", "residual")
    assert result.exit_code == 2 and "predicted" in result.stderr and "residuals" in result.stderr
    assert PLOTS["predicted"].needs == PLOTS["residuals"].needs == "a regression dataset"


def test_classification_plots_do_not_apply_to_regression_and_back(tmp_path, blobs_run, cli):
    run = _train(tmp_path, REGRESSION % 1)
    refused = cli("plot", blobs_run, "--only", "residuals")
    assert refused.exit_code == 2 and "regression" in refused.stderr
    drawn = cli("plot", run, "--only", "predicted")
    assert drawn.exit_code == 0 and drawn.stdout.strip().endswith("predicted.png")


# ---- --no-plots -----------------------------------------------------------------------


def test_no_plots_draws_nothing_and_is_recorded_in_the_run(tmp_path, cli):
    run = _train(tmp_path, REGRESSION % 1)  # _train passes --no-plots
    assert not (run / "plots").exists()
    assert "plots: false" in (run / runs.CONFIG).read_text()
    refused = cli("train", "--resume", run, "--no-plots")
    assert refused.exit_code == 2 and "--no-plots" in refused.stderr


def test_a_training_with_no_plots_never_imports_matplotlib(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("data: {dataset: circles, params: {n_samples: 100}}\nmodel: {hidden: [3]}\n"
                      "training: {epochs: 2}\n")
    code = ("import sys; from nncli.cli import app\n"
            f"try:\n    app(['train', {str(config)!r}, '--no-plots', '--quiet', '--runs-root', {str(tmp_path)!r}])\n"
            "except SystemExit as exc:\n    print('EXIT', exc.code)\n"
            "print('MATPLOTLIB', 'matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=str(ROOT), timeout=120)
    assert "EXIT 0" in out.stdout and "MATPLOTLIB False" in out.stdout, out.stdout + out.stderr
    run = Path(out.stdout.splitlines()[0])
    assert (run / runs.SUMMARY).exists() and not (run / "plots").exists()


# ---- the sparkline ------------------------------------------------------------------------


def _sparkline_lines(text):
    return {line.split()[0] + " " + line.split()[1]: line for line in text.splitlines()
            if line.startswith(("train loss", "val loss"))}


def test_sparkline_after_resume_covers_the_epochs_before_it(tmp_path):
    from nncli.config import load_config
    from nncli.errors import RunInterrupted
    from nncli.training.observers import Observer
    from nncli.training.resume import resume_run
    from nncli.training.run import train

    class StopAfter(Observer):
        def on_epoch_end(self, trainer, row):
            if row["epoch"] == 3:
                trainer.request_stop()

    config_path = tmp_path / "config.yaml"
    config_path.write_text(textwrap.dedent(REGRESSION % 1).replace("epochs: 3", "epochs: 7")
                           + "output: {plots: false}\n")
    run = tmp_path / "run"
    with pytest.raises(RunInterrupted):
        train(load_config(config_path), run_dir=run, observers=[StopAfter()])
    stream = io.StringIO()
    resume_run(run, reporter=PlainReporter(stream))
    with open(run / runs.METRICS, newline="") as handle:
        losses = [float(row["train_loss"]) for row in csv.DictReader(handle)]
    assert len(losses) == 7
    line = _sparkline_lines(stream.getvalue())["train loss"]
    spark = line.split()[3]
    assert len(spark) == 7 and set(spark) <= set(BLOCKS)
    assert float(line.split()[2]) == pytest.approx(losses[0], rel=1e-2)  # starts at epoch 1, not 4
    assert spark[losses.index(max(losses))] == BLOCKS[-1]


def test_sparkline_marks_the_epoch_whose_weights_early_stopping_kept():
    stream = io.StringIO()
    reporter = PlainReporter(stream)
    sizes = SimpleNamespace(train=[0] * 8, val=[0] * 2, test=[0] * 2)
    reporter.start("no-such-run-dir", SimpleNamespace(n_params=5), sizes, 60)
    for epoch in range(1, 61):  # longer than the 40-wide sparkline: epochs share columns
        reporter.epoch({"epoch": epoch, "lr": 0.1, "seconds": 0.0, "train_loss": 1.0 / epoch,
                        "val_loss": 1.0 / epoch if epoch <= 45 else 0.02 + epoch / 1000}, 60)
    reporter.finish({"epochs_run": 60, "stop_reason": "early_stopping", "wall_seconds": 0.1,
                     "best_epoch": 45, "test_loss": 0.1})
    lines = stream.getvalue().splitlines()
    marker = lines[-1]
    assert marker.strip() == "^ early stopping kept the weights of epoch 45 (of 60)"
    val_line = next(line for line in lines if line.startswith("val loss"))
    start = val_line.index(val_line.split()[3])
    assert marker.index("^") == start + 45 * 40 // 60 - 1  # the column holding epoch 45
    finished = io.StringIO()
    completed = PlainReporter(finished)
    completed.start("no-such-run-dir", SimpleNamespace(n_params=5), sizes, 2)
    for epoch in (1, 2):
        completed.epoch({"epoch": epoch, "lr": 0.1, "seconds": 0.0, "train_loss": 1.0 / epoch}, 2)
    completed.finish({"epochs_run": 2, "stop_reason": "epochs", "wall_seconds": 0.1, "best_epoch": 2})
    assert "kept the weights" not in finished.getvalue()


# ---- matplotlib without a writable home ------------------------------------------------------


def test_an_unwritable_home_gives_no_matplotlib_warning(tmp_path, blobs_run):
    import tempfile

    from nncli.matplotlib_config import PRIVATE_NAME

    blocker = tmp_path / "a-file"
    blocker.write_text("")
    env = {key: value for key, value in os.environ.items()
           if key not in ("MPLCONFIGDIR", "XDG_CONFIG_HOME", "XDG_CACHE_HOME")}
    env.update(HOME=str(blocker / "home"), PYTHONPATH=str(ROOT))  # below a file: nobody can create it
    plain = subprocess.run([sys.executable, "-c", "import matplotlib"], env=env, capture_output=True, text=True)
    assert "MPLCONFIGDIR" in plain.stderr  # the warning this test is about
    result = subprocess.run([sys.executable, "-m", "nncli", "plot", str(blobs_run), "--only", "loss"],
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stderr == ""
    private = Path(tempfile.gettempdir()) / f"{PRIVATE_NAME}-{os.getuid()}"
    assert private.is_dir() and (private.stat().st_mode & 0o077) == 0
    with_home = subprocess.run([sys.executable, "-c", "from nncli.matplotlib_config import "
                                "ensure_writable_config_dir as e; print(e())"],
                               env=dict(env, HOME=str(tmp_path)), capture_output=True, text=True)
    assert with_home.stdout.strip() == "None"  # a writable home: matplotlib's own place
    assert not (tmp_path / ".config").exists()  # and nncli created nothing there


def test_the_private_matplotlib_directory_is_refused_when_others_could_write_it(tmp_path, monkeypatch):
    import tempfile

    from nncli.matplotlib_config import PRIVATE_NAME, private_dir

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    made = private_dir()
    assert made == tmp_path / f"{PRIVATE_NAME}-{os.getuid()}" and (made.stat().st_mode & 0o777) == 0o700
    made.chmod(0o777)  # someone could plant a font cache there
    assert private_dir() is None
    made.rmdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    made.symlink_to(elsewhere)  # a link, possibly to another user's directory
    assert private_dir() is None

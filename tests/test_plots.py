"""The pictures: every expected PNG is written, valid and shows what it claims
(counts drawn == the run's own test metrics), ``nncli plot`` redraws them, and
``output.plots: false`` keeps matplotlib out of the process."""

import json
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
from nncli.metrics import roc_auc, roc_curve
from nncli.plots import PLOTS, Plot, draw_all
from nncli.reporting import BLOCKS, sparkline

ROOT = Path(__file__).resolve().parent.parent
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

CIRCLES = """\
    name: circles-tiny
    data:
      dataset: circles
      params: {n_samples: 240, noise: 0.15, factor: 0.4}
      val_size: 0.2
    model:
      hidden: [5, 3]
      activation: tanh
    training:
      epochs: 4
      lr: 0.02
      target_auc: 0.999
"""

DIGITS = """\
    name: digits-tiny
    data:
      dataset: digits
    model:
      hidden: [20]
    training:
      epochs: 2
      lr: 0.003
"""


def _train(root, text, *extra):
    config = root / "config.yaml"
    config.write_text(textwrap.dedent(text))
    result = CliRunner().invoke(app, ["train", str(config), "--runs-root", str(root / "runs"), "--quiet", *extra],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return Path(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def circles_run(tmp_path_factory):
    return _train(tmp_path_factory.mktemp("circles"), CIRCLES)


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    return _train(tmp_path_factory.mktemp("digits"), DIGITS)


def _png(path):
    """The decoded image (H, W, channels) after checking that ``path`` is a real PNG."""
    from PIL import Image

    data = Path(path).read_bytes()
    assert data[:8] == PNG_MAGIC, path
    with Image.open(path) as png:
        image = np.asarray(png.convert("RGB"), dtype=np.float64) / 255.0
    height, width = image.shape[:2]
    assert 300 <= height <= 2000 and 400 <= width <= 2000, (path, image.shape)
    assert image[..., :3].std() > 0.02, f"{path} looks blank"
    return image


def _pixels_like(image, hex_color, tolerance=0.03):
    rgb = np.array([int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    return int(np.sum(np.all(np.abs(image[..., :3] - rgb) < tolerance, axis=-1)))


def _summary(run_dir):
    return runs.read_json(run_dir / runs.SUMMARY)


# ---- after train -------------------------------------------------------------


def test_circles_run_has_every_plot_that_applies(circles_run):
    written = sorted(path.name for path in (circles_run / "plots").iterdir())
    assert written == sorted(["loss.png", "metrics.png", "data.png", "decision.png", "network.png",
                              "roc.png", "confusion.png"])
    for name in written:
        _png(circles_run / "plots" / name)


def test_digits_run_has_image_plots_and_no_plane_plots(digits_run):
    written = {path.name for path in (digits_run / "plots").iterdir()}
    assert written == {"loss.png", "metrics.png", "network.png", "weights.png", "roc.png", "confusion.png"}
    for name in written:
        _png(digits_run / "plots" / name)


def test_decision_plot_counts_equal_the_test_accuracy(circles_run):
    summary = _summary(circles_run)
    drawing = draw_all(circles_run, only=["decision"])
    counts = drawing.results["decision"]
    assert counts["right"] + counts["wrong"] == summary["n_test"]
    assert counts["right"] == round(summary["test_accuracy"] * summary["n_test"])
    assert counts["wrong"] > 0, "the tiny run should make mistakes, or this test checks little"
    image = _png(drawing.paths[0])
    from nncli.plots.style import RIGHT, WRONG

    assert _pixels_like(image, RIGHT) > 200 and _pixels_like(image, WRONG) > 100


def test_roc_auc_in_the_legend_is_the_summary_test_auc(circles_run, digits_run):
    drawn = {}
    for run_dir in (circles_run, digits_run):
        summary = _summary(run_dir)
        drawn[run_dir] = roc = draw_all(run_dir, only=["roc"]).results["roc"]
        assert roc["auc"] == pytest.approx(summary["test_auc"], abs=1e-9)
    circles = drawn[circles_run]
    assert circles["curves"] == 1
    assert f"AUC {_summary(circles_run)['test_auc']:.4f}" in circles["labels"][0]
    assert drawn[digits_run]["curves"] == 10  # one vs rest, all ten digits


def test_confusion_matrix_counts_the_test_split(circles_run, digits_run):
    for run_dir, n_classes in ((circles_run, 2), (digits_run, 10)):
        summary = _summary(run_dir)
        confusion = draw_all(run_dir, only=["confusion"]).results["confusion"]
        matrix = np.array(confusion["matrix"])
        assert matrix.shape == (n_classes, n_classes)
        assert confusion["total"] == matrix.sum() == summary["n_test"]
        assert np.trace(matrix) == round(summary["test_accuracy"] * summary["n_test"])


def test_network_draws_one_edge_per_weight_for_a_small_net(circles_run):
    weights = runs.read_npz(circles_run / runs.WEIGHTS)
    network = draw_all(circles_run, only=["network"]).results["network"]
    assert network["kind"] == "graph"
    assert network["sizes"] == [2, 5, 3, 1]
    assert network["edges"] == sum(v.size for k, v in weights.items() if k.endswith(".weight")) == 2 * 5 + 5 * 3 + 3
    assert network["bias_edges"] == sum(v.size for k, v in weights.items() if k.endswith(".bias")) == 5 + 3 + 1


def test_network_summarises_wide_layers(digits_run):
    from nncli.plots.network import SHOWN

    network = draw_all(digits_run, only=["network"]).results["network"]
    assert network["sizes"] == [64, 20, 10]
    assert network["shown"] == [SHOWN, SHOWN, 10]
    assert network["edges"] == SHOWN * SHOWN + SHOWN * 10 < network["weights"]


def test_weights_plot_tiles_first_layer_units_as_images(digits_run):
    result = draw_all(digits_run, only=["weights"]).results["weights"]
    assert result == {"tiles": 20, "total": 20, "kind": "unit", "tile_shape": (8, 8)}


def test_loss_and_metrics_follow_metrics_csv(circles_run):
    rows = (circles_run / runs.METRICS).read_text().strip().splitlines()[1:]
    results = draw_all(circles_run, only=["loss", "metrics"]).results
    assert results["loss"] == {"epochs": len(rows), "log_scale": True}
    assert results["metrics"]["panels"] == ["auc", "accuracy"] and results["metrics"]["target_auc"] == 0.999


def test_regression_r2_far_below_zero_is_drawn_on_a_symlog_axis(tmp_path):
    import csv as csv_module

    run = _train(tmp_path, """\
        name: random-tiny
        data: {dataset: random, params: {n_samples: 80, n_features: 3, n_targets: 1}, val_size: 0.25}
        model: {hidden: [4]}
        training: {epochs: 3}
        """, "--set", "output.plots=false")
    assert draw_all(run, only=["metrics"]).results["metrics"]["r2_axis"] in ("linear", "symlog")
    with open(run / runs.METRICS, newline="") as handle:
        rows = list(csv_module.DictReader(handle))
    for i, row in enumerate(rows):  # as a badly started regression: R^2 from -400 up
        row["train_r2"] = row["val_r2"] = str(-400.0 / (i + 1) ** 3)
    with open(run / runs.METRICS, "w", newline="") as handle:
        writer = csv_module.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result = draw_all(run, only=["metrics"]).results["metrics"]
    assert result == {"panels": ["r2"], "target_auc": None, "r2_axis": "symlog", "scales": {"r2": "symlog"}}
    _png(run / "plots" / "metrics.png")


def test_block_diagram_for_networks_that_are_not_all_dense(tmp_path):
    from nncli.nn.layers import Dense, Layer
    from nncli.nn.model import Sequential
    from nncli.plots.network import draw_network

    class Gain(Layer):  # a layer with parameters that is not Dense
        def _build(self, input_shape, rng):
            self.params["gain"] = np.ones(input_shape)
            return input_shape

        def forward(self, x, train=False):
            return x * self.params["gain"]

        def backward(self, grad_output):
            return grad_output

    model = Sequential([Gain(), Dense(4, "relu"), Dense(1, "sigmoid")], "bce", (2,), np.random.default_rng(0))
    result = draw_network(SimpleNamespace(model=model), tmp_path / "network.png")
    assert result == {"kind": "blocks", "blocks": 3}
    _png(tmp_path / "network.png")


# ---- nncli plot ----------------------------------------------------------------


def test_plot_only_network_draws_just_that(cli, circles_run, tmp_path):
    import shutil

    run_dir = tmp_path / "run"
    shutil.copytree(circles_run, run_dir)
    shutil.rmtree(run_dir / "plots")
    result = cli("plot", run_dir, "--only", "network")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip().splitlines() == [str(run_dir / "plots" / "network.png")]
    assert [p.name for p in (run_dir / "plots").iterdir()] == ["network.png"]


def test_plot_redraws_a_run_trained_before_plots_existed(cli, circles_run, tmp_path):
    """No plots/ folder and no ``output`` section in its config.yaml, as an older run."""
    import shutil

    import yaml

    run_dir = tmp_path / "old-run"
    shutil.copytree(circles_run, run_dir)
    shutil.rmtree(run_dir / "plots")
    config = yaml.safe_load((run_dir / runs.CONFIG).read_text())
    del config["output"]
    (run_dir / runs.CONFIG).write_text(yaml.safe_dump(config))
    result = cli("plot", run_dir)
    assert result.exit_code == 0, result.stderr
    printed = [Path(line) for line in result.stdout.strip().splitlines()]
    assert sorted(p.name for p in printed) == sorted(p.name for p in (circles_run / "plots").iterdir())
    for path in printed:
        _png(path)


def test_plot_unknown_name_exits_2_with_the_valid_names(cli, circles_run):
    result = cli("plot", circles_run, "--only", "netwrok")
    assert result.exit_code == 2
    assert "netwrok" in result.stderr and ", ".join(PLOTS) in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_plot_that_does_not_apply_exits_2(cli, circles_run):
    result = cli("plot", circles_run, "--only", "weights")
    assert result.exit_code == 2
    assert "weights" in result.stderr and "image data" in result.stderr


def test_plot_of_a_run_without_weights_exits_2(cli, circles_run, tmp_path):
    import shutil

    run_dir = tmp_path / "broken"
    shutil.copytree(circles_run, run_dir)
    (run_dir / runs.WEIGHTS).unlink()
    result = cli("plot", run_dir)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "weights.npz" in lines[0] and "Traceback" not in result.stderr


def test_a_failing_plot_only_warns_and_the_run_stays_completed(cli, write_config, tmp_path, monkeypatch):
    def broken(view, path):
        raise RuntimeError("no ink")

    monkeypatch.setitem(PLOTS, "network", Plot(lambda view: True, broken, "anything"))
    config = write_config(CIRCLES)
    result = cli("train", config, "--runs-root", tmp_path / "runs", "--quiet", "--set", "training.epochs=1")
    assert result.exit_code == 0
    run_dir = Path(result.stdout.strip().splitlines()[-1])
    assert "warning: could not draw network.png: RuntimeError: no ink" in result.stderr
    assert json.loads((run_dir / runs.META).read_text())["status"] in ("completed", "stopped_early")
    assert (run_dir / "plots" / "loss.png").exists() and not (run_dir / "plots" / "network.png").exists()


# ---- output.plots: false --------------------------------------------------------


@pytest.mark.parametrize("plots", [False, True])
def test_pictures_import_pillow_only_when_drawn_and_never_matplotlib(plots, tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(textwrap.dedent(CIRCLES))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    process = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "nncli", "train", str(config), "--quiet",
         "--runs-root", str(tmp_path / "runs"), "--set", f"output.plots={str(plots).lower()}",
         "--set", "training.epochs=1"],
        capture_output=True, text=True, env=env, timeout=120)
    assert process.returncode == 0, process.stderr[-2000:]
    imported = {line.split("|")[-1].strip() for line in process.stderr.splitlines() if "|" in line}
    assert "matplotlib" not in imported  # nncli draws its pictures itself, with Pillow
    assert ("PIL.ImageDraw" in imported) == plots
    run_dir = Path(process.stdout.strip().splitlines()[-1])
    assert (run_dir / "plots").exists() == plots


# ---- the pieces -------------------------------------------------------------------


def test_roc_curve_matches_scikit_learn():
    from sklearn.metrics import roc_curve as sk_roc_curve

    rng = np.random.default_rng(1)
    for trial in range(50):
        n = int(rng.integers(2, 60))
        y = rng.integers(0, 2, n)
        if y.min() == y.max():
            continue
        score = rng.integers(0, 4, n) / 3 if trial % 2 else rng.normal(size=n)  # with and without ties
        expected = sk_roc_curve(y, score, drop_intermediate=False)
        for got, want in zip(roc_curve(y, score), expected):
            np.testing.assert_allclose(got, want)
        fpr, tpr, _ = roc_curve(y, score)
        area = float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))
        assert area == pytest.approx(roc_auc(y, score))


def test_sparkline_is_log_scaled_and_at_most_40_wide():
    assert sparkline([1.0, 0.1, 0.01]) == BLOCKS[-1] + BLOCKS[4] + BLOCKS[0]
    long = sparkline(list(np.geomspace(1.0, 1e-5, 300)))
    assert len(long) == 40 and long[0] == BLOCKS[-1] and long[-1] == BLOCKS[0]
    assert list(long) == sorted(long, key=BLOCKS.index, reverse=True)  # never rises
    assert sparkline([0.5, 0.5]) == BLOCKS[4] * 2
    assert sparkline([float("nan"), 0.0]) == ""


def test_train_prints_a_loss_sparkline_except_when_quiet(cli, write_config, tmp_path):
    config = write_config(CIRCLES)
    loud = cli("train", config, "--runs-root", tmp_path / "runs", "--set", "output.plots=false")
    assert loud.exit_code == 0
    trend = [line for line in loud.stderr.splitlines() if line.startswith("train loss")]
    assert len(trend) == 1 and any(block in trend[0] for block in BLOCKS)
    assert any(line.startswith("val loss") for line in loud.stderr.splitlines())
    for flag in ("--quiet", "--json"):
        quiet = cli("train", config, "--runs-root", tmp_path / "runs", flag, "--set", "output.plots=false")
        assert quiet.exit_code == 0 and "train loss" not in quiet.stderr


def test_plot_help_names_every_plot():
    import inspect

    from nncli.cli.commands.plot import plot

    help_text = inspect.signature(plot).parameters["only"].default.help
    assert f"({', '.join(PLOTS)})" in help_text


def test_rich_reporter_finishes_after_close_with_a_sparkline(capsys):
    """The training loop closes the display before ``finish``; finish must still print."""
    from nncli.reporting import RichReporter

    reporter = RichReporter()
    reporter.start("RUN", "Sequential()", None, 3)
    for epoch, loss in enumerate([0.7, 0.3, 0.1], start=1):
        reporter.epoch({"epoch": epoch, "lr": 0.01, "seconds": 0.0, "train_loss": loss}, 3)
    reporter.close()
    reporter.finish({"epochs_run": 3, "stop_reason": "epochs", "wall_seconds": 0.1, "test_loss": 0.1})
    err = capsys.readouterr().err
    assert "stopped after 3 epochs" in err and "train loss" in err

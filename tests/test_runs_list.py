"""nncli runs: one row per run, differing hyperparameters, sorting, filtering, broken runs;
and many concurrent trainings that never collide."""

import csv
import io
import json
import math
import os
import shutil
import subprocess
import sys
import textwrap

import pytest
import yaml
from conftest import ROOT, train_run
from typer.testing import CliRunner

from nncli.cli import app

TINY = """
data: {dataset: circles, params: {n_samples: 200}, val_size: 0.2}
model: {hidden: [4]}
training: {epochs: 3, lr: 0.01}
output: {plots: false}
"""


def runs_json(cli, *args):
    result = cli("runs", *args, "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_six_concurrent_trainings_make_six_complete_runs(cli, write_config, tmp_path):
    config = write_config(TINY)
    root = tmp_path / "runs"
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    processes = [subprocess.Popen([sys.executable, "-m", "nncli", "train", str(config), "--quiet",
                                   "--runs-root", str(root), "--set", f"training.lr={0.01 * (i + 1)}"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
                 for i in range(6)]
    outputs = [process.communicate(timeout=300) for process in processes]
    for process, (stdout, stderr) in zip(processes, outputs):
        assert process.returncode == 0, stderr
        assert len(stdout.splitlines()) == 1  # --quiet: the run directory only
    run_dirs = {stdout.strip() for stdout, _ in outputs}
    assert len(run_dirs) == 6
    for run_dir in run_dirs:
        names = sorted(os.listdir(run_dir))
        assert {"checkpoint.npz", "config.yaml", "meta.json", "metrics.csv", "preprocess.npz", "summary.json",
                "weights.npz"} <= set(names)
        assert not [name for name in names if name.endswith(".tmp")]
        assert json.loads(open(os.path.join(run_dir, "meta.json")).read())["status"] == "completed"
    listed = runs_json(cli, root)
    assert len(listed) == 6
    assert {row["status"] for row in listed} == {"completed"}
    assert {row["path"] for row in listed} == run_dirs
    assert sorted(row["training.lr"] for row in listed) == pytest.approx([0.01 * (i + 1) for i in range(6)])
    from nncli.runs.listing import list_runs

    assert list_runs(root).params == ["training.lr"]


def _train(root, config, *extra):
    result = CliRunner().invoke(app, ["train", str(config), "--runs-root", str(root), "--quiet", *extra])
    assert result.exit_code == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Four finished runs differing in lr and hidden sizes, trained once."""
    base = tmp_path_factory.mktemp("trained")
    config = base / "tiny.yaml"
    config.write_text(textwrap.dedent(TINY))
    root = base / "runs"
    for extra in (["--set", "training.lr=0.001"], ["--set", "training.lr=0.1"],
                  ["--set", "training.lr=0.01"],
                  ["--set", "model.hidden=[16,16]", "--name", "wide"]):
        _train(root, config, *extra)
    return root


@pytest.fixture
def sweep(trained, tmp_path):
    """A copy of the four runs under tmp_path/runs, free to change."""
    return shutil.copytree(trained, tmp_path / "runs")


def test_rows_have_every_config_and_summary_key(cli, sweep):
    from nncli.runs.listing import list_runs

    rows = runs_json(cli, sweep)
    assert len(rows) == 4
    listing = list_runs(sweep)
    assert listing.params == ["model.hidden", "training.lr"]
    summary = json.loads((sweep / rows[0]["name"] / "summary.json").read_text())
    assert all(list(row) == listing.columns for row in rows)  # flat objects, the same keys for every run
    assert {k for k in summary if k != "status"} <= set(rows[0])
    assert rows[0]["val_loss"] == summary["val_loss"] and rows[0]["best_epoch"] == summary["best_epoch"]
    assert sorted(row["training.lr"] for row in rows) == [0.001, 0.01, 0.01, 0.1]
    assert all(row["epochs_run"] == 3 and row["started_at"] and row["train_seconds"] > 0 for row in rows)
    table = cli("runs", sweep)
    assert table.exit_code == 0
    for text in ("name", "status", "started", "epochs", "training.lr", "model.hidden", "val_loss", "val_auc",
                 "test_auc", "[16, 16]"):
        assert text in table.stdout


@pytest.mark.parametrize("key, descending", [("test_auc", True), ("test_loss", False), ("auc", True),
                                             ("test_accuracy", True), ("training.lr", False), ("val_loss", False),
                                             ("val_auc", True), ("val_accuracy", True), ("best_epoch", False),
                                             ("epochs_run", False), ("train_seconds", False)])
def test_sort(cli, sweep, key, descending):
    full = key if "_" in key or "." in key else f"test_{key}"
    values = [row[full] for row in runs_json(cli, sweep, "--sort", key)]
    assert values == sorted(values, reverse=descending)
    reversed_values = [row[full] for row in runs_json(cli, sweep, "--sort", key, "--reverse")]
    assert reversed_values == sorted(values, reverse=not descending)
    table = cli("runs", sweep, "--sort", key)
    assert table.exit_code == 0 and (full in table.stdout or full == "epochs_run")  # the sort column is shown


def test_filter(cli, sweep):
    assert [row["training.lr"] for row in runs_json(cli, sweep, "--filter", "training.lr=0.1")] == [0.1]
    wide = runs_json(cli, sweep, "--filter", "model.hidden=[16, 16]")
    assert len(wide) == 1 and wide[0]["name"].startswith("wide-")
    assert len(runs_json(cli, sweep, "--filter", "status=completed", "--filter", "training.lr=0.01")) == 2
    assert runs_json(cli, sweep, "--filter", "data.dataset=moons") == []
    result = cli("runs", sweep, "--filter", "training.lrr=0.1")
    assert result.exit_code == 2 and "did you mean 'training.lr'" in result.stderr
    result = cli("runs", sweep, "--sort", "test_acuracy")
    assert result.exit_code == 2 and "did you mean 'test_accuracy'" in result.stderr


@pytest.mark.parametrize("op, test", [("<", lambda v: v < 0.01), ("<=", lambda v: v <= 0.01),
                                      (">", lambda v: v > 0.01), (">=", lambda v: v >= 0.01),
                                      ("!=", lambda v: v != 0.01), ("=", lambda v: v == 0.01),
                                      ("==", lambda v: v == 0.01)])
def test_filter_operators_compare_numbers_as_numbers(cli, sweep, op, test):
    every = [row["training.lr"] for row in runs_json(cli, sweep)]
    kept = [row["training.lr"] for row in runs_json(cli, sweep, "--filter", f"training.lr{op}1e-2")]
    assert sorted(kept) == sorted(v for v in every if test(v)) and kept  # 1e-2 (text to YAML) is the number 0.01
    losses = sorted(row["val_loss"] for row in runs_json(cli, sweep))
    middle = (losses[1] + losses[2]) / 2
    assert len(runs_json(cli, sweep, "--filter", f"val_loss < {middle}")) == 2
    assert len(runs_json(cli, sweep, "--filter", f"val_loss>={middle}", "--filter", "status!=broken")) == 2


@pytest.mark.parametrize("text, message", [("training.lr", "needs KEY<OP>VALUE"), ("<0.1", "needs KEY<OP>VALUE"),
                                           ("training.lr<fast", "'fast' is not a number"),
                                           ("training.lr>=", "'' is not a number"),
                                           ("model.hidden<3", "not a number"),
                                           ("training.optimizer>1", "'adam', not a number")])
def test_a_malformed_filter_or_a_non_numeric_comparison_is_one_line_exit_2(cli, sweep, text, message):
    result = cli("runs", sweep, "--filter", text)
    assert result.exit_code == 2 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("nncli: error: --filter")


def test_csv_and_json_columns_do_not_depend_on_the_filter(cli, sweep, write_config):
    # a run with config keys the others do not have
    train_run(cli, write_config(TINY), sweep, "--set", "training.schedule={type: step, step_size: 2}")

    def header(*filters):
        return cli("runs", sweep, "--csv", *filters).stdout.splitlines()[0]

    every = header()
    assert header("--filter", "training.lr=0.001") == every
    assert header("--filter", "model.hidden=[16,16]", "--filter", "val_loss>0") == every
    assert header("--filter", "status=running") == every  # no run kept: still every column
    columns = every.split(",")
    assert columns[:4] == ["name", "path", "status", "started_at"] and columns[-1] == "problem"
    # the schedule keys only the last run has, and every summary key, after the config keys
    assert "training.schedule.step_size" in columns and "training.schedule.gamma" in columns
    assert columns.index("training.lr") < columns.index("epochs_run") < columns.index("best_epoch")
    assert columns.index("output.plots") < columns.index("epochs_run")
    assert [list(row) for row in runs_json(cli, sweep, "--filter", "training.lr=0.001")] == [columns]
    assert runs_json(cli, sweep, "--filter", "training.lr=0.001")[0]["training.schedule.gamma"] is None
    assert [list(row) for row in runs_json(cli, sweep, "--filter", "name=wide")] == [columns]
    assert cli("runs", sweep, "--csv", "--json").exit_code == 2


def test_filter_by_name_takes_the_configs_name(cli, sweep):
    wide = runs_json(cli, sweep, "--filter", "name=wide")
    assert len(wide) == 1 and wide[0]["name"].startswith("wide-")
    assert runs_json(cli, sweep, "--filter", f"name={wide[0]['name']}") == wide  # the directory's name too


def _summaries(root):
    return {path.parent.name: json.loads(path.read_text()) for path in root.glob("*/summary.json")}


def _mean_std(values):
    mean = sum(values) / len(values)
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1)) if len(values) > 1 else None
    return mean, std


def _lr(run_dir):
    return yaml.safe_load((run_dir / "config.yaml").read_text())["training"]["lr"]


def test_group_by_gives_n_statuses_and_mean_and_sample_std(cli, sweep):
    # a third lr=0.01 run that diverged: counted in n and statuses, not in the means
    source = next(path for path in sweep.iterdir() if _lr(path) == 0.01)
    diverged = shutil.copytree(source, sweep / "diverged-run")
    meta = json.loads((diverged / "meta.json").read_text())
    meta["status"] = "diverged"
    (diverged / "meta.json").write_text(json.dumps(meta))
    (diverged / "summary.json").unlink()
    by_lr = {}
    for name, summary in _summaries(sweep).items():
        by_lr.setdefault(_lr(sweep / name), []).append(summary)
    groups = {row["training.lr"]: row for row in runs_json(cli, sweep, "--group-by", "training.lr")}
    assert sorted(groups) == [0.001, 0.01, 0.1]
    assert groups[0.01]["n"] == 3 and groups[0.01]["statuses"] == {"completed": 2, "diverged": 1}
    assert groups[0.1]["n"] == 1 and groups[0.1]["statuses"] == {"completed": 1}
    for lr, summaries in by_lr.items():
        for metric in ("val_loss", "val_accuracy", "test_auc", "train_loss", "best_epoch", "train_seconds"):
            mean, std = _mean_std([s[metric] for s in summaries])
            assert groups[lr][f"{metric}_mean"] == pytest.approx(mean, rel=1e-12, abs=1e-15)
            if std is None:
                assert groups[lr][f"{metric}_std"] is None
            else:
                assert groups[lr][f"{metric}_std"] == pytest.approx(std, rel=1e-12, abs=1e-15)
    rows = list(csv.DictReader(io.StringIO(cli("runs", sweep, "--group-by", "training.lr", "--csv").stdout)))
    assert [row["training.lr"] for row in rows] == ["0.001", "0.01", "0.1"]
    assert rows[1]["statuses"] == "2 completed, 1 diverged" and rows[1]["n"] == "3"
    mean, std = _mean_std([s["val_loss"] for s in by_lr[0.01]])
    assert float(rows[1]["val_loss_mean"]) == pytest.approx(mean, rel=1e-15)
    assert float(rows[1]["val_loss_std"]) == pytest.approx(std, rel=1e-15) and rows[2]["val_loss_std"] == ""
    assert list(rows[0])[:3] == ["training.lr", "n", "statuses"]
    table = cli("runs", sweep, "--group-by", "training.lr")
    assert table.exit_code == 0 and "2 completed, 1 diverged" in table.stdout and "± —" in table.stdout
    assert f"{mean:.4g} ± {std:.2g}" in table.stdout


def test_group_by_name_and_two_keys_and_sort(cli, sweep):
    by_name = runs_json(cli, sweep, "--group-by", "name")
    assert {row["name"]: row["n"] for row in by_name} == {"tiny": 3, "wide": 1}
    two = runs_json(cli, sweep, "--group-by", "model.hidden", "--group-by", "training.lr", "--sort", "val_loss")
    assert len(two) == 4 and list(two[0])[:4] == ["model.hidden", "training.lr", "n", "statuses"]
    means = [row["val_loss_mean"] for row in two]
    assert means == sorted(means)
    aucs = [row["test_auc_mean"] for row in runs_json(cli, sweep, "--group-by", "training.lr", "--sort", "auc")]
    assert aucs == sorted(aucs, reverse=True)
    result = cli("runs", sweep, "--group-by", "training.lrr")
    assert result.exit_code == 2 and "did you mean 'training.lr'" in result.stderr
    filtered = runs_json(cli, sweep, "--group-by", "training.lr", "--filter", "training.lr<0.05")
    assert [row["training.lr"] for row in filtered] == [0.001, 0.01]
    assert list(filtered[0]) == list(filtered[1]) == list(runs_json(cli, sweep, "--group-by", "training.lr")[0])


def test_runs_are_found_at_any_depth_and_in_sweep_directories(cli, sweep, write_config, tmp_path):
    nested = sweep / "project" / "grid" / "lr"
    shutil.copytree(next(sweep.glob("wide-*")), nested / "copy-of-wide")
    trial_sweep = sweep / "digits-sweep-1"
    (trial_sweep / "trials").mkdir(parents=True)
    (trial_sweep / "sweep.yaml").write_text("config: tiny.yaml\n")
    (trial_sweep / "config.yaml").write_text((nested / "copy-of-wide" / "config.yaml").read_text())
    trial = train_run(cli, write_config(TINY), tmp_path / "unused", "--run-dir", trial_sweep / "trials" / "0000")
    names = {row["name"]: row["status"] for row in runs_json(cli, sweep)}
    assert names["project/grid/lr/copy-of-wide"] == "completed"
    assert names["digits-sweep-1/trials/0000"] == "completed" and trial.name == "0000"
    assert "digits-sweep-1" not in names and len(names) == 6
    assert len(runs_json(cli, trial_sweep)) == 1  # the sweep directory itself as ROOT


def test_a_narrow_terminal_shortens_names_and_drops_the_start_time_first(cli, sweep, monkeypatch):
    rows = runs_json(cli, sweep)
    full_names = [row["name"] for row in rows]
    seen = {}
    for width in (200, 80, 60):
        monkeypatch.setenv("COLUMNS", str(width))
        result = cli("runs", sweep, "--sort", "val_loss")
        assert result.exit_code == 0
        lines = result.stdout.splitlines()
        assert max(len(line) for line in lines) <= width
        seen[width] = (result.stdout, result.stderr)
    table, err = seen[200]
    assert all(name in table for name in full_names) and "started" in table and err == ""
    for text in ("training.lr", "model.hidden", "val_loss", "test_accuracy"):
        assert text in table
    table, err = seen[80]  # names shortened and no start time, but the varying keys and val_loss are all there
    assert "started" not in table and not any(name in table for name in full_names)
    assert all("…" + name[name.rfind("-"):] in table for name in full_names)  # the unique suffix stays
    assert "training.lr" in table and "model.hidden" in table and "val_loss" in table
    assert "test_accuracy" in err and "columns left out to fit 80 characters" in err
    table, err = seen[60]
    assert "val_loss" in table and "started" not in table  # the sort column is the last to go
    assert all("…" + name[name.rfind("-"):] in table for name in full_names)
    assert err.count("\n") == 1 and "left out to fit 60 characters" in err


def test_many_varying_keys_leave_metrics_and_then_keys_out_never_names(sweep, capsys):
    from rich.console import Console

    from nncli.runs.listing import list_runs
    from nncli.runs.table import render_runs

    listing = list_runs(sweep)
    listing.params = listing.params + [f"extra.key{i}" for i in range(12)]  # as many as a mixed root has
    for row in listing.rows:
        row["config"].update({f"extra.key{i}": f"value-{i}" for i in range(12)})
    out = io.StringIO()
    left_out = render_runs(listing, Console(file=out, width=120))
    table = out.getvalue()
    # the metrics but the first go first, then the last keys: named in column order
    assert left_out == ["extra.key3", "extra.key4", "extra.key5", "extra.key6", "extra.key7", "extra.key8",
                        "extra.key9", "extra.key10", "extra.key11", "val_auc", "val_accuracy", "test_loss",
                        "test_auc", "test_accuracy"]
    assert "val_loss" in table and "training.lr" in table
    assert all(row["name"][-5:] in table for row in listing.rows)
    assert max(len(line) for line in table.splitlines()) <= 120
    assert f"{len(left_out)} columns left out" in capsys.readouterr().err
    wide = io.StringIO()
    assert render_runs(listing, Console(file=wide, width=1000)) == []


def test_shorten_keeps_the_unique_suffix():
    from nncli.runs.table import shorten

    assert shorten("circles-20261121-235147-7dbc", 100) == "circles-20261121-235147-7dbc"
    assert shorten("circles-20261121-235147-7dbc", 14) == "circles-…-7dbc"
    assert shorten("grid/circles-lr0.1-20261121-235147-7dbc", 12) == "grid/c…-7dbc"
    assert len(shorten("trials/0003-with-a-long-name", 9)) == 9


def test_running_crashed_and_broken_runs_are_listed_not_fatal(cli, sweep):
    runs = sorted(p for p in sweep.iterdir())
    # still running: this very process
    meta = json.loads((runs[0] / "meta.json").read_text())
    meta.update(status="running", pid=os.getpid())
    (runs[0] / "meta.json").write_text(json.dumps(meta))
    (runs[0] / "summary.json").unlink()
    # crashed: its process has gone
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    meta = json.loads((runs[1] / "meta.json").read_text())
    meta.update(status="running", pid=gone.pid)
    (runs[1] / "meta.json").write_text(json.dumps(meta))
    # broken: unreadable meta, a completed run without summary, one without weights
    (runs[2] / "meta.json").write_text("{not json")
    (runs[3] / "summary.json").unlink()
    empty = sweep / "half-made"
    empty.mkdir()
    (empty / "config.yaml").write_text("name: [unclosed\n")
    rows = {row["path"]: row for row in runs_json(cli, sweep)}
    assert rows[str(runs[0])]["status"] == "running" and rows[str(runs[0])]["problem"] is None
    assert rows[str(runs[1])]["status"] == "crashed"
    assert rows[str(runs[2])]["status"] == "broken" and "meta.json" in rows[str(runs[2])]["problem"]
    assert rows[str(runs[3])]["status"] == "broken" and "summary.json is missing" in rows[str(runs[3])]["problem"]
    assert rows[str(empty)]["status"] == "broken"
    table = cli("runs", sweep, "--sort", "test_auc")
    assert table.exit_code == 0 and "broken" in table.stdout and "problem" in table.stdout


def test_empty_and_missing_roots(cli, tmp_path):
    assert runs_json(cli, tmp_path) == []
    result = cli("runs", tmp_path)
    assert result.exit_code == 0 and "no runs under" in result.stderr
    result = cli("runs", tmp_path / "nowhere")
    assert result.exit_code == 2 and "no such directory" in result.stderr

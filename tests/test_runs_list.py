"""nncli runs: one row per run, differing hyperparameters, sorting, filtering, broken runs;
and many concurrent trainings that never collide."""

import csv
import io
import json
import os
import subprocess
import sys

import pytest
from conftest import ROOT, train_run

TINY = """
data: {dataset: circles, params: {n_samples: 200}}
model: {hidden: [4]}
training: {epochs: 3, lr: 0.01}
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
    assert all(list(row["params"]) == ["training.lr"] for row in listed)


@pytest.fixture
def sweep(cli, write_config, tmp_path):
    """Four finished runs differing in lr and hidden sizes, under tmp_path/runs."""
    config = write_config(TINY)
    root = tmp_path / "runs"
    for extra in (["--set", "training.lr=0.001"], ["--set", "training.lr=0.1"],
                  ["--set", "training.lr=0.01"], ["--set", "model.hidden=[16,16]", "--name", "wide"]):
        train_run(cli, config, root, *extra)
    return root


def test_rows_show_only_the_differing_hyperparameters(cli, sweep):
    rows = runs_json(cli, sweep)
    assert len(rows) == 4
    assert all(set(row["params"]) == {"training.lr", "model.hidden"} for row in rows)
    assert sorted(row["params"]["training.lr"] for row in rows) == [0.001, 0.01, 0.01, 0.1]
    assert all(row["epochs_run"] == 3 and row["started_at"] for row in rows)
    assert all(set(row["metrics"]) == {"test_loss", "test_auc", "test_accuracy"} for row in rows)
    table = cli("runs", sweep)
    assert table.exit_code == 0
    for text in ("name", "status", "started", "epochs_run", "training.lr", "model.hidden", "test_auc", "[16, 16]"):
        assert text in table.stdout


@pytest.mark.parametrize("key, descending", [("test_auc", True), ("test_loss", False),
                                             ("auc", True), ("test_accuracy", True), ("training.lr", False)])
def test_sort(cli, sweep, key, descending):
    rows = runs_json(cli, sweep, "--sort", key)
    full = key if key.startswith(("test_", "training.")) else f"test_{key}"
    values = [row["metrics"][full] if full.startswith("test_") else row["params"][full] for row in rows]
    assert values == sorted(values, reverse=descending)


def test_filter(cli, sweep):
    assert [row["params"] for row in runs_json(cli, sweep, "--filter", "training.lr=0.1")] == [{}]
    wide = runs_json(cli, sweep, "--filter", "model.hidden=[16, 16]")
    assert len(wide) == 1 and wide[0]["name"].startswith("wide-")
    assert len(runs_json(cli, sweep, "--filter", "status=completed", "--filter", "training.lr=0.01")) == 2
    assert runs_json(cli, sweep, "--filter", "data.dataset=moons") == []
    result = cli("runs", sweep, "--filter", "training.lrr=0.1")
    assert result.exit_code == 2 and "did you mean 'training.lr'" in result.stderr
    result = cli("runs", sweep, "--sort", "test_acuracy")
    assert result.exit_code == 2 and "did you mean 'test_accuracy'" in result.stderr


def test_filter_by_name_takes_the_configs_name(cli, sweep):
    wide = runs_json(cli, sweep, "--filter", "name=wide")
    assert len(wide) == 1 and wide[0]["name"].startswith("wide-")
    assert runs_json(cli, sweep, "--filter", f"name={wide[0]['name']}") == wide  # the directory's name too


def test_a_table_too_wide_for_the_terminal_leaves_out_config_keys_not_names(sweep, capsys):
    from rich.console import Console

    from nncli.runs.listing import list_runs, render

    rows, params, metrics = list_runs(sweep)
    params = params + [f"extra.key{i}" for i in range(12)]  # as many varying keys as a mixed root has
    for row in rows:
        row["params"].update({f"extra.key{i}": f"value-{i}" for i in range(12)})
    out = io.StringIO()
    left_out = render(rows, params, metrics, Console(file=out, width=120))
    table = out.getvalue()
    assert left_out and left_out == params[len(params) - len(left_out):]
    assert all(row["name"] in table for row in rows)  # whole names, not "wide-2026..."
    assert "test_accuracy" in table and max(len(line) for line in table.splitlines()) <= 120
    assert f"{len(left_out)} more config keys vary" in capsys.readouterr().err
    wide = io.StringIO()
    assert render(rows, params, metrics, Console(file=wide, width=1000)) == []


def test_csv_output(cli, sweep):
    result = cli("runs", sweep, "--csv", "--sort", "test_loss")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 4
    losses = [float(row["test_loss"]) for row in rows]
    assert losses == sorted(losses)
    assert {"name", "status", "started_at", "epochs_run", "training.lr", "model.hidden"} <= set(rows[0])
    assert cli("runs", sweep, "--csv", "--json").exit_code == 2


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

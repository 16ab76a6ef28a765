"""The csv dataset: string labels kept, paths that resolve from the run directory, clear errors."""

import csv
import io
import json
import shutil

import numpy as np
import pytest
import yaml
from conftest import CONFIGS, train_run
from csv_examples import DATA, EXAMPLES

ANIMALS = """\
data:
  dataset: csv
  path: ../tables/animals.csv
  target: kind
model: {hidden: [8], activation: tanh}
training: {epochs: 30, lr: 0.02}
"""


def animals_csv(n=120):
    """Two features, three string classes (one with a comma, written quoted)."""
    lines = ["size,speed,kind\n"]
    kinds = ["cat", "dog", "sea lion, small"]
    for i in range(n):
        k = i % 3
        lines.append(f"{k * 2 + (i % 5) * 0.1},{(i % 7) - k * 0.5},\"{kinds[k]}\"\n")
    return "".join(lines)


@pytest.fixture
def animals(tmp_path):
    """A config in configs/ whose data is in tables/, next to it."""
    (tmp_path / "tables").mkdir()
    (tmp_path / "tables" / "animals.csv").write_text(animals_csv())
    (tmp_path / "configs").mkdir()
    config = tmp_path / "configs" / "animals.yaml"
    config.write_text(ANIMALS)
    return config


def test_string_labels_train_and_come_back_in_predictions(cli, animals, tmp_path):
    run = train_run(cli, animals, tmp_path / "runs")
    preprocess_classes = np.load(run / "preprocess.npz", allow_pickle=False)["classes"].tolist()
    assert preprocess_classes == ["cat", "dog", "sea lion, small"]
    test_csv = tmp_path / "test.csv"
    assert cli("data", run / "config.yaml", "--split", "test", "-o", test_csv).exit_code == 0
    rows = list(csv.reader(io.StringIO(test_csv.read_text())))
    assert rows[0] == ["size", "speed", "kind"]
    assert {row[2] for row in rows[1:]} == {"cat", "dog", "sea lion, small"}
    result = cli("predict", run, test_csv)
    assert result.exit_code == 0, result.stderr
    out = list(csv.reader(io.StringIO(result.stdout)))
    assert out[0] == ["prediction", "p_cat", "p_dog", "p_sea lion, small"]
    predicted = [row[0] for row in out[1:]]
    assert set(predicted) <= {"cat", "dog", "sea lion, small"}
    accuracy = sum(p == row[2] for p, row in zip(predicted, rows[1:])) / len(predicted)
    summary = json.loads((run / "summary.json").read_text())
    assert accuracy == pytest.approx(summary["test_accuracy"])
    report = json.loads(cli("evaluate", run, "--data", test_csv, "--json").stdout)
    assert report["classes"] == ["cat", "dog", "sea lion, small"]
    assert report["metrics"]["test_accuracy"] == pytest.approx(summary["test_accuracy"])


def test_resolved_config_records_a_path_that_resolves_from_the_run_dir(cli, animals, tmp_path):
    run = train_run(cli, animals, tmp_path / "runs")
    recorded = yaml.safe_load((run / "config.yaml").read_text())["data"]
    assert recorded["task"] == "classification"  # inferred, then recorded
    assert recorded["path"] == "../../tables/animals.csv"
    assert (run / recorded["path"]).resolve() == (tmp_path / "tables" / "animals.csv").resolve()
    # the run's own config finds the data, and so do evaluate and check
    assert cli("data", run / "config.yaml", "--split", "train", "-o", tmp_path / "train.csv").exit_code == 0
    report = json.loads(cli("evaluate", run, "--json").stdout)
    assert report["metrics"]["test_accuracy"] == json.loads((run / "summary.json").read_text())["test_accuracy"]
    # the project moves as a whole: still found
    moved = tmp_path.parent / (tmp_path.name + "-moved")
    shutil.move(tmp_path, moved)
    try:
        assert cli("evaluate", moved / "runs" / run.name, "--json").exit_code == 0
    finally:
        shutil.move(moved, tmp_path)


def test_set_data_path_is_relative_to_the_working_directory(nncli_process, animals, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(tmp_path / "tables" / "animals.csv", elsewhere / "mine.csv")
    result = nncli_process("data", animals, "--set", "data.path=mine.csv", "--split", "test", cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("size,speed,kind\n")


def test_changed_data_file_is_refused_by_evaluate(cli, animals, tmp_path):
    run = train_run(cli, animals, tmp_path / "runs")
    data = tmp_path / "tables" / "animals.csv"
    data.write_text(animals_csv(150))
    result = cli("evaluate", run)
    assert result.exit_code == 2
    assert "changed since the run was trained" in result.stderr


def test_task_inference_and_integer_labels(cli, write_config, tmp_path):
    (tmp_path / "ints.csv").write_text("a,b,y\n" + "".join(f"{i},{i % 4},{i % 2}\n" for i in range(40)))
    (tmp_path / "reals.csv").write_text("a,b,y\n" + "".join(f"{i},{i % 4},{i * 0.37}\n" for i in range(40)))
    for name, task in (("ints", "classification"), ("reals", "regression")):
        config = write_config(f"data: {{dataset: csv, path: {name}.csv, target: y}}\ntraining: {{epochs: 2}}\n",
                              f"{name}.yaml")
        run = train_run(cli, config, tmp_path / "runs")
        assert yaml.safe_load((run / "config.yaml").read_text())["data"]["task"] == task
    out = cli("predict", run, tmp_path / "ints.csv").stdout  # reals run: y column present, ignored
    assert out.startswith("prediction\n")
    ints = next((tmp_path / "runs").glob("ints-*"))
    assert cli("predict", ints, tmp_path / "ints.csv").stdout.splitlines()[0] == "prediction,p_0,p_1"


@pytest.mark.parametrize("data, text, expected", [
    ("{dataset: csv, path: t.csv, target: y}", "a,b,y\n1,2,x\n1,oops,y\n",
     "t.csv line 3, column 'b': 'oops' is not a number"),
    ("{dataset: csv, path: t.csv, target: label}", "a,b,y\n1,2,x\n", "no column 'label' (data.target)"),
    ("{dataset: csv, path: t.csv, target: y, task: regression}", "a,b,y\n1,2,3\n1,2,cat\n",
     "t.csv line 3, column 'y': 'cat' is not a number"),
    ("{dataset: csv, path: t.csv, target: y}", "", "t.csv is empty"),
    ("{dataset: csv, path: t.csv, target: y}", "a,b,y\n", "has a header but no data rows"),
    ("{dataset: csv, path: missing.csv, target: y}", "", "file not found"),
    ("{dataset: csv, target: y}", "", "dataset csv needs data.path"),
    ("{dataset: csv, path: t.csv}", "", "dataset csv needs data.target"),
    ("{dataset: blobs, path: t.csv}", "", "data.path applies only to dataset csv"),
    ("{dataset: csv, path: t.csv, target: y, task: clustering}", "", "data.task must be one of"),
])
def test_bad_csv_datasets(cli, write_config, tmp_path, data, text, expected):
    (tmp_path / "t.csv").write_text(text)
    config = write_config(f"data: {data}\ntraining: {{epochs: 1}}\n")
    result = cli("train", config, "--runs-root", tmp_path / "runs")
    assert result.exit_code == 2
    assert expected in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_csv_files_are_what_the_generator_writes(name):
    assert (DATA / name).read_text() == EXAMPLES[name]()


@pytest.mark.parametrize("config, metric, at_least", [("fruit.yaml", "test_accuracy", 0.85),
                                                      ("houses.yaml", "test_r2", 0.9)])
def test_example_configs_train_on_their_csv(cli, tmp_path, config, metric, at_least):
    run = train_run(cli, CONFIGS / config, tmp_path / "runs")
    summary = json.loads((run / "summary.json").read_text())
    assert summary[metric] >= at_least

"""`nncli config` (resolved YAML, --schema), every problem of a config at once, and the
messages that used to mislead (issue 14, Configs)."""

import json

import pytest
import yaml
from conftest import CONFIGS, train_run

from nncli.config import load_config, validate
from nncli.config.messages import MAX_REPORTED

TINY = "data: {dataset: circles, params: {n_samples: 100}}\nmodel: {hidden: [3]}\noutput: {plots: false}\n"


def _lines(result):
    assert result.exit_code == 2, result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr
    return result.stderr.strip().splitlines()


# --- nncli config CONFIG ---------------------------------------------------------------------

def test_config_prints_what_the_run_directory_records(cli, write_config, tmp_path):
    path = write_config(TINY + "training: {epochs: 1, optimizer: sgd}\n")
    printed = cli("config", path, "--set", "training.lr=0.25", "--set", "model.activation=tanh")
    assert printed.exit_code == 0, printed.stderr
    run = train_run(cli, path, tmp_path / "runs", "--set", "training.lr=0.25", "--set", "model.activation=tanh")
    assert printed.stdout == (run / "config.yaml").read_text()
    resolved = yaml.safe_load(printed.stdout)
    assert resolved["training"]["lr"] == 0.25 and resolved["model"]["activation"] == "tanh"
    assert resolved["training"]["batch_size"] == 32 and resolved["data"]["test_size"] == 0.25  # defaults
    assert "momentum" not in resolved["training"]  # sgd takes no momentum
    assert validate(resolved) == load_config(path, ["training.lr=0.25", "model.activation=tanh"])


def test_config_shows_a_csv_path_absolute(cli, tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "table.csv").write_text("a,b,label\n1,2,x\n3,4,y\n")
    (tmp_path / "c.yaml").write_text("data: {dataset: csv, path: data/table.csv, target: label}\n")
    result = cli("config", tmp_path / "c.yaml")
    assert yaml.safe_load(result.stdout)["data"]["path"] == str(tmp_path / "data" / "table.csv")


def test_a_run_directory_given_as_the_config_names_its_config_and_resume(cli, write_config, tmp_path):
    run = train_run(cli, write_config(TINY + "training: {epochs: 1}\n"), tmp_path / "runs")
    for command in ("config", "train"):
        assert _lines(cli(command, run)) == [
            f"nncli: error: {run}: a config must be a regular file, not a directory (a run directory: its config is "
            f"{run / 'config.yaml'}; nncli train --resume {run} continues the run)"]
    assert cli("config", run / "config.yaml").stdout == (run / "config.yaml").read_text()


def test_config_refuses_what_training_refuses(cli, write_config):
    path = write_config(TINY + "training: {lr: -1}\n")
    assert _lines(cli("config", path)) == [f"nncli: error: {path}:4: training.lr must be greater than 0.0 (got -1)"]


@pytest.mark.parametrize("args, expected", [
    ((), "give a CONFIG file to resolve, or --schema"),
    (("--schema", "x.yaml"), "--schema describes every config"),
    (("--schema", "--set", "seed=1"), "--schema describes every config"),
])
def test_config_usage_errors(cli, args, expected):
    lines = _lines(cli("config", *args))
    assert len(lines) == 1 and expected in lines[0]


# --- nncli config --schema --------------------------------------------------------------------

def _check(instance, schema, root, path="config"):
    """The problems of ``instance`` against ``schema`` (the JSON Schema keywords nncli's schema
    uses), as texts naming where."""
    if "$ref" in schema:
        return _check(instance, root["$defs"][schema["$ref"].rsplit("/", 1)[1]], root, path)
    problems = []
    kind = schema.get("type")
    types = {"object": dict, "array": list, "string": str, "integer": int, "number": (int, float), "boolean": bool,
             "null": type(None)}
    if kind is not None and (not isinstance(instance, types[kind]) or (kind in ("integer", "number")
                                                                       and isinstance(instance, bool))):
        return [f"{path}: not {kind}"]
    if "const" in schema and instance != schema["const"]:
        problems.append(f"{path}: not {schema['const']}")
    if "enum" in schema and instance not in schema["enum"]:
        problems.append(f"{path}: not one of {schema['enum']}")
    for key, test in (("minimum", lambda v, b: v >= b), ("maximum", lambda v, b: v <= b),
                      ("exclusiveMinimum", lambda v, b: v > b), ("exclusiveMaximum", lambda v, b: v < b)):
        if key in schema and not test(instance, schema[key]):
            problems.append(f"{path}: {key} {schema[key]}")
    if "not" in schema and not _check(instance, schema["not"], root, path):
        problems.append(f"{path}: matches what it must not")
    for key in ("anyOf", "oneOf"):
        if key in schema and all(_check(instance, option, root, path) for option in schema[key]):
            problems.append(f"{path}: matches none of {key}")
    for rule in schema.get("allOf", []):
        if "if" in rule and not _check(instance, rule["if"], root, path):
            problems += _check(instance, rule["then"], root, path)
    if isinstance(instance, dict):
        properties = schema.get("properties", {})
        problems += [f"{path}.{key}: required" for key in schema.get("required", []) if key not in instance]
        for key, value in instance.items():
            if key in properties:
                problems += _check(value, properties[key], root, f"{path}.{key}")
            elif schema.get("additionalProperties") is False:
                problems.append(f"{path}.{key}: not allowed")
    if isinstance(instance, list) and "items" in schema:
        for index, item in enumerate(instance):
            problems += _check(item, schema["items"], root, f"{path}[{index}]")
    return problems


@pytest.fixture(scope="module")
def schema():
    from typer.testing import CliRunner

    from nncli.cli import app

    result = CliRunner().invoke(app, ["config", "--schema"])
    assert result.exit_code == 0
    return json.loads(result.stdout)


@pytest.mark.parametrize("name", sorted(path.stem for path in CONFIGS.glob("*.yaml")))
def test_every_example_config_and_its_resolved_form_fit_the_schema(schema, name):
    from nncli.config import resolved_yaml

    raw = yaml.safe_load((CONFIGS / f"{name}.yaml").read_text())
    assert _check(raw, schema, schema) == []
    assert _check(yaml.safe_load(resolved_yaml(load_config(CONFIGS / f"{name}.yaml"))), schema, schema) == []


@pytest.mark.parametrize("raw, expected", [
    ({"data": {"dataset": "circle"}}, "config.data.dataset: not one of"),
    ({"data": {"dataset": "circles"}, "model": {"hiden": [8]}}, "config.model.hiden: not allowed"),
    ({"data": {"dataset": "moons", "params": {"factor": 0.3}}}, "config.data.params.factor: not allowed"),
    ({"data": {"dataset": "circles"}, "training": {"lr": 0}}, "config.training.lr: exclusiveMinimum 0"),
    ({"data": {"dataset": "circles"}, "training": {"batch_size": "half"}}, "config.training.batch_size"),
    ({"data": {"dataset": "circles"}, "training": {"schedule": "cosin"}}, "config.training.schedule"),
    ({"data": {"dataset": "circles"}, "model": {"layers": [{"type": "dense"}]}}, "config.model.layers"),
    ({"seed": 1}, "config.data: required"),
    ({"data": {"val_size": 0.2}}, "config.data.dataset: required"),
])
def test_the_schema_refuses_what_validation_refuses(schema, raw, expected):
    assert any(problem.startswith(expected) for problem in _check(raw, schema, schema)), _check(raw, schema, schema)


def test_the_schema_takes_what_the_loader_takes_before_validation(schema):
    raw = {"base": "common.yaml", "data": {"dataset": "circles"}, "training": {"schedule": "cosine",
                                                                               "batch_size": "full"}}
    assert _check(raw, schema, schema) == []
    assert schema["$schema"].endswith("2020-12/schema") and schema["title"] == "nncli config"
    # a file with a base may leave out what the base gives, data and its dataset included
    for child in ({"base": "common.yaml", "model": {"hidden": [64]}}, {"base": "c.yaml", "data": {"val_size": 0.2}}):
        assert _check(child, schema, schema) == []


def test_every_key_of_every_section_has_a_description_for_the_editor_to_show(schema):
    sections = {"config": schema} | {name: schema["$defs"][name] for name in (
        "DataConfig", "ModelConfig", "TrainingConfig", "EarlyStopping", "OutputConfig")}
    undescribed = [f"{name}.{key}" for name, section in sections.items()
                   for key, value in section["properties"].items() if not value.get("description")]
    assert undescribed == []
    assert "balanced" in schema["$defs"]["TrainingConfig"]["properties"]["class_weight"]["description"]


# --- every problem at once --------------------------------------------------------------------

def test_all_problems_are_reported_each_with_its_line(cli, write_config):
    path = write_config("data: {dataset: circle}\nmodel:\n  hiden: [8]\ntraining: {epochs: 0}\n")
    lines = _lines(cli("train", path, "--runs-root", path.parent / "runs"))
    assert lines == [
        f"nncli: error: {path}:1: data.dataset must be one of blobs, circles, moons, xor, random, digits, ocr, csv "
        "(got 'circle') (did you mean 'circles'?)",
        f"nncli: error: {path}:3: unknown key 'hiden' in model (did you mean 'hidden'?); valid keys: hidden, "
        "activation, init, layers, output, init_from",
        f"nncli: error: {path}:4: training.epochs must be at least 1 (got 0)",
    ]
    assert not (path.parent / "runs").exists()


def test_dataset_params_are_checked_with_the_rest_in_file_order(cli, write_config):
    path = write_config("model: {hiden: [3]}\ndata: {dataset: circles, params: {nois: 1, n_samples: 2}}\n")
    lines = _lines(cli("config", path))
    assert [line.split(": ")[2] for line in lines] == [f"{path}:1", f"{path}:2", f"{path}:2"]
    assert "'hiden'" in lines[0] and "data.params.n_samples must be at least 4" in lines[1] and "'nois'" in lines[2]


def test_many_problems_are_capped_with_a_count_of_the_rest(cli, write_config):
    path = write_config("data: {dataset: circles}\n" + "".join(f"unknown{i}: 1\n" for i in range(15)))
    lines = _lines(cli("config", path))
    assert len(lines) == MAX_REPORTED
    assert lines[0].startswith(f"nncli: error: {path}:2: unknown key 'unknown0'")
    assert lines[-1] == f"nncli: error: {path}: and {15 - MAX_REPORTED + 1} more problems"


def test_a_misspelt_key_is_not_also_reported_missing(cli, write_config):
    lines = _lines(cli("config", write_config("dataa: {dataset: circles}\n")))
    assert len(lines) == 1 and "unknown key 'dataa' (did you mean 'data'?)" in lines[0]


# --- messages that used to mislead ------------------------------------------------------------

@pytest.mark.parametrize("text, extra, expected", [
    (TINY, ("--name", "my run"), "nncli: error: --name may hold only letters, digits, '.', '_' and '-' (got 'my run')"),
    ("data: {dataset: circles, params: {factor: 0.3}}\n", ("--set", "data.dataset=moons"),
     "config.yaml:1: unknown key 'factor' in data.params: factor belongs to dataset circles, and this config uses "
     "moons, which takes n_samples, noise; --set data.params={} starts from the defaults of moons"),
    ("data: {dataset: mnist}\n", (), "must be one of blobs, circles, moons, xor, random, digits, ocr, csv "
     "(got 'mnist')"),
    ("data: {dataset: circles, val_size: 0.2}\ntraining: {early_stopping: {monitor: val_acc}}\n", (),
     "(got 'val_acc') (did you mean 'val_accuracy'?)"),
    (TINY, ("--set", "training.lr=abc"), "nncli: error: --set training.lr: must be a number (got 'abc')"),
    (TINY + "training: {learning_rate: 0.1}\n", (), "unknown key 'learning_rate' in training (did you mean 'lr'?)"),
    (TINY + "training: {num_epochs: 3}\n", (), "unknown key 'num_epochs' in training (did you mean 'epochs'?)"),
    (TINY + "training: {epsilon: 0.1}\n", (), "unknown key 'epsilon' in training (did you mean 'eps'?)"),
    (TINY + "training: {optimizer: adam, beta_1: 0.8}\n", (), "(did you mean 'beta1'?)"),
    ("data: {dataset: circles}\nmodel: {hidden_layer_sizes: [4]}\n", (), "(did you mean 'hidden'?)"),
    ("data: {dataset: circles}\nmodel:\n  layers: [{type: conv2d, filters: 2, kernel_size: 3}]\n", (),
     "(did you mean 'kernel'?)"),
])
def test_messages_say_what_is_wrong_where_it_was_given(cli, write_config, tmp_path, text, extra, expected):
    lines = _lines(cli("train", write_config(text), "--runs-root", tmp_path / "runs", *extra))
    assert len(lines) == 1 and expected in lines[0], lines


def test_the_issues_config_written_flat_gets_both_problems_and_where_each_key_goes(cli, write_config):
    path = write_config("dataset: circle\nhiden: [8]\n")  # issue 14's example, without the sections
    lines = _lines(cli("config", path))
    top = "valid keys: name, seed, data, model, training, output, base"
    assert lines == [f"nncli: error: {path}:1: data is required",
                     f"nncli: error: {path}:1: unknown key 'dataset' (did you mean 'data.dataset'? it goes under "
                     f"data:); {top}",
                     f"nncli: error: {path}:2: unknown key 'hiden' (did you mean 'model.hidden'? it goes under "
                     f"model:); {top}"]


@pytest.mark.parametrize("text, expected", [
    ("training.lr: 0.1\n", "unknown key 'training.lr' (a dotted key is --set's syntax; in a file, nest it: "
                           "training: {lr: ...})"),
    ("epochs: 3\n", "unknown key 'epochs' (did you mean 'training.epochs'? it goes under training:)"),
    ("dataa: {dataset: circles}\n", "unknown key 'dataa' (did you mean 'data'?)"),
    ("bases: other.yaml\n", "unknown key 'bases' (did you mean 'base'?)"),
    ("colour: red\n", "unknown key 'colour'; valid keys:"),
])
def test_an_unknown_top_level_key_says_where_it_belongs(cli, write_config, text, expected):
    lines = _lines(cli("config", write_config("data: {dataset: circles}\n" + text)))
    assert len(lines) == 1 and expected in lines[0], lines


def test_mnist_gets_the_list_not_a_far_guess(cli, write_config):
    line = _lines(cli("config", write_config("data: {dataset: mnist}\n")))[0]
    assert "did you mean" not in line


def test_the_name_option_is_validated_as_a_name(cli, write_config, tmp_path):
    run = train_run(cli, write_config(TINY + "training: {epochs: 1}\n"), tmp_path / "runs", "--name", "named.run-1")
    assert run.name.startswith("named.run-1-")


def test_shell_completion_is_offered(cli):
    result = cli("--help")
    assert result.exit_code == 0
    assert "--install-completion" in result.stdout and "--show-completion" in result.stdout
    assert "config" in result.stdout

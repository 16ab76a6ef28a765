"""Property-based tests: no config, however mangled, produces a traceback, and random
small networks have exact gradients."""

import copy

import numpy as np
import pytest
import yaml
from conftest import CONFIGS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nncli.config import load_config, validate
from nncli.errors import NncliError
from nncli.nn import gradcheck
from nncli.nn.layers import Dense
from nncli.nn.model import Sequential
from nncli.training.prepare import prepare

BASES = [yaml.safe_load(path.read_text()) for path in sorted(CONFIGS.glob("*.yaml"))]
BASES.append({"data": {"dataset": "digits"}, "model": {"layers": [
    {"type": "conv2d", "filters": 2, "kernel": 3}, {"type": "maxpool2d"}, {"type": "flatten"},
    {"type": "residual", "layers": [{"type": "dense", "units": 4}]}]}})
BASES.append({"data": {"dataset": "digits"}, "model": {"layers": [
    {"type": "reshape", "shape": [8, 8]}, {"type": "lstm", "units": 3, "return_sequences": True},
    {"type": "rnn", "units": 2}]}})

KEYS = ["name", "seed", "data", "dataset", "params", "n_samples", "noise", "factor", "centers", "test_size",
        "val_size", "scale", "model", "hidden", "activation", "init", "layers", "output", "type", "units",
        "training", "epochs", "batch_size", "loss", "optimizer", "lr", "momentum", "schedule", "target_auc",
        "early_stopping", "monitor", "patience", "dtype", "filters", "kernel", "shape", "rate", "trainig", "x"]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 300), st.sampled_from([0, 10**12, -(10**9), 2**64]),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8), st.sampled_from(KEYS),
)
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.sampled_from(KEYS), inner, max_size=3)),
                      max_leaves=6)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, prefix + (index,))


@st.composite
def mutated_configs(draw):
    config = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(config) if p]
        if not paths:  # every key was deleted already
            break
        path = draw(st.sampled_from(paths))
        parent = config
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["set", "delete", "rename", "add"]))
        if action == "set":
            parent[path[-1]] = draw(values)
        elif action == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif action == "rename" and isinstance(parent, dict):
            parent[draw(st.sampled_from(KEYS))] = parent.pop(path[-1])
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(KEYS))] = draw(values)
    return config


def _clip_work(config):
    """Keep accepted configs small enough to build quickly (mutations may ask for a lot)."""
    data = config.data
    if "n_samples" in data.params:
        data.params["n_samples"] = min(data.params["n_samples"], 2000)
    if "n_features" in data.params:
        data.params["n_features"] = min(data.params["n_features"], 50)


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(mutated_configs())
def test_mutated_configs_either_work_or_fail_with_a_message(raw):
    try:
        config = validate(copy.deepcopy(raw))
        _clip_work(config)
        dataset, model, head = prepare(config)
    except NncliError as exc:
        lines = getattr(exc, "lines", [str(exc)])  # a config with several problems: one line each
        assert lines and all(line and "\n" not in line and "Traceback" not in line for line in lines)
        return
    batch = dataset.inputs(dataset.train.X[:4], model.dtype)
    assert model.forward(batch).shape[0] == len(batch)


@settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.text(max_size=200))
def test_arbitrary_yaml_text_never_crashes_the_loader(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("yaml") / "config.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        load_config(path)
    except NncliError as exc:
        assert all("\n" not in line for line in getattr(exc, "lines", [str(exc)]))


@settings(max_examples=100, deadline=None, derandomize=True)
@given(
    hidden=st.lists(st.integers(1, 6), min_size=0, max_size=3),
    activation=st.sampled_from(["sigmoid", "tanh", "linear"]),
    head=st.sampled_from([("sigmoid", "bce"), ("softmax", "cross_entropy"), ("linear", "mse"), ("sigmoid", "mse")]),
    outputs=st.integers(1, 4),
    inputs=st.integers(1, 5),
    batch=st.integers(1, 6),
    init=st.sampled_from(["normal", "glorot", "he"]),
    seed=st.integers(0, 2**16),
)
def test_random_small_networks_have_exact_gradients(hidden, activation, head, outputs, inputs, batch, init, seed):
    rng = np.random.default_rng(seed)
    output, loss = head
    if output == "softmax":
        outputs = max(outputs, 2)
    layers = [Dense(units, activation, init) for units in hidden] + [Dense(outputs, output, init)]
    model = Sequential(layers, loss, (inputs,), rng, "float64")
    x = rng.standard_normal((batch, inputs))
    if output == "softmax":
        target = np.eye(outputs)[rng.integers(0, outputs, batch)]
    elif loss == "bce":
        target = rng.integers(0, 2, (batch, outputs)).astype(float)
    else:
        target = rng.random((batch, outputs))
    errors = gradcheck.check_model(model, x, target)
    assert max(errors.values()) < 1e-6, errors


CELLS = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr), st.integers(-5, 5).map(str),
                  st.sampled_from(["", "nan", "inf", "abc", '"1,5"', '"', "1e400", " 2 ", "apple"]),
                  st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=5))
COLUMNS = st.sampled_from(["x0", "x1", "target", "label", "junk", "", "x0 "])


@st.composite
def csv_texts(draw):
    header = draw(st.lists(COLUMNS, min_size=0, max_size=4))
    rows = draw(st.lists(st.lists(CELLS, min_size=0, max_size=5), max_size=8))
    lines = [",".join(header)] + [",".join(row) for row in rows]
    return "\n".join(lines[: draw(st.integers(0, len(lines)))]) + draw(st.sampled_from(["", "\n", "\r\n"]))


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    from typer.testing import CliRunner

    from nncli.cli import app

    root = tmp_path_factory.mktemp("tiny")
    config = root / "tiny.yaml"
    config.write_text("data: {dataset: circles, params: {n_samples: 100}}\nmodel: {hidden: [3]}\n"
                      "training: {epochs: 2}\noutput: {plots: false}\n")
    result = CliRunner().invoke(app, ["train", str(config), "--runs-root", str(root / "runs"), "--quiet"])
    assert result.exit_code == 0, result.stderr
    return result.stdout.strip()


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(text=csv_texts())
def test_random_csv_files_never_crash_predict(tiny_run, tmp_path_factory, text):
    from typer.testing import CliRunner

    from nncli.cli import app

    folder = tmp_path_factory.mktemp("predict")
    source, target = folder / "in.csv", folder / "out.csv"
    source.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["predict", tiny_run, str(source), "-o", str(target)])
    assert result.exit_code in (0, 2), result.stderr
    if result.exit_code == 2:
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
        assert not target.exists()
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(text=csv_texts(), task=st.sampled_from([None, "classification", "regression"]))
def test_random_csv_files_never_crash_the_csv_dataset(tmp_path_factory, text, task):
    folder = tmp_path_factory.mktemp("dataset")
    (folder / "data.csv").write_text(text, encoding="utf-8")
    raw = {"data": {"dataset": "csv", "path": str(folder / "data.csv"), "target": "target"},
           "model": {"hidden": [2]}}
    if task:
        raw["data"]["task"] = task
    try:
        dataset, model, head = prepare(validate(raw))
    except NncliError as exc:
        assert "\n" not in str(exc)
        return
    assert len(dataset.train) > 0 and len(dataset.test) > 0

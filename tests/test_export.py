"""nncli export: the ONNX graph run by onnxruntime gives what ``nncli predict`` gives,
for every layer type; safetensors files hold the weights.npz arrays; bad runs are refused."""

import csv
import json
import re
import sys
import textwrap
from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import pytest
from safetensors import safe_open
from safetensors.numpy import load_file
from typer.testing import CliRunner

from nncli.cli import app

ROOT = Path(__file__).resolve().parent.parent

BLOBS = "data: {dataset: blobs, params: {n_samples: 240, centers: %d, n_features: 3}}\n"
DIGITS = "data: {dataset: digits}\n"

# name -> (config text, or a config file of the repository; extra --set overrides)
CASES = {
    "dense, every activation, binary": (BLOBS % 2 + """
        model:
          layers:
            - {type: dense, units: 6, activation: sigmoid}
            - {type: dense, units: 6, activation: tanh}
            - {type: dense, units: 6, activation: relu}
            - {type: dense, units: 6, activation: leaky_relu}
            - {type: dense, units: 6, activation: linear}
        """, ()),
    "multi-class, scale, shift, activation, dropout": (BLOBS % 3 + """
        model:
          layers:
            - {type: scale}
            - {type: shift}
            - {type: dense, units: 8, activation: linear}
            - {type: activation, activation: tanh}
            - {type: dropout, rate: 0.3}
            - {type: activation, activation: softmax}
        """, ()),
    "several classes with sigmoid outputs (bce)": (BLOBS % 3 + "model: {hidden: [5]}\n", ("training.loss=bce",)),
    "float64 run": (BLOBS % 2 + "model: {hidden: [5], activation: tanh}\n", ("training.dtype=float64",)),
    "conv2d same with stride 2, valid with strides, maxpool, flatten": (DIGITS + """
        model:
          layers:
            - {type: conv2d, filters: 4, kernel: 3, stride: 2, padding: same, activation: relu}
            - {type: conv2d, filters: 3, kernel: [2, 3], stride: [2, 1], padding: valid, activation: tanh}
            - {type: maxpool2d, size: 2, stride: 1}
            - {type: flatten}
        """, ()),
    "conv2d same kernel 5 stride 2 (uneven padding), avgpool, reshape": (DIGITS + """
        model:
          layers:
            - {type: conv2d, filters: 3, kernel: 5, stride: 2, padding: same, activation: leaky_relu}
            - {type: avgpool2d, size: 2}
            - {type: reshape, shape: [2, -1]}
            - {type: dense, units: 4, activation: sigmoid}
        """, ("data.params.n_class=4",)),
    "rnn, every activation, sequences and last state": (DIGITS + """
        model:
          layers:
            - {type: reshape, shape: [8, 8]}
            - {type: rnn, units: 5, activation: relu, return_sequences: true}
            - {type: rnn, units: 5, activation: leaky_relu, return_sequences: true}
            - {type: rnn, units: 5, activation: linear, return_sequences: true}
            - {type: rnn, units: 5, activation: sigmoid, return_sequences: true}
            - {type: rnn, units: 6}
        """, ()),
    "lstm with and without return_sequences": (DIGITS + """
        model:
          layers:
            - {type: reshape, shape: [8, 8]}
            - {type: lstm, units: 6, return_sequences: true}
            - {type: lstm, units: 5}
        """, ()),
    "residual with and without projection": (DIGITS + """
        model:
          layers:
            - {type: conv2d, filters: 3, kernel: 3, activation: relu}
            - {type: residual, layers: [{type: conv2d, filters: 3, kernel: 3, activation: relu}]}
            - {type: residual, layers: [{type: conv2d, filters: 4, kernel: 3, stride: 2}]}
            - {type: residual, layers: [{type: flatten}, {type: dense, units: 12}]}
            - {type: residual, layers: [{type: dense, units: 12}, {type: dropout, rate: 0.2}]}
            - {type: reshape, shape: [3, 4]}
            - {type: residual, layers: [{type: rnn, units: 5, return_sequences: true}]}
        """, ()),
    "regression, several targets": ("""
        data: {dataset: random, params: {n_samples: 200, n_features: 6, n_targets: 3}}
        model: {hidden: [7], activation: tanh}
        """, ()),
    "regression on a CSV": (ROOT / "configs" / "houses.yaml", ()),
    "CSV with string labels": (ROOT / "configs" / "fruit.yaml", ()),
}


def invoke(*args):
    result = CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)
    return result


def ok(*args):
    result = invoke(*args)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    return lines[-1] if lines else None


class Exported:
    """A trained run, its exports, its test split as CSV and ``nncli predict``'s output on it."""

    def __init__(self, name, tmp):
        source, overrides = CASES[name]
        config = source
        if not isinstance(source, Path):
            config = tmp / "config.yaml"
            data, body = source.split("\n", 1)  # the data line, then an indented block
            config.write_text(data + "\n" + textwrap.dedent(body))
        sets = [f"--set={item}" for item in ("training.epochs=3", "output.plots=false", *overrides)]
        self.run = Path(ok("train", config, "--runs-root", tmp / "runs", "--quiet", *sets))
        self.onnx = Path(ok("export", self.run, "--format", "onnx"))
        self.safetensors = Path(ok("export", self.run, "--format", "safetensors"))
        self.rows = tmp / "test.csv"
        ok("data", config, "--split", "test", "-o", self.rows, *sets)
        self.predictions = tmp / "predictions.csv"
        ok("predict", self.run, self.rows, "-o", self.predictions)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    made = {}

    def get(name):
        if name not in made:
            made[name] = Exported(name, tmp_path_factory.mktemp("export"))
        return made[name]

    return get


def read_csv(path):
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def run_onnx(model_path, rows_csv):
    """onnxruntime's outputs on the CSV's feature columns, in the order the model's metadata names."""
    session = onnxruntime.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    metadata = session.get_modelmeta().custom_metadata_map
    header, rows = read_csv(rows_csv)
    columns = [header.index(name) for name in json.loads(metadata["feature_names"])]
    features = np.array([[float(row[c]) for c in columns] for row in rows], dtype=np.float32)
    names = [output.name for output in session.get_outputs()]
    return dict(zip(names, session.run(None, {"features": features}))), metadata


@pytest.mark.parametrize("name", CASES)
def test_onnxruntime_gives_what_predict_gives(exported, name):
    case = exported(name)
    outputs, metadata = run_onnx(case.onnx, case.rows)
    header, rows = read_csv(case.predictions)
    table = np.array([row[1:] if "probabilities" in outputs else row for row in rows], dtype=np.float64)
    assert len(rows) > 10
    if metadata["task"] == "classification":
        classes = [str(c) for c in json.loads(metadata["classes"])]
        assert header == ["prediction"] + [f"p_{c}" for c in classes]
        assert outputs["probabilities"].shape == table.shape
        np.testing.assert_allclose(outputs["probabilities"], table, rtol=0, atol=1e-5)
        assert [classes[i] for i in outputs["class_index"]] == [row[0] for row in rows]
    else:
        assert sorted(outputs) == ["predictions"]
        np.testing.assert_allclose(outputs["predictions"], table, rtol=1e-5, atol=1e-6 * np.abs(table).max())


@pytest.mark.parametrize("name", CASES)
def test_the_graph_passes_the_full_onnx_check(exported, name):
    model = onnx.load(str(exported(name).onnx))
    onnx.checker.check_model(model, full_check=True)
    assert (model.ir_version, model.opset_import[0].version) == (8, 17)
    assert model.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT


@pytest.mark.parametrize("name", ["CSV with string labels", "lstm with and without return_sequences",
                                  "residual with and without projection", "float64 run"])
def test_safetensors_hold_the_weights_and_the_preprocessing(exported, name):
    case = exported(name)
    with np.load(case.run / "weights.npz") as archive:
        weights = {key: archive[key] for key in archive.files}
    tensors = load_file(str(case.safetensors))
    assert sorted(tensors) == sorted(weights)
    for key, value in weights.items():
        assert tensors[key].dtype == value.dtype and np.array_equal(tensors[key], value), key
    with safe_open(str(case.safetensors), framework="numpy") as handle:
        metadata = handle.metadata()
    with np.load(case.run / "preprocess.npz") as pre:
        assert json.loads(metadata["feature_names"]) == pre["feature_names"].tolist()
        assert np.array_equal(json.loads(metadata["mean"]), pre["mean"])
        assert np.array_equal(json.loads(metadata["scale"]), pre["scale"])
        assert json.loads(metadata["input_shape"]) == pre["input_shape"].tolist()
        assert json.loads(metadata["classes"]) == pre["classes"].tolist()
    assert metadata["output_activation"] in ("sigmoid", "softmax")
    assert metadata["nncli_version"]


def test_string_labels_and_feature_names_are_in_the_onnx_metadata(exported):
    _, metadata = run_onnx(exported("CSV with string labels").onnx, exported("CSV with string labels").rows)
    assert sorted(json.loads(metadata["classes"])) == ["apple", "lemon", "orange"]
    assert json.loads(metadata["feature_names"]) == ["weight_g", "diameter_cm", "sugar_brix", "ph"]


def test_output_file_option_and_no_temporary_left(exported, tmp_path):
    case = exported("dense, every activation, binary")
    target = tmp_path / "elsewhere.onnx"
    assert ok("export", case.run, "--format", "onnx", "-o", target) == str(target)
    assert target.read_bytes() == case.onnx.read_bytes()  # the same run gives the same bytes
    assert sorted(p.name for p in tmp_path.iterdir()) == ["elsewhere.onnx"]


def one_line_error(*args):
    result = invoke(*args)
    assert result.exit_code == 2, result.stdout
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("nncli: error: ")
    return result.stderr


def copy_run(run, tmp_path):
    copy = tmp_path / "copy"
    copy.mkdir()
    for item in run.iterdir():
        if item.name.startswith("model."):
            continue
        (copy / item.name).write_bytes(item.read_bytes())
    return copy


def test_unfinished_corrupt_or_missing_runs_are_refused(exported, tmp_path):
    run = copy_run(exported("dense, every activation, binary").run, tmp_path)
    meta = json.loads((run / "meta.json").read_text())
    for status in ("running", "interrupted", "diverged"):
        (run / "meta.json").write_text(json.dumps({**meta, "status": status}))
        assert f"status {status}" in one_line_error("export", run, "--format", "onnx")
    (run / "meta.json").write_text(json.dumps(meta))
    weights = (run / "weights.npz").read_bytes()
    (run / "weights.npz").write_bytes(weights[: len(weights) // 2])
    assert "weights.npz" in one_line_error("export", run, "--format", "safetensors")
    (run / "weights.npz").unlink()
    assert "weights.npz" in one_line_error("export", run, "--format", "onnx")
    (run / "meta.json").write_text("{not json")
    assert "meta.json" in one_line_error("export", run, "--format", "onnx")
    assert "not found" in one_line_error("export", tmp_path / "nowhere", "--format", "onnx")
    assert not list(run.glob("model.*"))


def test_unknown_format_and_missing_package(exported, monkeypatch):
    run = exported("dense, every activation, binary").run
    assert "--format must be one of onnx, safetensors" in one_line_error("export", run, "--format", "tflite")
    monkeypatch.setitem(sys.modules, "onnx", None)  # as if the export extra were not installed
    assert "pip install 'nncli[export]'" in one_line_error("export", run, "--format", "onnx")


def test_the_readme_onnxruntime_recipe_runs_as_written(exported, tmp_path, monkeypatch):
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Using a run elsewhere"):readme.index("**In PyTorch.**")]
    recipe = re.findall(r"^```python\n(.*?)^```", section, flags=re.S | re.M)[0]
    case = exported("CSV with string labels")
    (tmp_path / "model.onnx").write_bytes(case.onnx.read_bytes())
    (tmp_path / "fruit-test.csv").write_bytes(case.rows.read_bytes())
    monkeypatch.chdir(tmp_path)
    names = {}
    exec(recipe, names)
    assert names["labels"].tolist() == [row[0] for row in read_csv(case.predictions)[1]]

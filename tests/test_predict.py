"""nncli predict: same numbers as a forward pass by hand, clear errors, nothing partial left behind."""

import csv
import io

import numpy as np
import pytest

from nncli.data import csv_source
from nncli.training.run import train_from_config

BINARY = """
seed: 3
data: {dataset: blobs, params: {n_samples: 300, centers: 2, n_features: 3}}
model: {hidden: [5, 4], activation: tanh}
training: {epochs: 5, dtype: float64, lr: 0.05}
"""

REGRESSION = """
data: {dataset: random, params: {n_samples: 200, n_features: 4, n_targets: 1}}
model: {hidden: [6], activation: relu}
training: {epochs: 3, dtype: float64}
"""


def _train(tmp_path_factory, text, name):
    directory = tmp_path_factory.mktemp(name)
    config = directory / f"{name}.yaml"
    config.write_text(text)
    run_dir, _ = train_from_config(config, runs_root=directory / "runs")
    return run_dir


@pytest.fixture(scope="module")
def binary_run(tmp_path_factory):
    return _train(tmp_path_factory, BINARY, "binary")


@pytest.fixture(scope="module")
def regression_run(tmp_path_factory):
    return _train(tmp_path_factory, REGRESSION, "regression")


def read_csv(path_or_text):
    text = path_or_text if isinstance(path_or_text, str) else path_or_text.read_text()
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], rows[1:]


def write_rows(path, header, rows):
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def by_hand(run_dir, X, activation):
    """The network's output computed from weights.npz and preprocess.npz alone."""
    weights = np.load(run_dir / "weights.npz", allow_pickle=False)
    pre = np.load(run_dir / "preprocess.npz", allow_pickle=False)
    h = (X - pre["mean"]) / pre["scale"]
    n_layers = len(weights.files) // 2
    for i in range(n_layers):
        h = h @ weights[f"{i}.weight"].T + weights[f"{i}.bias"]
        if i < n_layers - 1:
            h = activation(h)
    return h


def test_probabilities_equal_a_forward_pass_by_hand(cli, binary_run, tmp_path):
    test_csv = tmp_path / "test.csv"
    assert cli("data", binary_run / "config.yaml", "--split", "test", "-o", test_csv).exit_code == 0
    header, rows = read_csv(test_csv)
    assert header == ["x0", "x1", "x2", "target"]
    # only the features, in another order: columns are matched by name
    order = [2, 0, 1]
    features = write_rows(tmp_path / "features.csv", [header[i] for i in order],
                          [[row[i] for i in order] for row in rows])
    result = cli("predict", binary_run, features, "-o", tmp_path / "out.csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    out_header, out_rows = read_csv(tmp_path / "out.csv")
    assert out_header == ["prediction", "p_0", "p_1"]
    assert len(out_rows) == len(rows)

    X = np.array([[float(v) for v in row[:3]] for row in rows])
    logits = by_hand(binary_run, X, np.tanh)[:, 0]
    p1 = 1.0 / (1.0 + np.exp(-logits))
    got = np.array([[float(v) for v in row[1:]] for row in out_rows])
    np.testing.assert_allclose(got[:, 1], p1, rtol=0, atol=1e-12)
    np.testing.assert_allclose(got[:, 0], 1 - p1, rtol=0, atol=1e-12)
    assert [row[0] for row in out_rows] == [str(int(p > 0.5)) for p in p1]


def test_regression_values_and_the_target_column_is_ignored(cli, regression_run, tmp_path):
    test_csv = tmp_path / "test.csv"
    cli("data", regression_run / "config.yaml", "--split", "test", "-o", test_csv)
    header, rows = read_csv(test_csv)
    assert header[-1] == "target"
    result = cli("predict", regression_run, test_csv)  # with its target column; output to stdout
    assert result.exit_code == 0, result.stderr
    out_header, out_rows = read_csv(result.stdout)
    assert out_header == ["prediction"]
    X = np.array([[float(v) for v in row[:-1]] for row in rows])
    expected = by_hand(regression_run, X, lambda z: np.maximum(z, 0))[:, 0]
    np.testing.assert_allclose([float(row[0]) for row in out_rows], expected, rtol=0, atol=1e-12)


def test_stdin_to_stdout(cli, binary_run):
    text = "x1,x0,x2\n0.5,-1,2\n\n3,0.25,-0.5\n"  # a blank line is skipped
    result = cli("predict", binary_run, "-", input=text)
    assert result.exit_code == 0, result.stderr
    header, rows = read_csv(result.stdout)
    assert header == ["prediction", "p_0", "p_1"] and len(rows) == 2


def test_quoted_cells_and_crlf_line_ends(cli, binary_run, tmp_path):
    path = tmp_path / "in.csv"
    path.write_bytes(b'"x0","x1","x2"\r\n"1.5",2,3\r\n4,"5",6\r\n')
    result = cli("predict", binary_run, path)
    assert result.exit_code == 0, result.stderr
    assert len(read_csv(result.stdout)[1]) == 2


def _features(n):
    return "x0,x1,x2\n" + "".join(f"{i * 0.1},{-i * 0.2},{i % 7}\n" for i in range(n))


@pytest.mark.parametrize("name, text, expected", [
    ("missing", "x0,x1\n1,2\n", "missing column 'x2'"),
    ("extra", "x0,x1,x2,colour\n1,2,3,4\n", "unknown column 'colour'"),
    ("non-numeric line 7", _features(5) + "1,abc,3\n", "line 7, column 'x1': 'abc' is not a number"),
    ("empty file", "", "is empty"),
    ("header only", "x0,x1,x2\n", "has a header but no data rows"),
    ("empty cell", _features(2) + "1,,3\n", "line 4, column 'x1': empty cell"),
    ("nan", _features(2) + "nan,1,3\n", "line 4, column 'x0': NaN is not allowed"),
    ("infinite", _features(2) + "1,-inf,3\n", "line 4, column 'x1': '-inf' is infinite"),
    ("short row", _features(2) + "1,2\n", "line 4: 2 cells, but the header has 3 columns"),
    ("long row", _features(2) + "1,2,3,4\n", "line 4: 4 cells, but the header has 3 columns"),
    ("no header", "1,2,3\n4,5,6\n", "needs a header line"),
    ("duplicate column", "x0,x0,x2\n1,2,3\n", "column 'x0' appears twice"),
])
def test_bad_input_is_one_line_exit_2_and_no_output(cli, binary_run, tmp_path, name, text, expected):
    source = tmp_path / "in.csv"
    source.write_text(text)
    out = tmp_path / "out.csv"
    result = cli("predict", binary_run, source, "-o", out)
    assert result.exit_code == 2
    assert expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]  # no temporary file either


def test_error_deep_in_a_large_file_keeps_an_existing_output(cli, binary_run, tmp_path, monkeypatch):
    monkeypatch.setattr(csv_source, "READ_BYTES", 256)  # many chunks: line numbers must carry over
    source = tmp_path / "in.csv"
    source.write_text(_features(2000) + "1,2,oops\n" + _features(10).split("\n", 1)[1])
    out = tmp_path / "out.csv"
    out.write_text("old\n")
    result = cli("predict", binary_run, source, "-o", out)
    assert result.exit_code == 2
    assert "line 2002, column 'x2': 'oops' is not a number" in result.stderr
    assert out.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out.csv"]


def test_chunked_output_equals_one_chunk(cli, binary_run, tmp_path, monkeypatch):
    source = tmp_path / "in.csv"
    source.write_text(_features(3000))
    whole = cli("predict", binary_run, source).stdout
    monkeypatch.setattr(csv_source, "READ_BYTES", 100)
    chunked = cli("predict", binary_run, source).stdout
    assert chunked == whole and len(whole.splitlines()) == 3001


def test_unwritable_output_and_missing_run(cli, binary_run, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text(_features(3))
    result = cli("predict", binary_run, source, "-o", tmp_path / "no-such-dir" / "out.csv")
    assert result.exit_code == 2 and "cannot write" in result.stderr
    result = cli("predict", tmp_path / "nowhere", source)
    assert result.exit_code == 2 and "run directory not found" in result.stderr
    result = cli("predict", binary_run, tmp_path / "missing.csv")
    assert result.exit_code == 2 and "file not found" in result.stderr

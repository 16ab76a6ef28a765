"""predict --keep (columns copied to join predictions back) and --delimiter (also evaluate --data);
a file separated by something else than commas is named as such."""

import csv
import io

import numpy as np
import pytest

from nncli.training.run import train_from_config

BINARY = """
seed: 3
data: {dataset: blobs, params: {n_samples: 120, centers: 2, n_features: 3}}
model: {hidden: [4], activation: tanh}
training: {epochs: 2, dtype: float64}
"""


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("options")
    config = directory / "binary.yaml"
    config.write_text(BINARY)
    return train_from_config(config, runs_root=directory / "runs")[0]


def rows_of(text):
    return list(csv.reader(io.StringIO(text)))


def features(separator=","):
    rows = [["id", "x0", "x1", "x2", "note"]]
    rows += [[f"r{i}", f"{i * 0.5}", f"{-i}", f"{i % 3}", ["plain", "with, comma", 'say "hi"', ""][i % 4]]
             for i in range(8)]
    return rows, "".join(separator.join(_quote(cell, separator) for cell in row) + "\n" for row in rows)


def _quote(cell, separator):
    return f'"{cell.replace(chr(34), chr(34) * 2)}"' if separator in cell or '"' in cell else cell


def test_keep_copies_columns_in_front_of_the_predictions(cli, run_dir, tmp_path):
    rows, text = features()
    source = tmp_path / "in.csv"
    source.write_text(text)
    kept = rows_of(cli("predict", run_dir, source, "--keep", "id", "--keep", "note").stdout)
    assert kept[0] == ["id", "note", "prediction", "p_0", "p_1"]
    assert [row[:2] for row in kept[1:]] == [[row[0], row[4]] for row in rows[1:]]
    # the predictions are those of a file without the kept columns
    bare = tmp_path / "bare.csv"
    bare.write_text("".join(",".join(row[1:4]) + "\n" for row in rows))
    expected = rows_of(cli("predict", run_dir, bare).stdout)
    assert [row[2:] for row in kept] == expected


def test_keep_a_feature_column_and_keep_errors(cli, run_dir, tmp_path):
    rows, text = features()
    source = tmp_path / "in.csv"
    source.write_text(text)
    result = cli("predict", run_dir, source, "--keep", "x1", "--keep", "id", "--keep", "note")
    assert result.exit_code == 0, result.stderr
    out = rows_of(result.stdout)
    assert out[0][:3] == ["x1", "id", "note"] and [row[0] for row in out[1:]] == [row[2] for row in rows[1:]]
    missing = cli("predict", run_dir, source, "--keep", "key")
    assert missing.exit_code == 2
    assert "in.csv: no column 'key' to keep (--keep); the columns are 'id', 'x0', 'x1', 'x2', 'note'" in missing.stderr
    clash = cli("predict", run_dir, source, "--keep", "prediction")
    assert clash.exit_code == 2 and "--keep 'prediction': the output already has a column" in clash.stderr
    # without --keep, an unknown column is still an error
    unknown = cli("predict", run_dir, source, "--keep", "id")
    assert unknown.exit_code == 2 and "unknown column 'note'" in unknown.stderr


@pytest.mark.parametrize("separator, option, looks", [(";", "';'", ";"), ("\t", "tab", "tab"), ("|", "'|'", "|")])
def test_another_delimiter_is_named_and_then_read(cli, run_dir, tmp_path, separator, option, looks):
    rows, text = features(separator)
    source = tmp_path / "in.csv"
    source.write_text(text)
    comma = tmp_path / "comma.csv"
    comma.write_text(features()[1])
    result = cli("predict", run_dir, source, "--keep", "id", "--keep", "note")
    assert result.exit_code == 2
    assert result.stderr.strip().endswith(
        f"in.csv: the file is not comma-separated (it looks {looks}-separated): use --delimiter {option}")
    given = "\t" if option == "tab" else option.strip("'")
    for value in {given, option.strip("'")}:
        read = cli("predict", run_dir, source, "--keep", "id", "--keep", "note", "--delimiter", value)
        assert read.exit_code == 0, read.stderr
        assert read.stdout == cli("predict", run_dir, comma, "--keep", "id", "--keep", "note").stdout


def test_evaluate_data_with_a_delimiter(cli, run_dir, tmp_path):
    test_csv = tmp_path / "test.csv"
    assert cli("data", run_dir / "config.yaml", "--split", "test", "-o", test_csv).exit_code == 0
    semicolons = tmp_path / "test-semicolon.csv"
    semicolons.write_text(test_csv.read_text().replace(",", ";"))
    refused = cli("evaluate", run_dir, "--data", semicolons)
    assert refused.exit_code == 2 and "use --delimiter ';'" in refused.stderr
    expected = cli("evaluate", run_dir, "--data", test_csv, "--json").stdout
    result = cli("evaluate", run_dir, "--data", semicolons, "--delimiter", ";", "--json")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.replace("test-semicolon.csv", "test.csv") == expected


@pytest.mark.parametrize("value", ["", ";;", '"', "a", "7", "."])
def test_a_bad_delimiter_is_a_usage_error(cli, run_dir, tmp_path, value):
    source = tmp_path / "in.csv"
    source.write_text(features()[1])
    result = cli("predict", run_dir, source, "--delimiter", value)
    assert result.exit_code == 2 and "--delimiter" in result.stderr and "give one character" in result.stderr


def test_float32_predictions_do_not_depend_on_the_reader_blocks(cli, tmp_path, monkeypatch):
    """Rows meet the network in batches counted from the first row, so the output equals one
    in-memory forward pass whatever the block sizes (float32 products differ with the batch)."""
    from nncli.data import csv_source
    from nncli.predict import BATCH_ROWS, Predictor
    from nncli.runs.load import load_model

    config = tmp_path / "wide.yaml"
    config.write_text("data: {dataset: blobs, params: {n_samples: 200, centers: 2, n_features: 64}}\n"
                      "model: {hidden: [32]}\ntraining: {epochs: 2, dtype: float32}\noutput: {plots: false}\n")
    run = train_from_config(config, runs_root=tmp_path / "runs")[0]
    rng = np.random.default_rng(5)
    X = rng.standard_normal((2 * BATCH_ROWS + 500, 64))
    source = tmp_path / "in.csv"
    source.write_text(",".join(f"x{i}" for i in range(64)) + "\n" + "".join(",".join(map(repr, row)) + "\n"
                                                                       for row in X.tolist()))
    predictor = Predictor(load_model(run))
    expected = predictor.header_line() + predictor.lines(X)
    outputs = set()
    for block in (3000, 70_000, 1 << 22):
        monkeypatch.setattr(csv_source, "READ_BYTES", block)
        result = cli("predict", run, source)
        assert result.exit_code == 0, result.stderr
        outputs.add(result.stdout)
    assert outputs == {expected}

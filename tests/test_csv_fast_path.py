"""The CSV reader's two paths (pyarrow for large clean blocks, NumPy line by line for the rest)
read the same numbers, bit for bit as ``float()`` reads them, and name the same bad cell."""

import hashlib

import numpy as np
import pytest

from nncli.data import csv_arrow, csv_source, table
from nncli.data.cells import finite_numbers, is_number
from nncli.data.csv import fingerprint, fingerprint_soon, load_csv
from nncli.data.pipeline import std_rows
from nncli.errors import DataError


@pytest.fixture(params=["pyarrow-file", "pyarrow-blocks", "numpy"])
def path(request, monkeypatch):
    """Which parser reads the file: pyarrow on the whole file at once, pyarrow block by block
    (counting the blocks it parsed), or NumPy line by line."""
    parsed = []
    if request.param.startswith("pyarrow"):
        pytest.importorskip("pyarrow")
        monkeypatch.setattr(csv_arrow, "ARROW_MIN_BYTES", 0)
        whole = request.param == "pyarrow-file"
        monkeypatch.setattr(csv_arrow, "WHOLE_FILES", whole)
        monkeypatch.setattr(csv_arrow, "SEGMENT_BYTES", 4096)  # the file in many calls
        spied = csv_arrow._parse_file if whole else csv_arrow.parse_block

        def spy(*args):
            result = spied(*args)
            parsed.append(result is not None)
            return result

        monkeypatch.setattr(*((csv_arrow, "_parse_file") if whole else (table, "parse_block")), spy)
    else:
        monkeypatch.setattr(csv_arrow, "ARROW_MIN_BYTES", 1 << 62)
    monkeypatch.setattr(csv_source, "READ_BYTES", 2048)  # many blocks
    return request.param, parsed


def read_fast(path, blocks):
    """Whether pyarrow read it all: the whole file in one call, or at least ``blocks`` blocks."""
    name, parsed = path
    return all(parsed) and len(parsed) >= (1 if name == "pyarrow-file" else blocks)


def test_numbers_are_read_exactly_as_float_reads_them(tmp_path, path):
    rng = np.random.default_rng(7)
    values = (rng.standard_normal(900) * 10.0 ** rng.integers(-300, 300, 900)).tolist()
    cells = [repr(v) for v in values] + ["5e-324", "2.2250738585072014e-308", "1.7976931348623157e308",
                                         " 1.5 ", "+3", ".5", "1.", "1E5", "-0", "0.1", "123456789012345678901"]
    cells += [f"{v:.7g}" for v in values[:90]]
    cells = cells[: len(cells) // 3 * 3]
    source = tmp_path / "numbers.csv"
    source.write_text("a,b,c\n" + "".join(",".join(cells[i:i + 3]) + "\n" for i in range(0, len(cells), 3)))
    with table.Table(source) as reader:
        chunk = reader.read(["c", "a", "b"])
    expected = np.array([float(cell) for cell in cells]).reshape(-1, 3)[:, [2, 0, 1]]
    assert chunk.numbers.tobytes() == expected.tobytes()
    assert chunk.lines.tolist() == list(range(2, 2 + len(expected)))
    assert path[0] == "numpy" or read_fast(path, 11)


def test_labels_and_numbers_of_a_dataset_are_the_same_on_both_paths(tmp_path, path):
    kinds = ["cat", "dog", "sea-lion"]
    source = tmp_path / "animals.csv"
    source.write_text("size,kind,speed\n" + "".join(f"{i * 0.37:.17g},{kinds[i % 3]},{-i / 7!r}\n"
                                                      for i in range(900)))
    raw = load_csv(None, 0, source, "kind")
    assert raw.y.tolist() == [kinds[i % 3] for i in range(900)]
    assert raw.X.tobytes() == np.array([[i * 0.37, -i / 7] for i in range(900)]).tobytes()
    assert path[0] == "numpy" or read_fast(path, 6)


@pytest.mark.parametrize("bad, message", [
    ("1,abc,3", "line 702, column 'b': 'abc' is not a number"),
    ("1,nan,3", "line 702, column 'b': NaN is not allowed"),
    ("1,2", "line 702: 2 cells, but the header has 3 columns"),
    ("1,2,3,4", "line 702: 4 cells, but the header has 3 columns"),
    ("1,,3", "line 702, column 'b': empty cell"),
    ("   ", None),  # a blank line is skipped
    ("", None),
])
def test_a_bad_cell_deep_in_a_file_is_named_on_both_paths(tmp_path, path, bad, message):
    source = tmp_path / "in.csv"
    rows = [f"{i},{i / 3!r},{-i}" for i in range(1000)]
    rows[700] = bad
    source.write_text("a,b,c\n" + "\n".join(rows) + "\n")
    with table.Table(source) as reader:
        if message is None:
            assert len(reader.read(["a", "b", "c"])) == 999
            return
        with pytest.raises(DataError) as error:
            reader.read(["a", "b", "c"])
    assert str(error.value).endswith("in.csv " + message)


@pytest.mark.parametrize("cells", [
    ["1", " 2 ", "-0", "1e3", "0.1", "+.5", "123456789012345678901", "5e-324"],
    ["1", "", "3"], ["1", "x"], ["1", "nan"], ["1", "-inf"], ["1_0"], ["1,2"], ['"1"'], ["   "], [],
])
def test_a_column_of_cells_is_read_at_once_by_the_cell_rule(cells):
    """``finite_numbers`` (NumPy at once) answers as ``is_number`` and ``float()`` cell by cell."""
    values = finite_numbers(np.array(cells, dtype=str))
    assert (values is not None) == all(is_number(cell) for cell in cells)
    if values is not None:
        assert values.tobytes() == np.array([float(cell) for cell in cells], dtype=np.float64).tobytes()


def test_a_numeric_target_infers_regression_and_reads_the_same_numbers(tmp_path):
    source = tmp_path / "prices.csv"
    prices = [i * 0.731 - 50 for i in range(3000)]
    source.write_text("size,price\n" + "".join(f"{i % 17},{p!r}\n" for i, p in enumerate(prices)))
    raw = load_csv(None, 0, source, "price")
    assert raw.task == "regression" and raw.y.tobytes() == np.array(prices).tobytes()
    source.write_text("size,kind\n" + "".join(f"{i % 17},{i % 3}.0\n" for i in range(3000)))
    raw = load_csv(None, 0, source, "kind")
    assert raw.task == "classification" and raw.y.dtype == np.int64 and sorted(set(raw.y.tolist())) == [0, 1, 2]


@pytest.mark.parametrize("task", ["regression", None])
def test_a_regression_target_read_with_the_features_is_the_same_on_every_path(tmp_path, path, task):
    source = tmp_path / "prices.csv"
    rows = [(i * 0.37, -i / 7, i * 0.731 - 50) for i in range(900)]
    source.write_text("size,speed,price\n" + "".join(f"{a!r},{b!r},{p!r}\n" for a, b, p in rows))
    raw = load_csv(None, 0, source, "price", task)
    assert raw.task == "regression"
    assert raw.X.tobytes() == np.array([r[:2] for r in rows]).tobytes()
    assert raw.y.tobytes() == np.array([r[2] for r in rows]).tobytes()
    assert path[0] == "numpy" or read_fast(path, 6)


@pytest.mark.parametrize("bad, later, message", [
    ("1,2,x", "1,2,3", "line 702, column 'price': 'x' is not a number"),
    # the features are checked through the whole file before the target, as before
    ("1,2,x", "1,z,3", "line 802, column 'speed': 'z' is not a number"),
    ("1,y,x", "1,2,3", "line 702, column 'speed': 'y' is not a number"),
    ('1,2,"3"', "1,2,3", None),  # quoted: read exactly, the same number
])
def test_a_bad_regression_target_is_named_as_before(tmp_path, path, bad, later, message):
    source = tmp_path / "in.csv"
    rows = [f"{i},{i / 3!r},{-i}" for i in range(1000)]
    rows[700], rows[800] = bad, later
    source.write_text("size,speed,price\n" + "\n".join(rows) + "\n")
    if message is None:
        assert load_csv(None, 0, source, "price", "regression").y[700] == 3.0
        return
    with pytest.raises(DataError) as error:
        load_csv(None, 0, source, "price", "regression")
    assert str(error.value).endswith("in.csv " + message)


@pytest.mark.parametrize("content, message", [
    (b"a,b\n1,yes\n2,n\x00o\n", "in.csv line 3: a NUL byte: this is binary data, not CSV text"),
    (b"a,b\n1,yes\n2,\xffno\n", "in.csv line 3: not UTF-8 text (byte 3 of the line); save the file as UTF-8"),
])
def test_bytes_the_exact_path_refuses_are_refused_from_a_whole_file(tmp_path, path, content, message):
    source = tmp_path / "in.csv"
    source.write_bytes(content)
    with pytest.raises(DataError) as error:
        load_csv(None, 0, source, "b")
    assert str(error.value).endswith(message)


def test_the_scaler_is_numpys_to_the_bit_without_its_temporary():
    rng = np.random.default_rng(3)
    for n, f in [(8193, 3), (30000, 7), (8192 * 3, 5), (20001, 65)]:
        A = rng.standard_normal((n, f)) * 10.0 ** rng.integers(-5, 8, f) + rng.integers(-1000, 1000, f)
        for X in (A, A[:, :-1], A[::2]):
            assert std_rows(X, X.mean(axis=0)).tobytes() == X.std(axis=0).tobytes()


def test_a_fingerprint_taken_while_training_reads_is_the_files_sha256(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("a,b\n" + "".join(f"{i},{i % 2}\n" for i in range(5000)))
    fingerprint_soon(source)
    load_csv(None, 0, source, "b")
    assert fingerprint(source) == hashlib.sha256(source.read_bytes()).hexdigest()
    source.write_text("a,b\n1,0\n2,1\n")
    assert fingerprint(source) == hashlib.sha256(source.read_bytes()).hexdigest()


def test_splitting_a_loaders_rows_in_place_gives_the_same_splits(tmp_path):
    from nncli.config import validate
    from nncli.data.pipeline import build_dataset
    from nncli.data.raw import RawData

    rng = np.random.default_rng(5)
    X = rng.standard_normal((20001, 5))
    y = (X[:, 0] > 0).astype(np.int64)
    data = validate({"data": {"dataset": "csv", "path": "x.csv", "target": "t", "val_size": 0.1}}).data
    copied = build_dataset(RawData(X.copy(), y, list("abcde"), "classification"), data, 0)
    in_place = build_dataset(RawData(X.copy(), y, list("abcde"), "classification", owned=True), data, 0)
    for name in ("train", "val", "test"):
        a, b = getattr(copied, name), getattr(in_place, name)
        assert a.X.tobytes() == b.X.tobytes() and a.y.tobytes() == b.y.tobytes()
    assert copied.scale.tobytes() == in_place.scale.tobytes()


@pytest.mark.parametrize("ending", ["\r", "\r\n", "\n"])
def test_a_header_ended_by_any_line_break_keeps_every_row(tmp_path, path, ending):
    source = tmp_path / "in.csv"
    source.write_bytes(f"x,y{ending}1,0\n".encode() + "".join(f"{i},{i % 2}\n" for i in range(2, 900)).encode())
    raw = load_csv(None, 0, source, "y", "regression")
    assert raw.X[:, 0].tolist() == [1.0] + [float(i) for i in range(2, 900)]

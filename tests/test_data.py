"""Datasets: deterministic given the seed, stratified splits, scaling fitted on train only."""

import csv
import io

import numpy as np
import pytest

from nncli.config import validate
from nncli.data.pipeline import load_dataset
from nncli.data.registry import DATASETS


def _dataset(name, seed=0, **data):
    config = validate({"seed": seed, "data": {"dataset": name, **data}})
    return load_dataset(config.data, config.seed)


@pytest.mark.parametrize("name", sorted(n for n, spec in DATASETS.items() if not spec.from_file))
def test_same_seed_same_data_different_seed_different_data(name):
    small = {"params": {"variants": 2}} if name == "ocr" else {}
    a, b, c = _dataset(name, 1, **small), _dataset(name, 1, **small), _dataset(name, 2, **small)
    for part in ("train", "test"):
        np.testing.assert_array_equal(getattr(a, part).X, getattr(b, part).X)
        np.testing.assert_array_equal(getattr(a, part).y, getattr(b, part).y)
    assert not np.array_equal(a.train.X, c.train.X)


@pytest.mark.parametrize("name", ["blobs", "circles", "moons", "xor"])
def test_two_dimensional_generators(name):
    data = _dataset(name, params={"n_samples": 400})
    assert data.feature_names == ["x0", "x1"]
    assert data.train.X.shape == (300, 2) and data.test.X.shape == (100, 2)
    assert list(data.classes) == [0, 1]


def test_split_sizes_are_stratified_and_disjoint():
    data = _dataset("digits", test_size=0.25, val_size=0.2)
    n = len(data.train) + len(data.val) + len(data.test)
    assert n == 1797
    assert len(data.test) == round(0.25 * 1797) or abs(len(data.test) - 0.25 * 1797) < 1
    for part in (data.train, data.val, data.test):
        share = np.bincount(part.y, minlength=10) / len(part)
        assert np.all(np.abs(share - 0.1) < 0.03)


def test_splits_do_not_share_samples():
    data = _dataset("moons", val_size=0.2)  # continuous features: every row is unique
    parts = [{tuple(x) for x in part.X} for part in (data.train, data.val, data.test)]
    assert sum(map(len, parts)) == 1000
    assert not (parts[0] & parts[1] or parts[0] & parts[2] or parts[1] & parts[2])


def test_val_is_carved_out_of_train_only():
    without = _dataset("circles", test_size=0.25)
    with_val = _dataset("circles", test_size=0.25, val_size=0.2)
    np.testing.assert_array_equal(without.test.X, with_val.test.X)
    assert len(with_val.train) + len(with_val.val) == len(without.train)


def test_scaling_is_fitted_on_train_only():
    data = _dataset("blobs")
    np.testing.assert_allclose(data.mean, data.train.X.mean(axis=0))
    np.testing.assert_allclose(data.scale, data.train.X.std(axis=0))
    scaled = data.inputs(data.train.X, np.float64)
    np.testing.assert_allclose(scaled.mean(axis=0), 0, atol=1e-12)
    assert not np.allclose(data.inputs(data.test.X, np.float64).mean(axis=0), 0, atol=1e-12)
    minmax = _dataset("blobs", scale="minmax").inputs(data.train.X, np.float64)
    assert minmax.min() == 0 and minmax.max() == 1
    none = _dataset("blobs", scale="none")
    np.testing.assert_array_equal(none.inputs(none.train.X, np.float64), none.train.X)


def test_constant_features_are_not_divided_by_zero():
    data = _dataset("digits")
    assert np.all(data.scale > 0)
    assert np.all(np.isfinite(data.inputs(data.test.X, np.float32)))
    assert data.input_shape == (1, 8, 8)
    assert data.inputs(data.test.X, np.float32).shape == (len(data.test), 1, 8, 8)


def test_random_regression_shapes():
    data = _dataset("random", params={"n_samples": 200, "n_features": 20, "n_targets": 3})
    assert data.task == "regression" and data.classes is None
    assert data.train.X.shape == (150, 20) and data.train.y.shape == (150, 3)
    assert data.target_names == ["target0", "target1", "target2"]


def test_data_command_writes_the_raw_split(cli, write_config, tmp_path):
    path = write_config("data: {dataset: circles, params: {n_samples: 200}}\n")
    out = tmp_path / "test.csv"
    result = cli("data", path, "--split", "test", "-o", out)
    assert result.exit_code == 0, result.stderr
    rows = list(csv.reader(out.open()))
    assert rows[0] == ["x0", "x1", "target"]
    table = np.array(rows[1:], dtype=float)
    expected = _dataset("circles", params={"n_samples": 200}).test
    np.testing.assert_array_equal(table[:, :2], expected.X)
    np.testing.assert_array_equal(table[:, 2], expected.y)
    stdout = cli("data", path, "--split", "train").stdout
    assert list(csv.reader(io.StringIO(stdout)))[0] == ["x0", "x1", "target"]


def test_data_command_refuses_a_missing_split(cli, write_config):
    path = write_config("data: {dataset: circles}\n")
    result = cli("data", path, "--split", "val")
    assert result.exit_code == 2 and "val_size" in result.stderr
    result = cli("data", path, "--split", "everything")
    assert result.exit_code == 2 and "--split" in result.stderr


@pytest.mark.parametrize("layout", ["F", "C", "strided"])
def test_an_owned_table_splits_and_scales_as_a_copied_one(layout):
    """Splitting in place must give what splitting a copy gives, bit for bit, whatever the
    layout of the loader's array (a column-major one once changed the scaler's last bits),
    and must leave a test part that is a view of the rows intact (a fixed test split)."""
    from nncli.config import validate
    from nncli.data.pipeline import build_dataset
    from nncli.data.raw import RawData

    rng = np.random.default_rng(3)
    full = rng.normal(size=(400, 6)) * 1e3 + 7
    mask = np.zeros(400, dtype=bool)
    mask[:100] = True  # contiguous: the test part is a view of X

    def made():
        if layout == "F":
            return np.asfortranarray(full[:, :5])
        if layout == "strided":
            return full.copy()[:, :5]
        return full[:, :5].copy()

    y = np.arange(400) % 2
    config = validate({"data": {"dataset": "circles", "val_size": 0.2}}).data
    datasets = [build_dataset(RawData(made(), y, [f"f{i}" for i in range(5)], "classification", test_mask=mask,
                                      owned=owned), config, 0) for owned in (False, True)]
    copied, in_place = datasets
    for name in ("train", "val", "test"):
        assert np.array_equal(getattr(copied, name).X, getattr(in_place, name).X), name
    assert np.array_equal(copied.mean, in_place.mean) and np.array_equal(copied.scale, in_place.scale)

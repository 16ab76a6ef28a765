"""nncli's own blobs, circles, moons and train/test split equal scikit-learn's, bit for bit.

nncli draws these without importing scikit-learn (its import alone is half a
second of every ``nncli train``); these tests hold it to the same arrays and
the same split indices as scikit-learn for the same seed, so that no result
changes because of it.
"""

import subprocess
import sys

import numpy as np
import pytest
from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn import datasets as skd
from sklearn.model_selection import train_test_split

from nncli.config import validate
from nncli.data import synthetic
from nncli.data.pipeline import build_dataset, load_dataset, streams
from nncli.data.raw import RawData
from nncli.data.split import split_indices
from nncli.errors import DataError

EXAMPLES = settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))

seeds = st.integers(0, 2**31 - 1)
noises = st.one_of(st.none(), st.just(0.0), st.floats(0.001, 2.0))
fractions = st.one_of(st.sampled_from([0.1, 0.2, 0.25, 0.3, 1 / 3, 0.5, 0.7, 0.9]), st.floats(0.01, 0.99))


def assert_identical(ours, theirs):
    """Arrays of the same dtype and the very same values."""
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert a.dtype == b.dtype and a.shape == b.shape
        assert np.array_equal(a, b)


# -- generators ---------------------------------------------------------------


@EXAMPLES
@given(n=st.integers(1, 601), noise=noises, factor=st.floats(0.01, 0.99), seed=seeds)
def test_make_circles_equals_sklearn(n, noise, factor, seed):
    assert_identical(synthetic.make_circles(n, noise, factor, seed),
                     skd.make_circles(n, noise=noise, factor=factor, random_state=seed))


@EXAMPLES
@given(n=st.integers(1, 601), noise=noises, seed=seeds)
def test_make_moons_equals_sklearn(n, noise, seed):
    assert_identical(synthetic.make_moons(n, noise, seed), skd.make_moons(n, noise=noise, random_state=seed))


@EXAMPLES
@given(n=st.integers(1, 601), centers=st.integers(1, 9), n_features=st.integers(1, 5),
       cluster_std=st.one_of(st.floats(0.01, 10.0), st.integers(1, 5)), seed=seeds)
def test_make_blobs_equals_sklearn(n, centers, n_features, cluster_std, seed):
    assert_identical(synthetic.make_blobs(n, centers, n_features, cluster_std, seed),
                     skd.make_blobs(n, n_features, centers=centers, cluster_std=cluster_std, random_state=seed))


@pytest.mark.parametrize("seed", [0, 1, 42, 2**31 - 1])
@pytest.mark.parametrize("n", [4, 5, 999, 1000])
def test_dataset_loaders_equal_sklearn(seed, n):
    """What the configs' circles, moons and blobs datasets load is scikit-learn's data."""
    cases = [
        ("circles", {"noise": 0.1, "factor": 0.1}, skd.make_circles),
        ("circles", {"noise": 0.0, "factor": 0.5}, skd.make_circles),
        ("moons", {"noise": 0.3}, skd.make_moons),
        ("blobs", {"centers": 2, "cluster_std": 3.0, "n_features": 2}, skd.make_blobs),
        ("blobs", {"centers": 5, "cluster_std": 0.5, "n_features": 4}, skd.make_blobs),
    ]
    for name, params, reference in cases:
        raw = getattr(synthetic, name)({"n_samples": n, **params}, seed)
        assert_identical((raw.X, raw.y), reference(n, **params, random_state=seed))


# -- split --------------------------------------------------------------------


def _labels(counts, seed):
    """Class labels 0..K-1 with ``counts[k]`` rows of class k, in a random order."""
    y = np.repeat(np.arange(len(counts)), counts)
    return np.random.default_rng(seed).permutation(y)


@EXAMPLES
@given(n=st.integers(2, 500), size=fractions, seed=seeds)
def test_plain_split_equals_train_test_split(n, size, seed):
    index = np.arange(n) * 3 + 5  # the split picks from index, whatever its values
    try:
        theirs = train_test_split(index, test_size=size, random_state=seed)
    except ValueError:
        with pytest.raises(DataError, match="no rows to train on"):
            split_indices(index, size, seed)
        return
    assert_identical(split_indices(index, size, seed), theirs)


@EXAMPLES
@given(counts=st.lists(st.integers(2, 60), min_size=2, max_size=10), size=fractions, seed=seeds)
def test_stratified_split_equals_train_test_split(counts, size, seed):
    """Imbalanced classes, 2..10 of them: the same rows in each part, in the same order."""
    y = _labels(counts, seed % 1000)
    index = np.arange(len(y))
    try:
        theirs = train_test_split(index, test_size=size, random_state=seed, stratify=y)
    except ValueError:
        with pytest.raises(DataError, match="cannot split the data"):
            split_indices(index, size, seed, y)
        return
    assert_identical(split_indices(index, size, seed, y), theirs)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("rows, size", [
    (10, 0.25), (30, 0.1), (7, 1 / 3), (100, 0.07), (1001, 0.3), (10, 3), (1000, 999),
    ((5, 5), 0.25), ((3, 3, 3), 0.5), ((2, 3, 4), 1 / 3), ((10,) * 7, 0.3), ((1000, 20, 3), 0.1),
    ((4,) * 10, 0.35), ((50, 51), 0.5), ((2, 2, 2, 2, 92), 0.05), ((7, 7, 7), 9),
])
def test_split_rounding_and_ties_equal_train_test_split(seed, rows, size):
    """Sizes where rounding matters (a fraction is rounded up; 0.1 * 30 is a little over 3
    in floats) and classes with tied shares, whose extra rows are handed out at random."""
    y = None if isinstance(rows, int) else _labels(rows, seed)
    index = np.arange(rows if y is None else len(y))
    assert_identical(split_indices(index, size, seed, y),
                     train_test_split(index, test_size=size, random_state=seed, stratify=y))


@pytest.mark.parametrize("y, size, message", [
    ([0, 0, 0, 1, 2, 2], 0.5, "class '1' has only 1"),
    ([0, 1, 2, 3, 3, 3], 0.5, "classes '0', '1', '2' have only 1"),
    ([0, 0, 1, 1, 2, 2, 3, 3], 0.9, "no rows to train on"),
    ([0, 0, 1, 1, 2, 2, 3, 3], 0.75, "a train part of 2 rows cannot hold one row of each of the 4 classes"),
    ([0, 0, 1, 1, 2, 2, 3, 3], 0.25, "a test part of 2 rows cannot hold one row of each of the 4 classes"),
    (None, 0.99, "no rows to train on"),
])
def test_split_refusals_are_one_line_data_errors(y, size, message):
    """Where scikit-learn refuses to split, so does nncli, with a one-line DataError."""
    index = np.arange(8 if y is None else len(y))
    with pytest.raises(ValueError):
        train_test_split(index, test_size=size, random_state=0, stratify=y)
    with pytest.raises(DataError, match=message) as error:
        split_indices(index, size, 0, None if y is None else np.array(y))
    assert "\n" not in str(error.value) and str(error.value).startswith("cannot split the data: ")


def test_split_refusals_name_the_class_as_written_and_the_part():
    config = validate({"data": {"dataset": "circles", "test_size": 0.25}}).data
    raw = RawData(np.zeros((9, 1)), np.array(["apple"] * 4 + ["lemon"] + ["pear"] * 4), ["x"], "classification")
    with pytest.raises(DataError, match="train and test, class 'lemon' has only 1$"):
        build_dataset(raw, config, 0)
    # 12 rows: 3 to test, 9 left, of which val_size=0.9 rounds up to 9: none left to train on
    config = validate({"data": {"dataset": "circles", "test_size": 0.25, "val_size": 0.9}}).data
    raw = RawData(np.zeros((12, 1)), np.array(["apple"] * 6 + ["pear"] * 6), ["x"], "classification")
    with pytest.raises(DataError, match="val_size=0.9 of 9 rows leaves no rows to train on"):
        build_dataset(raw, config, 0)


# -- through the pipeline -----------------------------------------------------


@pytest.mark.parametrize("seed", [0, 3, 12345])
@pytest.mark.parametrize("name, data", [
    ("circles", {"params": {"n_samples": 1001, "noise": 0.2, "factor": 0.4}, "test_size": 0.3, "val_size": 0.2}),
    ("blobs", {"params": {"n_samples": 997, "centers": 7, "n_features": 3}, "val_size": 0.15}),
    ("digits", {"test_size": 0.2, "val_size": 0.1}),
    ("random", {"params": {"n_samples": 203, "n_features": 3, "n_targets": 2}, "val_size": 0.3}),
])
def test_pipeline_splits_equal_train_test_split(seed, name, data):
    """Train, val and test rows of a config are the ones scikit-learn's split gives."""
    config = validate({"seed": seed, "data": {"dataset": name, **data}})
    ours = load_dataset(config.data, config.seed)
    raw = _reference_raw(name, config.data.params, seed)
    _, y = np.unique(raw.y, return_inverse=True) if raw.task == "classification" else (None, raw.y)
    stratify = raw.task == "classification"
    seeds = streams(seed)
    index = np.arange(len(raw.X))
    rest, test = train_test_split(index, test_size=config.data.test_size, random_state=seeds["split"],
                                  stratify=y if stratify else None)
    rest, val = train_test_split(rest, test_size=config.data.val_size, random_state=seeds["val_split"],
                                 stratify=y[rest] if stratify else None)
    for part, rows in (("train", rest), ("val", val), ("test", test)):
        rows = np.sort(rows)
        assert np.array_equal(getattr(ours, part).X, raw.X[rows])
        assert np.array_equal(getattr(ours, part).y, y[rows])


def _reference_raw(name, params, seed):
    """The dataset as scikit-learn makes it (X, y as RawData), or nncli's own for the others."""
    if name == "circles":
        X, y = skd.make_circles(params["n_samples"], noise=params["noise"], factor=params["factor"],
                                random_state=seed)
    elif name == "blobs":
        X, y = skd.make_blobs(params["n_samples"], params["n_features"], centers=params["centers"],
                              cluster_std=params["cluster_std"], random_state=seed)
    else:
        from nncli.data.registry import DATASETS

        return DATASETS[name].load(params, seed)
    return RawData(X, y, [f"x{i}" for i in range(X.shape[1])], "classification")


def test_fixed_test_mask_then_val_split_equals_train_test_split():
    """OCR's way: a fixed test mask, then a stratified val split of the rest."""
    rng = np.random.default_rng(5)
    y = rng.integers(0, 6, 400)
    mask = rng.random(400) < 0.3
    raw = RawData(rng.standard_normal((400, 3)), y, ["a", "b", "c"], "classification", test_mask=mask)
    config = validate({"seed": 9, "data": {"dataset": "circles", "val_size": 0.2}}).data
    ours = build_dataset(raw, config, 9)
    rest = np.flatnonzero(~mask)
    rest, val = train_test_split(rest, test_size=0.2, random_state=streams(9)["val_split"], stratify=y[rest])
    assert np.array_equal(ours.val.X, raw.X[np.sort(val)])
    assert np.array_equal(ours.train.X, raw.X[np.sort(rest)])
    assert np.array_equal(ours.test.X, raw.X[mask])


def test_loading_circles_does_not_import_sklearn():
    code = (
        "import sys\n"
        "import nncli.data.pipeline as p\n"
        "from nncli.config import validate\n"
        "config = validate({'data': {'dataset': 'circles', 'val_size': 0.2}})\n"
        "data = p.load_dataset(config.data, config.seed)\n"
        "assert len(data.train) + len(data.val) + len(data.test) == 1000\n"
        "heavy = [m for m in ('sklearn', 'scipy') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr

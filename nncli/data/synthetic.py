"""Generated datasets: scikit-learn's blobs, circles and moons, XOR, and random regression.

``make_blobs``, ``make_circles`` and ``make_moons`` draw the same points as the
scikit-learn functions of those names for the same ``random_state``: the same
arithmetic and the same draws, in the same order, on ``np.random.RandomState(seed)``
(tests/test_sklearn_compat.py checks them bit for bit).  Drawing them here keeps
scikit-learn, and the half second its import costs, off the training path.
"""

import numpy as np

from .raw import RawData

XY = ["x0", "x1"]


def blobs(params, seed):
    """Isotropic Gaussian clusters (``make_blobs``); one class per centre."""
    X, y = make_blobs(params["n_samples"], params["centers"], params["n_features"],
                      params["cluster_std"], seed)
    names = [f"x{i}" for i in range(params["n_features"])]
    return RawData(X, y, names, "classification")


def circles(params, seed):
    """A small ring (class 1) inside a large one (class 0) (``make_circles``)."""
    X, y = make_circles(params["n_samples"], params["noise"], params["factor"], seed)
    return RawData(X, y, XY, "classification")


def moons(params, seed):
    """Two interleaving half circles (``make_moons``)."""
    X, y = make_moons(params["n_samples"], params["noise"], seed)
    return RawData(X, y, XY, "classification")


def make_blobs(n_samples, centers, n_features, cluster_std, seed):
    """Gaussian clusters around random centres, as ``sklearn.datasets.make_blobs``.

    Parameters
    ----------
    n_samples : int
        Rows in all; the first ``n_samples % centers`` clusters get one extra.
    centers : int
        Number of clusters, whose centres are uniform in [-10, 10)^n_features.
    n_features : int
    cluster_std : float
        Standard deviation of every cluster along every axis.
    seed : int
        ``random_state``.

    Returns
    -------
    X : ndarray (n_samples, n_features) float64
    y : ndarray (n_samples,) int64
        The cluster of each row, 0..centers-1.
    """
    rng = np.random.RandomState(seed)
    means = rng.uniform(-10.0, 10.0, size=(centers, n_features))
    sizes = np.full(centers, n_samples // centers)
    sizes[: n_samples % centers] += 1
    X = np.empty((n_samples, n_features))
    ends = np.cumsum(sizes)
    for k, (start, end) in enumerate(zip(ends - sizes, ends)):
        # one normal() call per cluster, with the centre as loc: the same draws
        # and the same loc + std * z rounding as scikit-learn
        X[start:end] = rng.normal(loc=means[k], scale=cluster_std, size=(end - start, n_features))
    y = np.repeat(np.arange(centers, dtype=np.int64), sizes)
    return _shuffle(X, y, rng)


def make_circles(n_samples, noise, factor, seed):
    """A ring of radius ``factor`` inside the unit circle, as ``sklearn.datasets.make_circles``.

    Parameters
    ----------
    n_samples : int
        Rows in all: ``n_samples // 2`` on the outer circle, the rest on the inner one.
    noise : float or None
        Standard deviation of the Gaussian noise added to every coordinate
        (None: none, and no draws; 0 still draws, as scikit-learn does).
    factor : float
        Radius of the inner circle, in (0, 1).
    seed : int
        ``random_state``.

    Returns
    -------
    X : ndarray (n_samples, 2) float64
    y : ndarray (n_samples,) int64
        0 for the outer circle, 1 for the inner one.
    """
    n_outer = n_samples // 2
    n_inner = n_samples - n_outer
    # equally spaced angles without 2*pi, which would repeat the point at angle 0
    outer = np.linspace(0, 2 * np.pi, n_outer, endpoint=False)
    inner = np.linspace(0, 2 * np.pi, n_inner, endpoint=False)
    X = np.column_stack([np.append(np.cos(outer), np.cos(inner) * factor),
                         np.append(np.sin(outer), np.sin(inner) * factor)])
    return _shuffle_and_blur(X, _two_classes(n_outer, n_inner), noise, seed)


def make_moons(n_samples, noise, seed):
    """Two interleaving half circles, as ``sklearn.datasets.make_moons``.

    Parameters
    ----------
    n_samples : int
        Rows in all: ``n_samples // 2`` on the upper arc (class 0), the rest on the lower one.
    noise, seed
        As for ``make_circles``, which also says what is returned.
    """
    n_upper = n_samples // 2
    n_lower = n_samples - n_upper
    upper = np.linspace(0, np.pi, n_upper)
    lower = np.linspace(0, np.pi, n_lower)
    # the lower arc is the upper one turned over and moved by (1, -0.5);
    # computed in this order, (1 - sin) - 0.5, to round as scikit-learn does
    X = np.column_stack([np.append(np.cos(upper), 1 - np.cos(lower)),
                         np.append(np.sin(upper), 1 - np.sin(lower) - 0.5)])
    return _shuffle_and_blur(X, _two_classes(n_upper, n_lower), noise, seed)


def _two_classes(n_first, n_second):
    """(n_first + n_second,) int64 labels: ``n_first`` zeros, then ``n_second`` ones."""
    return np.repeat(np.array([0, 1], dtype=np.int64), [n_first, n_second])


def _shuffle_and_blur(X, y, noise, seed):
    """Shuffle the rows of X (N, 2) and y (N,) together, then add Gaussian noise to X.

    The order matters for matching scikit-learn: the shuffle's draws come first.
    """
    rng = np.random.RandomState(seed)
    X, y = _shuffle(X, y, rng)
    if noise is not None:
        X += rng.normal(scale=noise, size=X.shape)
    return X, y


def _shuffle(X, y, rng):
    """X (N, F) and y (N,) with their rows in the same random order, as ``sklearn.utils.shuffle``."""
    order = np.arange(len(X))
    rng.shuffle(order)
    return X[order], y[order]


def xor(params, seed):
    """Points uniform in [-1, 1]^2, class 1 where exactly one coordinate is positive,
    then moved by Gaussian noise of standard deviation ``noise``."""
    rng = np.random.default_rng(seed)
    n = params["n_samples"]
    X = rng.uniform(-1.0, 1.0, size=(n, 2))
    y = ((X[:, 0] > 0) != (X[:, 1] > 0)).astype(np.int64)
    X += params["noise"] * rng.standard_normal((n, 2))
    return RawData(X, y, XY, "classification")


def random(params, seed):
    """The classic from-scratch exercise: inputs and targets uniform in [0, 1).

    There is nothing to learn: a network can only fit the training set, and its
    test R^2 is at best about 0.  Useful to exercise a 784-15-10 network.
    """
    rng = np.random.default_rng(seed)
    n, f, t = params["n_samples"], params["n_features"], params["n_targets"]
    X = rng.random((n, f))
    y = rng.random((n, t))
    names = [f"x{i}" for i in range(f)]
    targets = ["target"] if t == 1 else [f"target{i}" for i in range(t)]
    return RawData(X, y[:, 0] if t == 1 else y, names, "regression", target_names=targets)

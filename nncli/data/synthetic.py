"""Generated datasets: scikit-learn's blobs, circles and moons, XOR, and random regression."""

import numpy as np

from .raw import RawData

XY = ["x0", "x1"]


def blobs(params, seed):
    """Isotropic Gaussian clusters (``make_blobs``); one class per centre."""
    from sklearn.datasets import make_blobs

    X, y = make_blobs(n_samples=params["n_samples"], centers=params["centers"],
                      cluster_std=params["cluster_std"], n_features=params["n_features"],
                      random_state=seed)
    names = [f"x{i}" for i in range(params["n_features"])]
    return RawData(X, y, names, "classification")


def circles(params, seed):
    """A small ring (class 1) inside a large one (class 0) (``make_circles``)."""
    from sklearn.datasets import make_circles

    X, y = make_circles(n_samples=params["n_samples"], noise=params["noise"],
                        factor=params["factor"], random_state=seed)
    return RawData(X, y, XY, "classification")


def moons(params, seed):
    """Two interleaving half circles (``make_moons``)."""
    from sklearn.datasets import make_moons

    X, y = make_moons(n_samples=params["n_samples"], noise=params["noise"], random_state=seed)
    return RawData(X, y, XY, "classification")


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

"""The implementations compared: nncli and the libraries people would pick instead.

Each ``train_<name>(workload, data, init)`` trains from the initial weights ``init``
(``[(weight (out, in), bias (out,))]``, nncli's Glorot-uniform start) on
``data.train`` for ``workload.epochs`` epochs of shuffled mini-batches, and returns
``{"seconds": time spent training, "proba": test-set class scores}``.  Only the
training itself is timed: not imports, data loading or the final test predictions.
Each is called once on a small slice first (``warm_up``), so that one-off costs
(thread pools, lazy initialisation) are not counted.

``matmul_floor`` times the matrix products of one training batch alone.
"""

import math
import tempfile
import time
import warnings

import numpy as np

IMPLEMENTATIONS = ("nncli", "numpy", "sklearn", "torch")


def available(name):
    """Whether implementation ``name`` can run here (PyTorch is optional)."""
    if name == "torch":
        import importlib.util

        return importlib.util.find_spec("torch") is not None
    return True


# -- nncli ---------------------------------------------------------------------------


def train_nncli(workload, data, init, epochs=None):
    """nncli through its Python API (``nncli.training.run.train``), data in memory.

    The time is the epochs' own (``summary["train_seconds"]``: batches and nncli's
    per-epoch train-set metrics), as the run's ``metrics.csv`` reports it; the run
    directory's writing (one checkpoint at the end) is not counted.
    """
    from nncli.config import validate
    from nncli.data.pipeline import build_dataset
    from nncli.data.raw import RawData
    from nncli.runs import read_npz
    from nncli.training.run import train

    config = validate(workload.nncli_config(epochs))
    test_mask = np.zeros(len(data.X), dtype=bool)
    test_mask[data.n_train :] = True
    raw = RawData(data.X, data.y, [f"x{i}" for i in range(data.X.shape[1])], "classification",
                  test_mask=test_mask)
    dataset = build_dataset(raw, config.data, config.seed)
    with tempfile.TemporaryDirectory() as root:
        path, summary = train(config, dataset=dataset, runs_root=root)
        weights = read_npz(path / "weights.npz")
    # the test scores from the trained weights, as the peers' are computed
    proba = _forward_numpy(weights, workload, data.test[0])
    return {"seconds": summary["train_seconds"], "proba": proba,
            "nncli_test_accuracy": summary["test_accuracy"], "nncli_test_auc": summary["test_auc"]}


def _forward_numpy(weights, workload, X):
    """Class scores of a network with nncli's weights, in float64 NumPy."""
    h = X.astype(np.float64)
    layers = len(workload.sizes) - 1
    for i in range(layers):
        h = h @ weights[f"{i}.weight"].T.astype(np.float64) + weights[f"{i}.bias"]
        if i < layers - 1:
            h = np.maximum(h, 0) if workload.activation == "relu" else 1 / (1 + np.exp(-h))
    if workload.sizes[-1] == 1:
        return 1 / (1 + np.exp(-h))
    h = np.exp(h - h.max(axis=1, keepdims=True))
    return h / h.sum(axis=1, keepdims=True)


# -- NumPy by hand ---------------------------------------------------------------------


def train_numpy(workload, data, init, epochs=None):
    """The least a NumPy engine can do: one flat sequence of NumPy calls per batch.

    The issue's "hand-written batched NumPy" column, written as tight as we can:
    float32 rows, every buffer allocated once (but the softmax's (N, 1) row maxima
    and sums), in-place activations, the output
    delta ``(p - y) / N``, all parameters packed into one array so that the
    optimizer is a handful of calls (Adam: ten, as nncli's), one row gather per
    batch, and no per-epoch metrics and no checks at all.  Its time per batch is
    the fixed cost of those calls plus the arithmetic: a bound for any engine
    built on NumPy calls, nncli included.
    """
    epochs = epochs or workload.epochs
    X, y = data.train
    X = np.ascontiguousarray(X, dtype=np.float32)
    n, size = len(X), workload.batch_size
    binary = workload.sizes[-1] == 1
    Y = (y.reshape(-1, 1) if binary else np.eye(workload.sizes[-1])[y]).astype(np.float32)
    flat = np.concatenate([np.concatenate([w.ravel(), b.ravel()]) for w, b in init]).astype(np.float32)
    grads = np.zeros_like(flat)
    layers, offset = [], 0
    for weight, bias in init:
        views = []
        for shape in (weight.shape, bias.shape):
            stop = offset + math.prod(shape)
            views += [flat[offset:stop].reshape(shape), grads[offset:stop].reshape(shape)]
            offset = stop
        layers.append(views)  # [W, dW, b, db]
    sigmoid_hidden = workload.activation != "relu"
    rng = np.random.default_rng(0)
    buffers = {}

    def buffers_for(rows):
        """Per batch size: the input, each layer's output, its delta, a scratch."""
        if rows not in buffers:
            outs = [np.empty((rows, w.shape[0]), np.float32) for w, *_ in layers]
            buffers[rows] = (np.empty((rows, X.shape[1]), np.float32), np.empty((rows, Y.shape[1]), np.float32),
                             outs, [np.empty_like(o) for o in outs], [np.empty_like(o) for o in outs],
                             [np.zeros_like(o) for o in outs])
        return buffers[rows]

    step = adam_step(flat, grads, workload.lr) if workload.optimizer == "adam" else sgd_step(flat, grads, workload.lr)
    started = time.perf_counter()
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, size):
            index = order[start : start + size]
            xb, yb, outs, deltas, scratch, zeros = buffers_for(len(index))
            np.take(X, index, axis=0, out=xb, mode="clip")
            np.take(Y, index, axis=0, out=yb, mode="clip")
            h = xb
            for i, (W, _, b, _) in enumerate(layers):
                z = outs[i]
                np.matmul(h, W.T, out=z)
                z += b
                if i < len(layers) - 1 and not sigmoid_hidden:
                    np.maximum(z, zeros[i], out=z)
                elif i < len(layers) - 1 or binary:  # 1 / (1 + exp(-z))
                    np.negative(z, out=z)
                    np.exp(z, out=z)
                    z += 1.0
                    np.reciprocal(z, out=z)
                else:  # softmax
                    z -= z.max(axis=1, keepdims=True)
                    np.exp(z, out=z)
                    z /= z.sum(axis=1, keepdims=True)
                h = z
            d = deltas[-1]
            np.subtract(h, yb, out=d)
            d *= 1.0 / len(index)
            for i in range(len(layers) - 1, -1, -1):
                W, dW, _, db = layers[i]
                below = outs[i - 1] if i else xb
                np.matmul(d.T, below, out=dW)
                np.add.reduce(d, axis=0, out=db)
                if i:
                    d_below = deltas[i - 1]
                    np.matmul(d, W, out=d_below)
                    if sigmoid_hidden:  # times y (1 - y)
                        d_below *= below
                        d_below -= np.multiply(d_below, below, out=scratch[i - 1])
                    else:
                        d_below *= np.greater(below, 0, out=scratch[i - 1])
                    d = d_below
            step()
    seconds = time.perf_counter() - started
    weights = {}
    for i, (W, _, b, _) in enumerate(layers):
        weights[f"{i}.weight"], weights[f"{i}.bias"] = W, b
    return {"seconds": seconds, "proba": _forward_numpy(weights, workload, data.test[0])}


def sgd_step(param, grad, lr):
    """Plain SGD on the packed parameters: two passes."""
    scratch = np.empty_like(param)

    def step():
        np.multiply(grad, lr, out=scratch)
        np.subtract(param, scratch, out=param)

    return step


def adam_step(param, grad, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    """Adam in ten in-place passes, its moments kept divided by (1 - beta)."""
    m, v, scratch = np.zeros_like(param), np.zeros_like(param), np.empty_like(param)
    t = 0

    def step():
        nonlocal t
        t += 1
        np.multiply(m, beta1, out=m)
        np.add(m, grad, out=m)
        np.multiply(v, beta2, out=v)
        np.add(v, np.multiply(grad, grad, out=scratch), out=v)
        c = math.sqrt((1.0 - beta2) / (1.0 - beta2**t))
        np.sqrt(v, out=scratch)
        np.add(scratch, eps / c, out=scratch)
        np.divide(m, scratch, out=scratch)
        np.multiply(scratch, lr * (1.0 - beta1) / (1.0 - beta1**t) / c, out=scratch)
        np.subtract(param, scratch, out=param)

    return step


# -- scikit-learn ----------------------------------------------------------------------


def train_sklearn(workload, data, init, epochs=None):
    """scikit-learn's MLPClassifier in float32, the same optimizer, no L2 (alpha=0),
    all epochs (no early convergence stop), started from ``init``."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    class StartFrom(MLPClassifier):
        """MLPClassifier whose initial weights are given rather than drawn."""

        def _init_coef(self, fan_in, fan_out, dtype):
            weight, bias = self.start.pop(0)
            return weight.T.astype(dtype), bias.astype(dtype)

    epochs = epochs or workload.epochs
    options = dict(hidden_layer_sizes=workload.sizes[1:-1],
                   activation="relu" if workload.activation == "relu" else "logistic",
                   solver=workload.optimizer, alpha=0.0, batch_size=workload.batch_size,
                   learning_rate_init=workload.lr, learning_rate="constant", max_iter=epochs,
                   shuffle=True, random_state=0, tol=0.0, n_iter_no_change=epochs + 1)
    if workload.optimizer == "sgd":
        options.update(momentum=0.0, nesterovs_momentum=False)
    else:
        options.update(beta_1=0.9, beta_2=0.999, epsilon=1e-8)
    model = StartFrom(**options)
    model.start = [(w, b) for w, b in init]
    X, y = data.train
    X = X.astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        started = time.perf_counter()
        model.fit(X, y)
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "proba": model.predict_proba(data.test[0].astype(np.float32))}


# -- PyTorch ---------------------------------------------------------------------------


def train_torch(workload, data, init, epochs=None):
    """PyTorch on the CPU with 2 threads: nn.Sequential, the same optimizer, manual
    batching (randperm + index_select, no DataLoader), started from ``init``."""
    import torch

    torch.set_num_threads(2)
    torch.manual_seed(0)
    epochs = epochs or workload.epochs
    layers = []
    for i, (weight, bias) in enumerate(init):
        linear = torch.nn.Linear(weight.shape[1], weight.shape[0])
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(weight.astype(np.float32)))
            linear.bias.copy_(torch.from_numpy(bias.astype(np.float32)))
        layers.append(linear)
        if i < len(init) - 1:
            layers.append(torch.nn.ReLU() if workload.activation == "relu" else torch.nn.Sigmoid())
    net = torch.nn.Sequential(*layers)
    if workload.optimizer == "adam":
        optimizer = torch.optim.Adam(net.parameters(), lr=workload.lr, betas=(0.9, 0.999), eps=1e-8)
    else:
        optimizer = torch.optim.SGD(net.parameters(), lr=workload.lr)
    X_np, y_np = data.train
    X = torch.from_numpy(np.ascontiguousarray(X_np, dtype=np.float32))
    binary = workload.sizes[-1] == 1
    if binary:
        y = torch.from_numpy(y_np.astype(np.float32).reshape(-1, 1))
        loss_fn = torch.nn.BCEWithLogitsLoss()
    else:
        y = torch.from_numpy(y_np.astype(np.int64))
        loss_fn = torch.nn.CrossEntropyLoss()
    n, size = len(X), workload.batch_size
    started = time.perf_counter()
    for _ in range(epochs):
        order = torch.randperm(n)
        for start in range(0, n, size):
            index = order[start : start + size]
            xb, yb = X.index_select(0, index), y.index_select(0, index)
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(net(xb), yb)
            loss.backward()
            optimizer.step()
    seconds = time.perf_counter() - started
    with torch.no_grad():
        logits = net(torch.from_numpy(np.ascontiguousarray(data.test[0], dtype=np.float32)))
        proba = torch.sigmoid(logits) if binary else torch.softmax(logits, dim=1)
    return {"seconds": seconds, "proba": proba.numpy().astype(np.float64)}


TRAINERS = {"nncli": train_nncli, "numpy": train_numpy, "sklearn": train_sklearn, "torch": train_torch}


def warm_up(name, workload, data, init):
    """One epoch on at most 512 rows, so that one-off start-up costs are not timed.

    The rows are evenly spaced over the training set, so that every class is in them
    even when the data come ordered by class.
    """
    from workloads import Data

    rows = min(data.n_train, 512)
    index = np.arange(rows) * data.n_train // rows
    small = Data(np.concatenate([data.X[index], data.test[0][:64]]),
                 np.concatenate([data.y[index], data.test[1][:64]]), rows, "")
    TRAINERS[name](workload, small, [(w.copy(), b.copy()) for w, b in init], epochs=1)


# -- the matmul floor ------------------------------------------------------------------


def matmul_floor(sizes, batch_size, batches=200, repeats=5):
    """Seconds per batch of one training batch's matrix products alone (float32, NumPy's BLAS).

    Per layer ``in -> out``, as nncli's Dense layer lays them out: the forward
    product ``x @ W.T``, the weight gradient ``d.T @ x`` and, except for the first
    layer, the input gradient ``d @ W``.  The best of ``repeats`` runs of ``batches``.
    """
    rng = np.random.default_rng(0)
    products = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes, sizes[1:])):
        x = rng.standard_normal((batch_size, fan_in)).astype(np.float32)
        W = rng.standard_normal((fan_out, fan_in)).astype(np.float32)
        d = rng.standard_normal((batch_size, fan_out)).astype(np.float32)
        products.append((x, W.T, np.empty((batch_size, fan_out), np.float32)))
        products.append((d.T, x, np.empty((fan_out, fan_in), np.float32)))
        if i > 0:
            products.append((d, W, np.empty((batch_size, fan_in), np.float32)))
    for a, b, out in products:  # wake the BLAS threads up
        np.matmul(a, b, out=out)
    best = math.inf
    for _ in range(repeats):
        started = time.perf_counter()
        for _ in range(batches):
            for a, b, out in products:
                np.matmul(a, b, out=out)
        best = min(best, (time.perf_counter() - started) / batches)
    return best

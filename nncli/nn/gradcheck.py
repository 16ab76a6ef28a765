"""Central finite-difference checks of analytic gradients, for tests and ``nncli check``.

The relative error of an array is ``|a - n| / (|a| + |n|)`` with Euclidean norms,
``a`` the analytic and ``n`` the numerical gradient; 0 when both vanish.
"""

import numpy as np


def relative_error(analytic, numeric):
    """``||a - n|| / (||a|| + ||n||)``, and 0 when both are zero."""
    denominator = np.linalg.norm(analytic) + np.linalg.norm(numeric)
    if denominator == 0:
        return 0.0
    return float(np.linalg.norm(analytic - numeric) / denominator)


def _entries(size, max_entries, rng):
    """All flat indices, or a random subset of ``max_entries`` of them."""
    if max_entries is None or size <= max_entries:
        return np.arange(size)
    return np.sort(rng.choice(size, max_entries, replace=False))


def numeric_gradient(f, array, eps=1e-6, entries=None):
    """Central differences of the scalar ``f()`` with respect to entries of ``array``.

    ``array`` is perturbed in place and restored.  Returns the derivatives at the
    flat indices ``entries`` (all entries by default), shape ``(len(entries),)``.
    """
    flat = array.reshape(-1)
    entries = np.arange(flat.size) if entries is None else entries
    result = np.empty(len(entries))
    for k, i in enumerate(entries):
        original = flat[i]
        flat[i] = original + eps
        up = f()
        flat[i] = original - eps
        down = f()
        flat[i] = original
        result[k] = (up - down) / (2 * eps)
    return result


def check_model(model, x, target, eps=1e-6, max_entries=None, seed=0, retries=0, retried=None, row_weights=None):
    """Compare the model's backward pass with central differences of its loss.

    Parameters
    ----------
    model : Sequential
        Built in float64.
    x : ndarray (N, *input_shape)
    target : ndarray (N, K)
    max_entries : int or None
        Check at most this many randomly chosen entries of each parameter array.
    retries : int
        Entries that disagree are differenced again with steps eps/10, eps/100, ...
        (this many times), keeping the closest estimate.  A step that straddles a
        kink (ReLU at 0) disagrees by accident and a smaller one usually does not;
        a wrong gradient disagrees at every step.
    retried : dict, optional
        Filled with ``{key: number of entries that needed a smaller step}``.
    row_weights : ndarray (N,), optional
        Each row's loss weight (``training.class_weight``): the weighted loss is checked.

    Returns
    -------
    dict
        ``{key: relative error}`` for every parameter array (keys as in ``weights.npz``).
    """
    rng = np.random.default_rng(seed)
    x = np.asarray(x, dtype=model.dtype)
    target = np.asarray(target, dtype=model.dtype)

    def loss():
        model.forward(x, train=False)
        return model.batch_loss(target, row_weights)

    model.forward(x, train=False)
    model.backward(target, row_weights)
    analytic = {key: layer.grads[name].copy() for key, layer, name in model.parameters()}
    errors = {}
    for key, layer, name in model.parameters():
        param = layer.params[name]
        entries = _entries(param.size, max_entries, rng)
        numeric = numeric_gradient(loss, param, eps, entries)
        wanted = analytic[key].reshape(-1)[entries]
        improved = np.zeros(len(entries), dtype=bool)
        for attempt in range(1, retries + 1):
            gap = np.abs(wanted - numeric)
            suspect = np.flatnonzero(gap > 1e-7 * (np.abs(wanted) + np.abs(numeric)) + 1e-12)
            if len(suspect) == 0:
                break
            again = numeric_gradient(loss, param, eps / 10**attempt, entries[suspect])
            better = np.abs(wanted[suspect] - again) < gap[suspect]
            numeric[suspect[better]] = again[better]
            improved[suspect[better]] = True
        if retried is not None:
            retried[key] = int(improved.sum())
        errors[key] = relative_error(wanted, numeric)
    return errors


def check_layer(layer, x, eps=1e-6, seed=0):
    """Check a built layer's parameter and input gradients against central differences.

    Uses the scalar ``sum(r * layer.forward(x))`` for a fixed random ``r``.

    Returns
    -------
    dict
        ``{param name or "input": relative error}``.
    """
    rng = np.random.default_rng(seed)
    x = np.array(x, dtype=np.float64)
    r = rng.standard_normal((len(x),) + layer.output_shape)

    def scalar():
        return float(np.sum(r * layer.forward(x, train=False)))

    layer.forward(x, train=False)
    grad_input = layer.backward(r.copy())
    analytic = {name: grad.copy() for name, grad in layer.grads.items()}
    errors = {name: relative_error(analytic[name].reshape(-1), numeric_gradient(scalar, layer.params[name], eps))
              for name in layer.params}
    if grad_input is not None:
        errors["input"] = relative_error(np.asarray(grad_input).reshape(-1), numeric_gradient(scalar, x, eps))
    return errors

"""Each optimizer's update rule written out plainly, as the tests' reference."""

import numpy as np

#: non-default options for each optimizer, so that a test notices an ignored one
OPTIONS = {
    "sgd": {},
    "momentum": {"momentum": 0.8},
    "nesterov": {"momentum": 0.7},
    "rmsprop": {"rho": 0.85, "eps": 1e-7},
    "adam": {"beta1": 0.8, "beta2": 0.95, "eps": 1e-7},
}


def reference_step(name, params, grads, state, t, lr, options, decayed):
    """Each update rule written out plainly, on one parameter dict."""
    for key in params:
        g = grads[key] + (options.get("weight_decay", 0.0) * params[key] if key in decayed else 0.0)
        s = state.setdefault(key, {"a": np.zeros_like(g), "b": np.zeros_like(g)})
        if name == "sgd":
            params[key] = params[key] - lr * g
        elif name == "momentum":
            s["a"] = options["momentum"] * s["a"] + g
            params[key] = params[key] - lr * s["a"]
        elif name == "nesterov":
            s["a"] = options["momentum"] * s["a"] + g
            params[key] = params[key] - lr * (g + options["momentum"] * s["a"])
        elif name == "rmsprop":
            s["a"] = options["rho"] * s["a"] + (1 - options["rho"]) * g**2
            params[key] = params[key] - lr * g / (np.sqrt(s["a"]) + options["eps"])
        else:
            b1, b2 = options["beta1"], options["beta2"]
            s["a"] = b1 * s["a"] + (1 - b1) * g
            s["b"] = b2 * s["b"] + (1 - b2) * g**2
            params[key] = params[key] - lr * (s["a"] / (1 - b1**t)) / (np.sqrt(s["b"] / (1 - b2**t)) + options["eps"])

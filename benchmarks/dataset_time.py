"""Training's time to the first epoch on a CSV dataset against ``pandas.read_csv`` of the file.

Used by ``csv_read.py --dataset``.  Each repeat times, one after the other in this
process: ``nncli train`` of a ``data.dataset: csv`` config from the call to the start
of its first epoch (an observer stops it there), and ``pandas.read_csv`` of the same
file; once with a yes/no label column, once with a 17-digit regression target.
"""

import statistics
import time

import numpy as np
from predict_memory import N_FEATURES, write_features

TARGETS = {
    "label": lambda X: np.where(X[:, :8].sum(axis=1) > 0, "yes", "no"),
    "regression": lambda X: np.char.mod("%.17g", X[:, :8].sum(axis=1) + 0.1 * X[:, 8]),
}


class _FirstEpoch(Exception):
    pass


def _stop_at_first_epoch():
    from nncli.training.observers import Observer

    class StopAtFirstEpoch(Observer):
        def on_epoch_begin(self, trainer):
            self.started = time.perf_counter()
            raise _FirstEpoch()

    return StopAtFirstEpoch()


def time_nncli(config_path, runs_root):
    """Seconds from ``train`` being called to the start of the first epoch."""
    from nncli.config import load_config
    from nncli.training.run import train

    stop = _stop_at_first_epoch()
    start = time.perf_counter()
    config = load_config(config_path)
    try:
        train(config, runs_root=runs_root, observers=[stop])
    except _FirstEpoch:
        return stop.started - start
    raise AssertionError("the training did not start")


def time_pandas(path):
    import pandas

    start = time.perf_counter()
    frame = pandas.read_csv(path)
    assert len(frame.columns) == N_FEATURES + 1
    return time.perf_counter() - start


def compare_dataset(scratch, rows, digits, repeats):
    """{target kind: {"nncli": [seconds], "pandas": [seconds]}}, alternating within each repeat."""
    import pandas  # noqa: F401  (imported before timing, as nncli's modules are by the first repeat)

    results = {}
    for kind, target in TARGETS.items():
        path = write_features(scratch / f"{kind}.csv", rows, np.random.default_rng(2), target=target, digits=digits)
        config = scratch / f"{kind}.yaml"
        task = "classification" if kind == "label" else "regression"
        config.write_text(f"data: {{dataset: csv, path: {path.name}, target: label, task: {task}}}\n"
                          "model: {hidden: [32]}\ntraining: {epochs: 1}\noutput: {plots: false}\n")
        print(f"{kind}: {rows} rows x {N_FEATURES} features ({digits} digits) + target, "
              f"{path.stat().st_size / 1e6:.0f} MB")
        times = {"nncli": [], "pandas": []}
        time_nncli(config, scratch / "runs")  # warm-up: imports, page cache
        for _ in range(repeats):
            times["nncli"].append(time_nncli(config, scratch / "runs"))
            times["pandas"].append(time_pandas(path))
        results[kind] = times
        path.unlink()
    return results


def print_dataset(results):
    print(f"{'target':<11} {'nncli to 1st epoch s':>21} {'pandas.read_csv s':>18} {'ratio per repeat':>30}")
    for kind, times in results.items():
        ratios = [a / b for a, b in zip(times["nncli"], times["pandas"])]
        print(f"{kind:<11} {statistics.median(times['nncli']):>21.2f} {statistics.median(times['pandas']):>18.2f} "
              f"{' '.join(f'{r:.2f}' for r in ratios):>30}  median {statistics.median(ratios):.2f}")

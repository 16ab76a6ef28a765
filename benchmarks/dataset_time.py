"""Training's time to the first epoch on a CSV dataset against ``pandas.read_csv`` of the file.

Used by ``csv_read.py --dataset [--baseline CHECKOUT]``.  Each repeat times, one after
the other, each in a fresh process (as ``nncli train`` runs): ``nncli train`` of a
``data.dataset: csv`` config from the call to the start of its first epoch (an
observer stops it there; nncli's modules imported before, pyarrow's import inside),
the same with the nncli of another checkout (``--baseline``: the code before a
change), and ``pandas.read_csv`` of the same file (pandas imported before); once with
a yes/no label column, once with a 17-digit regression target.
"""

import statistics
import subprocess
import sys
import time
from pathlib import Path

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


# a fresh process: time one training to its first epoch with the nncli found at argv[1]
CHILD = """
import sys
sys.path[:0] = [sys.argv[1], sys.argv[2]]
import time
import nncli.training.run, nncli.config  # imported before the clock starts, as pandas is
from dataset_time import time_nncli
cpu = time.process_time()
print(time_nncli(sys.argv[3], sys.argv[4]), time.process_time() - cpu)
"""
PANDAS = """
import sys, time, pandas
start, cpu = time.perf_counter(), time.process_time()
pandas.read_csv(sys.argv[1])
print(time.perf_counter() - start, time.process_time() - cpu)
"""


def _child(script, *args):
    """(wall, CPU seconds of all the process's threads) that the child measured."""
    wall, cpu = subprocess.run([sys.executable, "-c", script, *map(str, args)], capture_output=True, text=True,
                               check=True).stdout.split()[-2:]
    return float(wall), float(cpu)


def compare_dataset(scratch, rows, digits, repeats, baseline=None):
    """{target kind: {"nncli": [(wall, CPU)], "baseline": [...], "pandas": [...]}}, alternating in each repeat."""
    here = Path(__file__).resolve().parent
    roots = {"nncli": here.parent} | ({"baseline": Path(baseline).resolve()} if baseline else {})
    results = {}
    for kind, target in TARGETS.items():
        path = write_features(scratch / f"{kind}.csv", rows, np.random.default_rng(2), target=target, digits=digits)
        config = scratch / f"{kind}.yaml"
        task = "classification" if kind == "label" else "regression"
        config.write_text(f"data: {{dataset: csv, path: {path.name}, target: label, task: {task}}}\n"
                          "model: {hidden: [32]}\ntraining: {epochs: 1}\noutput: {plots: false}\n")
        print(f"{kind}: {rows} rows x {N_FEATURES} features ({digits} digits) + target, "
              f"{path.stat().st_size / 1e6:.0f} MB", flush=True)
        times = {name: [] for name in [*roots, "pandas"]}
        _child(PANDAS, path)  # the file into the page cache
        for _ in range(repeats):
            for name, root in roots.items():
                times[name].append(_child(CHILD, root, here, config, scratch / "runs"))
            times["pandas"].append(_child(PANDAS, path))
        results[kind] = times
        path.unlink()
    return results


def print_dataset(results):
    print(f"{'target':<11} {'what':<9} {'median wall':>11} {'x pandas (wall), each repeat':>29} {'median':>6} "
          f"{'median CPU':>10} {'x pandas (CPU)':>14}")
    for kind, times in results.items():
        base = times["pandas"]
        for name, values in times.items():
            walls = [v[0] / b[0] for v, b in zip(values, base)]
            cpus = [v[1] / b[1] for v, b in zip(values, base)]
            print(f"{kind:<11} {name:<9} {statistics.median(v[0] for v in values):>11.2f} "
                  f"{' '.join(f'{r:.2f}' for r in walls):>29} {statistics.median(walls):>6.2f} "
                  f"{statistics.median(v[1] for v in values):>10.2f} {statistics.median(cpus):>14.2f}")

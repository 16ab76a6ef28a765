"""W5: an 8-seed sweep of a digits network, four ways, side by side in one run.

    python benchmarks/sweep.py               # 3 repeats, 2 jobs
    python benchmarks/sweep.py --repeat 5 --jobs 2

The network: 64-128-10 ReLU, Adam (lr 0.001, batch 32), 30 epochs, no plots, a 20 %
validation split; every training uses data seed 0 (the same split) and training
seeds 0..7.  Timed, each as a whole process or pipeline (start-up included), the
four interleaved within each repeat so that a noisy machine slows them alike:

- ``nncli sweep --seeds 8 --jobs J``;
- the serial shell loop ``for s in 0..7; do nncli train ...; done``;
- the same with ``xargs -P J``;
- scikit-learn's ``MLPClassifier``, the 8 fits in one Python process through
  joblib with J jobs, on nncli's split and scaling of the same data.

Reported: the median wall of each, its ratio to the sweep's, the mean test
accuracy, and the sweep's per-trial overhead: inside the worker (a trial's
wall minus its ``train_seconds``) and amortised (sweep wall x jobs / 8 minus the
mean ``train_seconds``: start-up, worker spawn and the summary included).
"""

import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CONFIG = """\
name: digits-w5
data: {dataset: digits, test_size: 0.25, val_size: 0.2}
model: {hidden: [128], activation: relu, init: he}
training: {epochs: 30, batch_size: 32, optimizer: adam, lr: 0.001}
output: {plots: false}
"""
SEEDS = 8

SKLEARN = """
import json, sys
import numpy as np
from joblib import Parallel, delayed
from sklearn.neural_network import MLPClassifier
from nncli.config import load_config
from nncli.data.pipeline import load_dataset

config = load_config(sys.argv[1])
data = load_dataset(config.data, config.seed)
X, y = data.inputs(data.train.X, np.float32).reshape(len(data.train), -1), data.train.y
Xt, yt = data.inputs(data.test.X, np.float32).reshape(len(data.test), -1), data.test.y

def fit(seed):
    model = MLPClassifier(hidden_layer_sizes=(128,), activation="relu", solver="adam", learning_rate_init=0.001,
                          batch_size=32, max_iter=30, alpha=0.0, tol=0.0, n_iter_no_change=10**6,
                          random_state=seed)
    model.fit(X, y)
    return float((model.predict(Xt) == yt).mean())

print(json.dumps(Parallel(n_jobs=int(sys.argv[2]))(delayed(fit)(s) for s in range(int(sys.argv[3])))))
"""


def nncli_command():
    found = shutil.which("nncli", path=os.path.dirname(sys.executable))
    return [found] if found else [sys.executable, "-m", "nncli"]


def timed(args, **kwargs):
    started = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, **kwargs)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(map(str, args))}\n{done.stderr}")
    return wall, done.stdout


def test_accuracies(root):
    return [json.loads(p.read_text())["test_accuracy"] for p in Path(root).rglob("summary.json")
            if "test_accuracy" in json.loads(p.read_text())]


def run_sweep(work, config, jobs):
    out = work / "sweep"
    wall, _ = timed(nncli_command() + ["sweep", str(config), "--seeds", str(SEEDS), "--jobs", str(jobs),
                                       "--sweep-dir", str(out), "--quiet"])
    with open(out / "trials.csv", newline="") as handle:
        trials = list(csv.DictReader(handle))
    inside = [float(t["seconds"]) - float(t["train_seconds"]) for t in trials]
    trains = [float(t["train_seconds"]) for t in trials]
    return {"wall": wall, "accuracy": statistics.mean(float(t["test_accuracy"]) for t in trials),
            "inside_ms": 1000 * statistics.mean(inside),
            "amortised_ms": 1000 * (wall * jobs / SEEDS - statistics.mean(trains)),
            "train_s": statistics.mean(trains)}


def run_shell(work, config, jobs, parallel):
    root = work / ("xargs" if parallel else "serial")
    command = " ".join(f"'{part}'" for part in nncli_command())
    train = f"{command} train '{config}' --set data.seed=0 --runs-root '{root}' --quiet"
    if parallel:
        script = f"seq 0 {SEEDS - 1} | xargs -P {jobs} -I{{}} {train} --set seed={{}} > /dev/null"
    else:
        script = f"for s in $(seq 0 {SEEDS - 1}); do {train} --set seed=$s > /dev/null; done"
    wall, _ = timed(["bash", "-c", script])
    return {"wall": wall, "accuracy": statistics.mean(test_accuracies(root))}


def run_sklearn(work, config, jobs):
    wall, out = timed([sys.executable, "-c", SKLEARN, str(config), str(jobs), str(SEEDS)])
    return {"wall": wall, "accuracy": statistics.mean(json.loads(out))}


def one_train(work, config):
    wall, _ = timed(nncli_command() + ["train", str(config), "--run-dir", str(work / "one"), "--quiet"])
    return wall


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    names = ("nncli sweep", "shell loop", "xargs -P", "sklearn joblib")
    results = {name: [] for name in names}
    singles = []
    for repeat in range(args.repeat):
        with tempfile.TemporaryDirectory() as directory:
            work = Path(directory)
            config = work / "digits-w5.yaml"
            config.write_text(CONFIG)
            results["nncli sweep"].append(run_sweep(work, config, args.jobs))
            results["shell loop"].append(run_shell(work, config, args.jobs, parallel=False))
            results["xargs -P"].append(run_shell(work, config, args.jobs, parallel=True))
            results["sklearn joblib"].append(run_sklearn(work, config, args.jobs))
            singles.append(one_train(work, config))
        print(f"repeat {repeat + 1}: " + ", ".join(f"{n} {results[n][-1]['wall']:.2f} s" for n in names),
              file=sys.stderr)
    sweep_walls = [r["wall"] for r in results["nncli sweep"]]
    print(f"W5: {SEEDS} seeds of digits 64-128-10, 30 epochs, {args.jobs} jobs, {os.cpu_count()} cores, "
          f"median of {args.repeat}\n")
    print("| how | wall (s) | x the sweep's wall | mean test accuracy |")
    print("|---|---|---|---|")
    for name in names:
        walls = [r["wall"] for r in results[name]]
        ratio = statistics.median(w / s for w, s in zip(walls, sweep_walls))
        accuracy = statistics.mean(r["accuracy"] for r in results[name])
        print(f"| {name} | {statistics.median(walls):.2f} | {ratio:.2f} | {accuracy:.4f} |")
    sweep = results["nncli sweep"]
    print(f"\nper-trial overhead in the sweep: {statistics.median(r['inside_ms'] for r in sweep):.1f} ms inside "
          f"the worker (trial wall - train_seconds), {statistics.median(r['amortised_ms'] for r in sweep):.0f} ms "
          f"amortised (sweep wall x jobs / {SEEDS} - train_seconds); train_seconds per trial "
          f"{statistics.median(r['train_s'] for r in sweep):.3f} s")
    print(f"one `nncli train` of this config as a whole process: {statistics.median(singles):.2f} s")


if __name__ == "__main__":
    main()

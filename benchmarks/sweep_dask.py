"""A 16-trial sweep on a local Dask cluster of 2 workers against the local pool of 2 workers, side by side.

    python benchmarks/sweep_dask.py                 # 1 repeat
    python benchmarks/sweep_dask.py --repeat 3 --epochs 30

The sweep: configs/digits.yaml (64-128-10 ReLU, Adam) with ``--seeds 16``,
``--set training.epochs=E``, no early stopping, no plots.  Each row is a whole
``nncli sweep`` process, timed from outside (interpreter start-up included):

    local pool        --jobs 2
    dask, own cluster --executor dask --jobs 2   (starts and closes a LocalCluster of 2 process workers)
    dask, running     --scheduler ADDRESS        (a `dask scheduler` and 2 `dask worker --nthreads 1`
                                                  started before the repeats, as a cluster would be)

"train s" is the sum of the trials' ``train_seconds`` (the epoch loops alone), "per trial"
the sweep's wall time per trial over and above it, spread over the 2 workers
(wall - train/2) / 16.  The repeats are interleaved, so a noisy machine slows every
row alike; the table shows medians.
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRIALS = 16
WORKERS = 2


def sweep_command(root, epochs, *executor):
    return [sys.executable, "-m", "nncli", "sweep", str(ROOT / "configs" / "digits.yaml"), "--seeds", str(TRIALS),
            "--set", f"training.epochs={epochs}", "--set", "training.early_stopping=null",
            "--runs-root", str(root), "--quiet", *executor]


def timed(command, env):
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr}")
    sweep_dir = Path(done.stdout.strip().splitlines()[-1])
    train = sum(json.loads(path.read_text())["train_seconds"] for path in sweep_dir.glob("trials/*/summary.json"))
    return wall, train


def start_cluster(base, env):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    dask = [sys.executable, "-m", "dask"]
    processes = [subprocess.Popen(dask + ["scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                                  cwd=base, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    for index in range(WORKERS):
        processes.append(subprocess.Popen(dask + ["worker", address, "--nthreads", "1", "--no-dashboard",
                                                  "--host", "127.0.0.1", "--name", f"w{index}"],
                                          cwd=base, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    from distributed import Client

    with Client(address, timeout="60s", set_as_default=False) as client:
        client.wait_for_workers(WORKERS, timeout=120)
    return address, processes


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=30)
    args = parser.parse_args()
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        address, processes = start_cluster(base, env)
        rows = {"local pool": ["--jobs", str(WORKERS)],
                "dask, own cluster": ["--executor", "dask", "--jobs", str(WORKERS)],
                "dask, running": ["--scheduler", address]}
        times = {name: [] for name in rows}
        try:
            for repeat in range(args.repeat):
                for name, executor in rows.items():
                    times[name].append(timed(sweep_command(base / f"{repeat}-{name[:4]}", args.epochs, *executor),
                                             env))
        finally:
            for process in processes:
                process.kill()
                process.wait()
    print(f"{TRIALS}-trial sweep of configs/digits.yaml, {args.epochs} epochs, {WORKERS} workers, "
          f"{args.repeat} repeat(s), {os.cpu_count()} cores; medians")
    print(f"{'executor':<20}{'wall s':>9}{'train s':>9}{'per trial ms':>14}")
    for name, measured in times.items():
        wall = statistics.median(w for w, _ in measured)
        train = statistics.median(t for _, t in measured)
        print(f"{name:<20}{wall:>9.2f}{train:>9.2f}{(wall - train / WORKERS) / TRIALS * 1000:>14.0f}")


if __name__ == "__main__":
    main()

"""Predictions per second of an exported ONNX model in onnxruntime against nncli's own.

For each workload a small run is trained on scikit-learn's digits (the speed of a
prediction does not depend on how well the network learnt), exported with
``nncli export --format onnx``, and the same rows (the test split, repeated to
``--rows``) are predicted by

* **onnxruntime**: ``InferenceSession.run`` on the float32 rows in memory (the whole
  exported pipeline: scaling, network, output activation, argmax);
* **nncli in memory**: ``Predictor.outputs``, the code ``nncli predict`` runs on each
  chunk (scaling in float64, then the network), on the same rows in memory;
* **nncli predict**: the command itself in a fresh process, CSV in and CSV out, start-up
  and imports included.

The measurements are interleaved (onnxruntime, nncli in memory, nncli predict, then
again) and each ratio is the median over the repeats of the ratio within a repeat.
Both libraries use their default threads (2 on the benchmark machine).

    python benchmarks/export.py                       # every workload, 20,000 rows, 3 repeats
    python benchmarks/export.py --workload lstm --rows 50000 --repeat 5
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent

WORKLOADS = {
    "dense": "model: {hidden: [128], activation: relu}",
    "conv": """model:
  layers:
    - {type: conv2d, filters: 16, kernel: 3, activation: relu}
    - {type: maxpool2d, size: 2}
    - {type: conv2d, filters: 32, kernel: 3, stride: 2, activation: relu}
    - {type: dense, units: 64, activation: relu}""",
    "lstm": """model:
  layers:
    - {type: reshape, shape: [8, 8]}
    - {type: lstm, units: 64}""",
}
DESCRIPTIONS = {
    "dense": "64-128-10 ReLU (configs/digits.yaml's network)",
    "conv": "conv 16 same, max-pool 2, conv 32 stride 2, dense 64",
    "lstm": "8 rows of 8 pixels into an LSTM(64)",
}


def nncli(*args, **kwargs):
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    result = subprocess.run([sys.executable, "-m", "nncli", *map(str, args)], env=env, capture_output=True,
                            text=True, check=False, **kwargs)
    if result.returncode:
        sys.exit(f"nncli {' '.join(map(str, args))} failed: {result.stderr.strip()}")
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


def prepare(name, scratch, n_rows):
    """Train and export the workload's run; write its rows CSV. Returns (run, onnx file, csv, raw rows)."""
    config = scratch / f"{name}.yaml"
    config.write_text(f"name: {name}\ndata: {{dataset: digits}}\n{WORKLOADS[name]}\n"
                      "training: {epochs: 2}\noutput: {plots: false}\n")
    run = Path(nncli("train", config, "--runs-root", scratch / "runs", "--quiet"))
    model = Path(nncli("export", run, "--format", "onnx"))
    split = scratch / f"{name}-test.csv"
    nncli("data", config, "--split", "test", "-o", split)
    lines = split.read_text().splitlines()
    body = lines[1:] * (-(-n_rows // (len(lines) - 1)))
    rows = scratch / f"{name}-rows.csv"
    rows.write_text("\n".join([lines[0]] + body[:n_rows]) + "\n")
    raw = np.loadtxt(rows, delimiter=",", skiprows=1)[:, :64]
    return run, model, rows, raw


def timed(function):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def measure(name, scratch, n_rows, repeat):
    import onnxruntime

    from nncli.predict import Predictor
    from nncli.runs.load import load_model

    run, model, rows, raw = prepare(name, scratch, n_rows)
    session = onnxruntime.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    predictor = Predictor(load_model(run))
    features = raw.astype(np.float32)
    session.run(None, {"features": features[:512]})  # warm-up: thread pools, lazy initialisation
    predictor.outputs(raw[:512])
    seconds = {"onnxruntime": [], "nncli in memory": [], "nncli predict": []}
    for _ in range(repeat):
        t, (probabilities, _) = timed(lambda: session.run(None, {"features": features}))
        seconds["onnxruntime"].append(t)
        t, outputs = timed(lambda: predictor.outputs(raw))
        seconds["nncli in memory"].append(t)
        t, _ = timed(lambda: nncli("predict", run, rows, "-o", scratch / f"{name}-out.csv"))
        seconds["nncli predict"].append(t)
    return {
        "workload": name,
        "rows": n_rows,
        "max_abs_diff": float(np.abs(probabilities - outputs).max()),
        "rows_per_s": {key: statistics.median(n_rows / t for t in ts) for key, ts in seconds.items()},
        "onnx_x": {key: statistics.median(t / o for t, o in zip(ts, seconds["onnxruntime"]))
                   for key, ts in seconds.items() if key != "onnxruntime"},
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workload", choices=sorted(WORKLOADS), action="append")
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="Print the results as JSON.")
    args = parser.parse_args()
    import onnxruntime

    results = []
    with tempfile.TemporaryDirectory() as scratch:
        for name in args.workload or list(WORKLOADS):
            results.append(measure(name, Path(scratch), args.rows, args.repeat))
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"Python {platform.python_version()}, NumPy {np.__version__}, onnxruntime {onnxruntime.__version__}; "
          f"{args.rows} rows, medians of {args.repeat} interleaved repeats")
    print("\n| workload | onnxruntime rows/s | nncli in memory rows/s | nncli predict (CSV) rows/s "
          "| onnxruntime x in memory | onnxruntime x predict | max abs diff |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        speed, ratio = r["rows_per_s"], r["onnx_x"]
        print(f"| {r['workload']}: {DESCRIPTIONS[r['workload']]} | {speed['onnxruntime']:,.0f} "
              f"| {speed['nncli in memory']:,.0f} | {speed['nncli predict']:,.0f} "
              f"| {ratio['nncli in memory']:.1f} | {ratio['nncli predict']:.1f} | {r['max_abs_diff']:.1e} |")


if __name__ == "__main__":
    main()

"""Memory and speed of ``nncli predict`` on large CSV files (64 feature columns).

Trains a tiny run on a 64-feature CSV, writes input files of each requested
size, runs ``nncli predict`` on each in its own process and reports the peak
resident memory (RSS) of that process, its wall and CPU time, and rows per
second.  (CPU time above wall time is OpenBLAS's worker threads spinning while
they wait; with OPENBLAS_NUM_THREADS=1 the wall time stays the same.)
Memory should stay flat whatever the file's size: rows are streamed in chunks.

    python benchmarks/predict_memory.py                      # 100k and 2M rows
    python benchmarks/predict_memory.py --rows 1000 1000000 --digits 17 --dir SCRATCH

The 2M-row input is about 1.4 GB; it and the output are deleted afterwards
unless --keep is given.  Run from the repository root (or with nncli installed).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
N_FEATURES = 64
BLOCK = 50_000  # rows formatted once and repeated, so that writing 2M rows takes seconds

# Run in a fresh interpreter: runs a command, prints its exit code, wall time, CPU time and peak RSS (kB on Linux).
MEASURE = """
import resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(code, time.perf_counter() - start, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)
"""


def write_features(path, n_rows, rng, target=None, digits=7):
    """CSV with columns f0..f63 (and a ``label`` column when ``target`` is a function),
    numbers written with ``digits`` significant digits."""
    names = [f"f{i}" for i in range(N_FEATURES)]
    with open(path, "w") as handle:
        handle.write(",".join(names + (["label"] if target else [])) + "\n")
        X = rng.standard_normal((min(BLOCK, n_rows), N_FEATURES))
        row_format = ",".join([f"%.{digits}g"] * N_FEATURES)
        lines = [row_format % tuple(row) for row in X.tolist()]
        if target:
            lines = [f"{line},{label}" for line, label in zip(lines, target(X))]
        block = "\n".join(lines) + "\n"
        written = 0
        while written + len(lines) <= n_rows:
            handle.write(block)
            written += len(lines)
        if written < n_rows:
            handle.write("\n".join(lines[: n_rows - written]) + "\n")
    return path


def nncli(*args):
    return [sys.executable, "-m", "nncli", *map(str, args)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 2_000_000])
    parser.add_argument("--dir", type=Path, default=None, help="scratch directory (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--digits", type=int, default=7,
                        help="significant digits of the input numbers (17: what nncli data writes)")
    args = parser.parse_args()
    os.environ["PYTHONPATH"] = str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")
    scratch = Path(tempfile.mkdtemp(prefix="nncli-predict-", dir=args.dir))
    rng = np.random.default_rng(0)

    write_features(scratch / "train.csv", 2000, rng,
                               target=lambda X: np.where(X[:, :8].sum(axis=1) > 0, "yes", "no"))
    config = scratch / "wide.yaml"
    config.write_text("data: {dataset: csv, path: train.csv, target: label}\n"
                      "model: {hidden: [32]}\ntraining: {epochs: 5}\n")
    run = subprocess.run(nncli("train", config, "--quiet", "--runs-root", scratch / "runs"),
                         capture_output=True, text=True, check=True).stdout.strip()

    results = []
    for n_rows in [10] + args.rows:  # 10 rows: the footprint of starting nncli and loading the run
        source = write_features(scratch / f"in-{n_rows}.csv", n_rows, rng, digits=args.digits)
        output = scratch / f"out-{n_rows}.csv"
        measured = subprocess.run([sys.executable, "-c", MEASURE, *nncli("predict", run, source, "-o", output)],
                                  capture_output=True, text=True, check=True).stdout.split()
        code, seconds, cpu, peak_kb = int(measured[0]), float(measured[1]), float(measured[2]), int(measured[3])
        assert code == 0, f"nncli predict failed on {n_rows} rows"
        lines = sum(1 for _ in open(output)) - 1
        assert lines == n_rows, (lines, n_rows)
        results.append({"rows": n_rows, "input_mb": round(source.stat().st_size / 1e6, 1),
                        "output_mb": round(output.stat().st_size / 1e6, 1), "seconds": round(seconds, 2),
                        "cpu_seconds": round(cpu, 2), "rows_per_second": round(n_rows / seconds),
                        "peak_rss_mb": round(peak_kb / 1024, 1)})
        if not args.keep:
            source.unlink()
            output.unlink()

    print(f"{'rows':>10} {'input MB':>9} {'output MB':>9} {'seconds':>8} {'CPU s':>7} {'rows/s':>9} "
          f"{'peak RSS MB':>11}")
    for r in results:
        print(f"{r['rows']:>10} {r['input_mb']:>9} {r['output_mb']:>9} {r['seconds']:>8} {r['cpu_seconds']:>7} "
              f"{r['rows_per_second']:>9} {r['peak_rss_mb']:>11}")
    print(json.dumps(results))
    if not args.keep:
        for path in sorted(scratch.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        scratch.rmdir()


if __name__ == "__main__":
    main()

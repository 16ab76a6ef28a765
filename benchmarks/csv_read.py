"""nncli's CSV reader against ``pandas.read_csv`` (and pyarrow alone), side by side.

Reads one generated file (default 300,000 rows x 64 columns) with each reader in turn,
alternating, several times, in this process, and reports wall and CPU seconds (best
and median) and the ratio of each reader's median wall time to pandas'.  On a shared
machine the absolute times move with the neighbours; the ratios of one run are what to
compare.  With ``--predict``, also runs ``nncli predict`` and "pandas.read_csv + the
same forward pass by hand" as separate processes on the file, with their peak memory.

    python benchmarks/csv_read.py                    # 7 significant digits, 3 repeats
    python benchmarks/csv_read.py --digits 17        # what `nncli data` writes
    python benchmarks/csv_read.py --predict --rows 300000 2000000
    python benchmarks/csv_read.py --dataset --rows 1000000 [--baseline CHECKOUT]   # training's first epoch

pandas (and pyarrow, for its own row) must be installed; neither is needed by nncli's
slow path.  Readers:

- ``nncli``: ``Table.chunks`` as predict, evaluate --data and CSV datasets use it
  (pyarrow for large clean blocks, NumPy for the rest);
- ``nncli-whole``: ``Table.read``, the whole table at once as CSV datasets and
  ``evaluate --data`` read it (pyarrow on its threads, 64 MB of the file per call);
- ``nncli-numpy``: the same reader with the pyarrow path turned off (``numpy.loadtxt``);
- ``pandas``: ``pandas.read_csv(path).to_numpy()``;
- ``pyarrow``: ``pyarrow.csv.read_csv`` whole, columns to one NumPy array.

With ``--dataset``, the file gets a target column too, and the comparison is training's:
``nncli train`` of a ``data.dataset: csv`` config in this process, from the call to the
start of its first epoch (reading, labels, split, scaling, the file's fingerprint, the
run directory and first checkpoint), against ``pandas.read_csv`` of the same file, for a
yes/no label and for a 17-digit regression target, alternating (``dataset_time.py``).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from dataset_time import compare_dataset, print_dataset  # noqa: E402
from predict_memory import MEASURE, N_FEATURES, nncli, write_features  # noqa: E402


def read_nncli(path):
    from nncli.data.table import Table

    with Table(path) as table:
        return sum(len(chunk) for chunk in table.chunks(table.header))


def read_nncli_whole(path):
    from nncli.data.table import Table

    with Table(path) as table:
        return len(table.read(table.header))


def read_nncli_numpy(path):
    from nncli.data import csv_arrow

    saved, csv_arrow.ARROW_MIN_BYTES = csv_arrow.ARROW_MIN_BYTES, 1 << 62
    try:
        return read_nncli(path)
    finally:
        csv_arrow.ARROW_MIN_BYTES = saved


def read_pandas(path):
    import pandas

    return len(pandas.read_csv(path).to_numpy())


def read_pyarrow(path):
    from pyarrow import csv as pa_csv

    table = pa_csv.read_csv(path)
    return len(np.column_stack([column.to_numpy() for column in table.columns]))


READERS = {"nncli": read_nncli, "nncli-whole": read_nncli_whole, "nncli-numpy": read_nncli_numpy,
           "pandas": read_pandas, "pyarrow": read_pyarrow}

# a fresh process: pandas reads the file and the run's network predicts it by hand
PANDAS_PREDICT = """
import sys, numpy as np, pandas
run, path = sys.argv[1], sys.argv[2]
pre = np.load(run + "/preprocess.npz", allow_pickle=False)
weights = np.load(run + "/weights.npz", allow_pickle=False)
frame = pandas.read_csv(path)
h = (frame[[str(n) for n in pre["feature_names"]]].to_numpy() - pre["mean"]) / pre["scale"]
layers = len(weights.files) // 2
for i in range(layers):
    h = h @ weights[f"{i}.weight"].T + weights[f"{i}.bias"]
    if i < layers - 1:
        h = np.maximum(h, 0)
print(h.shape[0])
"""


def compare_readers(path, names, repeats):
    """{reader: {"wall": [...], "cpu": [...]}}, the readers alternating within each repeat."""
    times = {name: {"wall": [], "cpu": []} for name in names}
    rows = {}
    for _ in range(repeats):
        for name in names:
            wall, cpu = time.perf_counter(), time.process_time()
            rows[name] = READERS[name](path)
            times[name]["wall"].append(time.perf_counter() - wall)
            times[name]["cpu"].append(time.process_time() - cpu)
    assert len(set(rows.values())) == 1, rows
    return times


def measure(command):
    out = subprocess.run([sys.executable, "-c", MEASURE, *command], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out[0] == "0", f"{command} failed"
    return float(out[1]), float(out[2]), int(out[3]) / 1024


def compare_predict(scratch, sizes, digits, repeats):
    rng = np.random.default_rng(0)
    write_features(scratch / "train.csv", 2000, rng, target=lambda X: np.where(X[:, :8].sum(axis=1) > 0, "yes", "no"))
    (scratch / "wide.yaml").write_text("data: {dataset: csv, path: train.csv, target: label}\n"
                                       "model: {hidden: [32]}\ntraining: {epochs: 5}\noutput: {plots: false}\n")
    run = subprocess.run(nncli("train", scratch / "wide.yaml", "--quiet", "--runs-root", scratch / "runs"),
                         capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
    results = []
    for rows in sizes:
        source = write_features(scratch / f"in-{rows}.csv", rows, rng, digits=digits)
        samples = {"nncli predict": [], "pandas + forward": []}
        for _ in range(repeats):
            samples["nncli predict"].append(measure(nncli("predict", run, source, "-o", scratch / "out.csv")))
            samples["pandas + forward"].append(measure([sys.executable, "-c", PANDAS_PREDICT, run, str(source)]))
        for name, values in samples.items():
            results.append({"rows": rows, "what": name, "wall": statistics.median(v[0] for v in values),
                            "cpu": statistics.median(v[1] for v in values), "peak_mb": max(v[2] for v in values)})
        source.unlink()
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[300_000])
    parser.add_argument("--digits", type=int, default=7, help="significant digits of the numbers (17: as nncli data)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--readers", nargs="+", default=list(READERS), choices=list(READERS))
    parser.add_argument("--predict", action="store_true", help="also nncli predict against pandas + forward pass")
    parser.add_argument("--dataset", action="store_true",
                        help="only training's time to the first epoch on a CSV dataset against pandas.read_csv")
    parser.add_argument("--baseline", type=Path, default=None,
                        help="with --dataset: also time the nncli of this checkout (the code before a change)")
    parser.add_argument("--dir", type=Path, default=None, help="scratch directory (default: a temporary one)")
    args = parser.parse_args()
    os.environ["PYTHONPATH"] = str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")
    with tempfile.TemporaryDirectory(prefix="nncli-csv-", dir=args.dir) as scratch:
        scratch = Path(scratch)
        if args.dataset:
            print_dataset(compare_dataset(scratch, args.rows[0], args.digits, args.repeats, args.baseline))
            return
        path = write_features(scratch / "read.csv", args.rows[0], np.random.default_rng(1), digits=args.digits)
        print(f"{args.rows[0]} rows x {N_FEATURES} columns, {args.digits} digits, "
              f"{path.stat().st_size / 1e6:.0f} MB, {args.repeats} repeats, readers alternating")
        times = compare_readers(path, args.readers, args.repeats)
        path.unlink()
        base = statistics.median(times["pandas"]["wall"]) if "pandas" in times else None
        print(f"{'reader':<12} {'best wall':>9} {'median wall':>11} {'median CPU':>10} {'x pandas (wall)':>15}")
        for name, t in times.items():
            median = statistics.median(t["wall"])
            ratio = f"{median / base:.2f}" if base else "-"
            print(f"{name:<12} {min(t['wall']):>9.2f} {median:>11.2f} {statistics.median(t['cpu']):>10.2f} {ratio:>15}")
        if args.predict:
            results = compare_predict(scratch, args.rows, args.digits, args.repeats)
            print(f"\n{'rows':>9} {'what':<17} {'wall':>6} {'CPU':>6} {'peak MB':>8}")
            for r in results:
                print(f"{r['rows']:>9} {r['what']:<17} {r['wall']:>6.2f} {r['cpu']:>6.2f} {r['peak_mb']:>8.1f}")
            print(json.dumps(results))


if __name__ == "__main__":
    main()

"""Benchmark nncli against scikit-learn's MLPClassifier and (when installed) PyTorch.

    python benchmarks/run.py                    # every workload, 3 repeats
    python benchmarks/run.py --workload W1      # one workload (repeatable option)
    python benchmarks/run.py --repeat 5 --no-startup
    python benchmarks/run.py --workload W1 --neighbour   # also beside a busy neighbour

For each workload (see workloads.py) every implementation trains the same network
on the same float32 arrays from the same initial weights, with the same optimizer,
batch size and number of epochs, each run in a fresh process (so that its peak
memory is its own); the repeats are interleaved (nncli, scikit-learn, PyTorch,
matmul floor, then again), so that a noisy machine slows them alike, and the
table shows medians.  Then the start-up timings of the command line.

Columns: samples/s = training rows x epochs / training time (median); "nncli x" =
nncli's samples/s divided by this row's, the median over the repeats of the ratio
within each repeat (for the matmul-floor row: nncli's fraction of it); us/batch =
training time per batch; overhead = us/batch minus the matmul floor's (the time of
the batch's matrix products alone, measured in the same run);
peak MB = the process's peak resident memory (VmHWM: interpreter, libraries,
data, training).  PyTorch is optional: without it its rows show "-".

With --neighbour every run is made twice, alone and beside one CPU-bound process
(``neighbour.py``: a Python busy loop, the same for every implementation, started
before the run and killed after it), and a second table shows the busy runs.
"""

import argparse
import contextlib
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
#: the settings a workload is measured in: alone, or beside a busy neighbour (--neighbour)
QUIET, BUSY = "quiet", "busy"
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import peers  # noqa: E402
import workloads  # noqa: E402
from neighbour import busy_neighbour  # noqa: E402
from startup import startup, startup_table  # noqa: E402

# -- one measurement, in its own process -----------------------------------------------


def child(args):
    """Train one implementation on one workload; print one JSON line of results."""
    workload = workloads.WORKLOADS[args.workload]
    meta = json.loads((Path(args.data) / "meta.json").read_text())
    if args.child == "floor":
        seconds = peers.matmul_floor(workload.sizes, workload.batch_size)
        print(json.dumps({"batch_seconds": seconds}))
        return
    data = workloads.Data(np.load(Path(args.data) / "X.npy"), np.load(Path(args.data) / "y.npy"),
                          meta["n_train"], "")
    with np.load(Path(args.data) / "init.npz") as archive:
        init = [(archive[f"{i}.weight"], archive[f"{i}.bias"]) for i in range(len(workload.sizes) - 1)]
    peers.warm_up(args.child, workload, data, init)
    result = peers.TRAINERS[args.child](workload, data, [(w.copy(), b.copy()) for w, b in init])
    from nncli.metrics import classification_metrics

    scores = classification_metrics(data.test[1], np.asarray(result.pop("proba")))
    result.update(accuracy=scores["accuracy"], auc=scores["auc"], peak_mb=peak_memory_mb())
    print(json.dumps(result))


def peak_memory_mb():
    """This process's peak resident memory in MB.

    Linux's VmHWM belongs to the process image, so it starts afresh at exec;
    ``getrusage``'s maxrss would carry over the parent's peak into the child.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(name, workload, data_dir, busy=False):
    """Run ``child`` for one implementation in a fresh interpreter (``busy``: beside a
    CPU-bound neighbour process, started before it and killed after); its JSON result."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", name,
               "--workload", workload.key, "--data", str(data_dir)]
    with busy_neighbour() if busy else contextlib.nullcontext():
        done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        raise RuntimeError(f"{name} on {workload.key} failed:\n{tail}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- the benchmark -----------------------------------------------------------------------


def run_workload(workload, implementations, repeats, log, settings=(QUIET,)):
    """Prepare the data once, then measure each implementation ``repeats`` times in each
    of ``settings`` (QUIET, BUSY), interleaved; ``{setting: {implementation: [result]}}``."""
    data = workloads.make_data(workload)
    init = workloads.initial_weights(workload, data.X.shape[1])
    with tempfile.TemporaryDirectory(prefix="nncli-bench-") as data_dir:
        np.save(Path(data_dir) / "X.npy", data.X)
        np.save(Path(data_dir) / "y.npy", data.y)
        arrays = {}
        for i, (weight, bias) in enumerate(init):
            arrays[f"{i}.weight"], arrays[f"{i}.bias"] = weight, bias
        np.savez(Path(data_dir) / "init.npz", **arrays)
        (Path(data_dir) / "meta.json").write_text(json.dumps({"n_train": data.n_train}))
        results = {setting: {name: [] for name in implementations + ["floor"]} for setting in settings}
        for repeat in range(repeats):
            for name in implementations + ["floor"]:
                for setting in settings:
                    log(f"  {workload.key}: {name}{' beside a busy neighbour' if setting == BUSY else ''} "
                        f"({repeat + 1}/{repeats})")
                    results[setting][name].append(measure(name, workload, data_dir, busy=setting == BUSY))
    return data, results


def summarise(workload, data, results):
    """One table row per implementation (dicts), from the repeats' medians."""
    n_train = data.n_train
    batches = math.ceil(n_train / workload.batch_size) * workload.epochs
    floor = statistics.median(r["batch_seconds"] for r in results["floor"])
    rows = {}
    for name, runs in results.items():
        if name == "floor" or not runs:
            continue
        seconds = statistics.median(r["seconds"] for r in runs)
        rows[name] = {
            "samples_per_s": n_train * workload.epochs / seconds,
            "each": [n_train * workload.epochs / r["seconds"] for r in runs],
            "epoch_s": seconds / workload.epochs,
            "spread": (min(r["seconds"] for r in runs) / seconds, max(r["seconds"] for r in runs) / seconds),
            "batch_us": seconds / batches * 1e6,
            "overhead_us": (seconds / batches - floor) * 1e6,
            "accuracy": runs[-1]["accuracy"],
            "auc": runs[-1]["auc"],
            "peak_mb": statistics.median(r["peak_mb"] for r in runs),
        }
    rows["floor"] = {"samples_per_s": workload.batch_size / floor, "batch_us": floor * 1e6,
                     "epoch_s": floor * batches / workload.epochs,
                     "each": [workload.batch_size / r["batch_seconds"] for r in results["floor"]]}
    return rows


def ratios(rows, a, b):
    """a's samples/s over b's in each repeat (each pair measured side by side)."""
    if a not in rows or b not in rows:
        return []
    return [x / y for x, y in zip(rows[a]["each"], rows[b]["each"])]


def ratio(rows, a, b):
    """The median over the repeats of ``ratios``."""
    each = ratios(rows, a, b)
    return statistics.median(each) if each else None


LABELS = {"nncli": "nncli", "numpy": "NumPy by hand (bare)", "sklearn": "scikit-learn MLP", "torch": "PyTorch",
          "floor": "matmul floor"}


def table(all_rows, implementations):
    """The results as one Markdown table."""
    lines = ["| workload | implementation | samples/s | s/epoch | nncli x | test acc | test AUC "
             "| us/batch | overhead us/batch | peak MB |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for workload, rows in all_rows.values():
        nncli = rows.get("nncli")
        for name in implementations + ["floor"]:
            row = rows.get(name)
            label = LABELS[name]
            if row is None:
                lines.append(f"| {workload.title} | {label} | — | — | — | — | — | — | — | — |")
                continue
            times = "—" if nncli is None else f"{ratio(rows, 'nncli', name):.2f}"
            if name == "floor":
                lines.append(f"| {workload.title} | {label} | {row['samples_per_s']:,.0f} | {row['epoch_s']:.3f} "
                             f"| {times} | | | {row['batch_us']:.0f} | 0 | |")
                continue
            lines.append(
                f"| {workload.title} | {label} | {row['samples_per_s']:,.0f} | {row['epoch_s']:.3f} | {times} "
                f"| {row['accuracy']:.4f} | {row['auc']:.4f} | {row['batch_us']:.0f} | {row['overhead_us']:.0f} "
                f"| {row['peak_mb']:.0f} |")
    return "\n".join(lines)


# -- targets -----------------------------------------------------------------------------


def targets(all_rows, start):
    """``[(target, measured, met)]`` for the issue's targets that this run measured."""
    checks = []

    def measured(key, a, b):
        return ratios(all_rows[key][1], a, b) if key in all_rows else []

    def add(text, each, threshold, fmt="{:.2f}x"):
        if not each:
            checks.append((text, "not measured", None))
            return
        value = statistics.median(each)
        spread = f" ({fmt.format(min(each))} to {fmt.format(max(each))})" if len(each) > 1 else ""
        checks.append((text, fmt.format(value) + spread, value >= threshold))

    add("W1: nncli >= 3x scikit-learn", measured("W1", "nncli", "sklearn"), 3)
    add("W1: nncli >= 5x PyTorch", measured("W1", "nncli", "torch"), 5)
    if "W1" in all_rows:
        rows = all_rows["W1"][1]
        for peer in ("sklearn", "torch"):
            if "nncli" in rows and peer in rows:
                gap = (rows["nncli"]["accuracy"] - rows[peer]["accuracy"]) * 100
                checks.append((f"W1: test accuracy within 0.5 points of {LABELS[peer]}",
                               f"{gap:+.2f} points", gap >= -0.5))
    add("W2: nncli >= 1.3x PyTorch", measured("W2", "nncli", "torch"), 1.3)
    add("W2: nncli >= 1.5x scikit-learn", measured("W2", "nncli", "sklearn"), 1.5)
    add("W2: nncli >= 60% of the matmul floor", measured("W2", "nncli", "floor"), 0.6, "{:.0%}")
    add("W3: nncli >= 5x PyTorch", measured("W3", "nncli", "torch"), 5)
    if start:
        best_help = min(start["help"])
        checks.append(("nncli --help < 0.2 s", f"{best_help:.3f} s", best_help < 0.2))
        checks.append(("nncli --help imports no numpy/scikit-learn/matplotlib",
                       ", ".join(start["help_imports"]) or "none",
                       not set(start["help_imports"]) & {"numpy", "sklearn", "matplotlib"}))
        checks.append(("nncli runs imports no numpy/scikit-learn/matplotlib",
                       ", ".join(start["runs_imports"]) or "none",
                       not set(start["runs_imports"]) & {"numpy", "sklearn", "matplotlib"}))
        circles = statistics.median(start["train_circles"])
        checks.append(("nncli train configs/circles.yaml < 2 s", f"{circles:.2f} s", circles < 2))
        no_plots = statistics.median(start["train_circles_no_plots"])
        checks.append(("nncli train configs/circles.yaml --set output.plots=false < 1.0 s", f"{no_plots:.2f} s",
                       no_plots < 1.0))
    return checks


def busy_targets(quiet_rows, busy_rows):
    """``[(target, measured, met)]`` of the busy-machine targets (``--neighbour``)."""
    checks = []
    if "W1" not in busy_rows:
        return [("W1 beside a busy neighbour", "not measured (--workload W1)", None)]
    quiet, busy = quiet_rows["W1"][1], busy_rows["W1"][1]
    kept = [b / q for q, b in zip(quiet["nncli"]["each"], busy["nncli"]["each"])]  # repeat by repeat
    checks.append(("W1 beside a busy neighbour: nncli >= 80% of its quiet samples/s", spread(kept, "{:.0%}"),
                   statistics.median(kept) >= 0.8))
    each = ratios(busy, "nncli", "sklearn")
    if each:
        checks.append(("W1 beside a busy neighbour: nncli >= 3x scikit-learn", spread(each, "{:.2f}x"),
                       statistics.median(each) >= 3))
    return checks


def spread(each, fmt):
    """The median of ``each``, and its range when there are several."""
    text = fmt.format(statistics.median(each))
    return text + (f" ({fmt.format(min(each))} to {fmt.format(max(each))})" if len(each) > 1 else "")


def machine():
    """One line about the machine and the libraries."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = [f"Python {platform.python_version()}", f"NumPy {np.__version__}"]
    for module in ("sklearn", "torch"):
        try:
            versions.append(f"{module} {__import__(module).__version__}")
        except ImportError:
            versions.append(f"{module} not installed")
    blas = {key: os.environ[key] for key in sorted(os.environ) if key.startswith(("OPENBLAS_", "OMP_", "MKL_"))}
    return (f"{cpu}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}; " + ", ".join(versions)
            + (f"; {' '.join(f'{k}={v}' for k, v in blas.items())}" if blas else ""))


def load_average():
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workload", action="append", choices=list(workloads.WORKLOADS),
                        help="run only this workload (repeatable); default: all")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each implementation (default 3)")
    parser.add_argument("--no-torch", action="store_true", help="leave PyTorch out even if installed")
    parser.add_argument("--no-startup", action="store_true", help="skip the command-line start-up timings")
    parser.add_argument("--neighbour", action="store_true",
                        help="also measure every run beside a CPU-bound neighbour process (benchmarks/neighbour.py)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        args.workload = args.workload[0]
        return child(args)

    def log(text):
        print(text, file=sys.stderr, flush=True)

    keys = args.workload or list(workloads.WORKLOADS)
    implementations = [name for name in peers.IMPLEMENTATIONS
                       if peers.available(name) and not (name == "torch" and args.no_torch)]
    command = "python benchmarks/run.py " + " ".join(sys.argv[1:] if argv is None else argv)
    log(f"machine: {machine()}")
    load_at_start = load_average()
    log(f"load average at start: {load_at_start}")
    started = time.perf_counter()
    all_rows, busy_rows = {}, {}
    notes = []
    settings = (QUIET, BUSY) if args.neighbour else (QUIET,)
    for key in keys:
        workload = workloads.WORKLOADS[key]
        data, results = run_workload(workload, implementations, args.repeat, log, settings)
        all_rows[key] = (workload, summarise(workload, data, results[QUIET]))
        if args.neighbour:
            busy_rows[key] = (workload, summarise(workload, data, results[BUSY]))
        notes.append(f"- {workload.title}: {'-'.join(map(str, workload.sizes))} {workload.activation}, "
                     f"{workload.optimizer} lr {workload.lr:g}, batch {workload.batch_size}, "
                     f"{workload.epochs} epochs; {data.note}")
    start = None if args.no_startup else startup(log)
    shown = list(peers.IMPLEMENTATIONS)
    if args.no_torch:
        shown.remove("torch")
    print(f"Command: `{command.strip()}`  ")
    print(f"Machine: {machine()}  ")
    print(f"Load average (1, 5, 15 min) at start: {load_at_start}, at end: {load_average()}; medians of {args.repeat} "
          f"interleaved runs, each in a fresh process; {time.perf_counter() - started:.0f} s in all")
    print()
    print(table(all_rows, shown))
    if args.neighbour:
        print()
        print("Beside a busy neighbour (one CPU-bound process, `benchmarks/neighbour.py`, the same for every "
              "implementation, started before each run and killed after it; each repeat's quiet and busy runs "
              "side by side):")
        print()
        print(table(busy_rows, shown))
    print()
    print("\n".join(notes))
    if start:
        print()
        print(startup_table(start))
    print()
    print("| target | measured: median (range over the repeats) | met |")
    print("|---|---|---|")
    for text, value, met in targets(all_rows, start) + (busy_targets(all_rows, busy_rows) if args.neighbour else []):
        print(f"| {text} | {value} | {'-' if met is None else ('yes' if met else 'NO')} |")
    print("| `nncli predict` memory flat from 100k to 2M rows | measured apart: `python benchmarks/predict_memory.py` "
          "(it writes a 2M-row CSV) | - |")


if __name__ == "__main__":
    main()

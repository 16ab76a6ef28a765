"""Start-up timings of the command line: ``nncli --help``, a small training, ``nncli
runs``, and W1 trained end to end through ``nncli train`` (``run.py`` prints them after
the workloads; ``xargs_w1.py`` trains the same W1 config)."""

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("numpy", "sklearn", "matplotlib", "scipy", "torch")



def nncli_command():
    """How to start nncli: the console script beside this Python, else ``python -m nncli``."""
    script = Path(sys.executable).parent / "nncli"
    return [str(script)] if script.exists() else [sys.executable, "-m", "nncli"]


def wall(command, runs, **kwargs):
    """Wall-clock seconds of each of ``runs`` runs of ``command``."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, **kwargs)
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed: {done.stderr.strip()[-300:]}")
    return times


def heavy_imports(arguments):
    """The heavy libraries that ``nncli ARGUMENTS`` imports (``python -X importtime``)."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "nncli"] + arguments,
                          capture_output=True, text=True)
    imported = {line.split("|")[-1].strip().split(".")[0] for line in done.stderr.splitlines()
                if line.startswith("import time:")}
    return sorted(imported & set(HEAVY))


def startup(log):
    """``nncli --help`` wall time, what it imports, and ``nncli train configs/circles.yaml``."""
    results = {}
    log("  start-up: nncli --help")
    results["help"] = wall(nncli_command() + ["--help"], 7)
    results["help_imports"] = heavy_imports(["--help"])
    log("  start-up: nncli train configs/circles.yaml")
    with tempfile.TemporaryDirectory(prefix="nncli-bench-runs-") as runs_root:
        circles = nncli_command() + ["train", str(ROOT / "configs" / "circles.yaml"), "--runs-root", runs_root,
                                     "--quiet"]
        results["train_circles"] = wall(circles, 3)
        log("  start-up: nncli train configs/circles.yaml --set output.plots=false")
        results["train_circles_no_plots"] = wall(circles + ["--set", "output.plots=false"], 5)
        log("  start-up: nncli runs")
        results["runs"] = wall(nncli_command() + ["runs", runs_root], 7)
        results["runs_imports"] = heavy_imports(["runs", runs_root])
        log("  end to end: W1 through nncli train")
        command = nncli_command() + ["train", str(ROOT / "configs" / "digits.yaml"), "--runs-root", runs_root,
                                     "--json"] + [f"--set={item}" for item in W1_SETTINGS]
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True)
        results["w1_cli_wall"] = time.perf_counter() - started
        if done.returncode != 0:
            raise RuntimeError(f"nncli train (W1) failed: {done.stderr.strip()[-300:]}")
        metrics = json.loads(done.stdout.strip().splitlines()[-1])["metrics"]
        results["w1_cli"] = metrics
    return results


#: configs/digits.yaml turned into workload W1 with --set
W1_SETTINGS = ("data.val_size=0", "training.early_stopping=null", "training.weight_decay=0", "model.init=glorot",
               "training.epochs=30", "training.checkpoint_every=30", "output.plots=false")


def startup_table(results):
    help_times, circles, w1 = results["help"], results["train_circles"], results["w1_cli"]
    no_plots = results["train_circles_no_plots"]
    heavy = ", ".join(results["help_imports"]) or "none"
    return "\n".join([
        "| command | wall (s) | note |",
        "|---|---:|---|",
        f"| `nncli --help` | {min(help_times):.3f} | best of {len(help_times)}; median "
        f"{statistics.median(help_times):.3f}; heavy imports: {heavy} |",
        f"| `nncli train configs/circles.yaml` | {statistics.median(circles):.2f} | median of {len(circles)} "
        f"(best {min(circles):.2f}), import to exit, plots included |",
        f"| `nncli train configs/circles.yaml --set output.plots=false` | {statistics.median(no_plots):.2f} "
        f"| median of {len(no_plots)} (best {min(no_plots):.2f}), import to exit |",
        f"| `nncli runs` (three runs) | {min(results['runs']):.3f} | best of {len(results['runs'])}; "
        f"heavy imports: {', '.join(results['runs_imports']) or 'none'} |",
        f"| W1 end to end: `nncli train configs/digits.yaml --set ...` | {results['w1_cli_wall']:.2f} | "
        f"{w1['train_seconds']:.3f} s of it training ({w1['n_train'] * w1['epochs_run'] / w1['train_seconds']:,.0f} "
        f"samples/s), test accuracy {w1['test_accuracy']:.4f}; the rest is start-up, data and the run directory |",
    ])

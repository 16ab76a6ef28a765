"""Time drawing every picture of a circles run: this checkout against an older one.

    python benchmarks/plots.py                       # 7 repeats against BASELINE
    python benchmarks/plots.py --repeat 11 --baseline <git ref>
    python benchmarks/plots.py --whole               # also `nncli train` with and without pictures
    python benchmarks/plots.py --whole --neighbour   # all of it beside a busy neighbour (one core)

The run is trained once (configs/circles.yaml, no pictures).  Each measurement is
a fresh process that loads the run (not timed), then imports matplotlib and draws
every picture that applies, as the end of ``nncli train`` does: that is what is
timed, as wall time and as the process's CPU time.  The older code is taken from
git (``git archive``) into a temporary directory.  The two sides alternate within
each repeat, so that a busy machine slows both alike; the ratio new / old is
taken within each repeat and the table shows its median.  On a shared machine
the CPU-time ratio is the steadier figure.

``--whole`` then times the whole command, ``nncli train configs/circles.yaml``,
with its pictures and with ``--no-plots`` (this checkout), alternating: the
difference of the medians is what the pictures cost a user.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: main before nncli drew its pictures itself (matplotlib, tight layout, Agg canvas)
BASELINE = "696cff37082bfc02c9df85aa84a4f99bb455b7e3"

CHILD = """
import json, sys, time
from pathlib import Path
import nncli
assert Path(nncli.__file__).parent.parent == Path(sys.argv[2]), (nncli.__file__, sys.argv[2])
from nncli.runs.load import load_run
run = load_run(sys.argv[1])
wall, cpu = time.perf_counter(), time.process_time()
from nncli.plots import draw_all
drawing = draw_all(run=run)
print(json.dumps({"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu,
                  "pictures": sorted(path.stem for path in drawing.paths)}))
"""


def export(ref, into):
    """The ``nncli`` package of git ref ``ref``, unpacked under ``into``."""
    done = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", ref, "nncli"], capture_output=True)
    if done.returncode != 0:
        raise SystemExit(f"cannot take nncli/ from git ref {ref!r}: {done.stderr.decode(errors='replace').strip()}")
    archive = done.stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        # the "data" filter (no links out, no devices) where this Python has it
        tar.extractall(into, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
    return into


def train(into):
    """A circles run without pictures; its directory."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1")
    done = subprocess.run([sys.executable, "-m", "nncli", "train", str(ROOT / "configs" / "circles.yaml"),
                           "--runs-root", str(into), "--quiet", "--set", "output.plots=false"],
                          capture_output=True, text=True, check=True, env=env)
    return Path(done.stdout.strip().splitlines()[-1])


def measure(code_root, run_dir):
    env = dict(os.environ, PYTHONPATH=str(code_root), OPENBLAS_NUM_THREADS="1")
    # `python -c` imports from the working directory first: run where there is no nncli/
    done = subprocess.run([sys.executable, "-c", CHILD, str(run_dir), str(code_root)], capture_output=True,
                          text=True, env=env, cwd=run_dir)
    if done.returncode != 0:
        raise SystemExit(f"drawing with {code_root} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def whole_command(runs_root, plots):
    """(wall, CPU) seconds of one `nncli train configs/circles.yaml` (a fresh process), with or without pictures."""
    import resource
    import time

    command = [sys.executable, "-m", "nncli", "train", str(ROOT / "configs" / "circles.yaml"), "--quiet",
               "--runs-root", str(runs_root)] + ([] if plots else ["--no-plots"])
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=env, cwd=runs_root)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def compare_whole(scratch, repeat):
    times = {True: [], False: []}
    root = scratch / "whole"
    root.mkdir()
    whole_command(root, True)  # untimed: disk cache
    for i in range(repeat):
        for plots in ((True, False) if i % 2 == 0 else (False, True)):
            times[plots].append(whole_command(root, plots))
    print(f"nncli train configs/circles.yaml, {repeat} runs each, alternated (medians):")
    for index, what in ((0, "wall"), (1, "CPU ")):
        with_ = statistics.median(t[index] for t in times[True])
        without = statistics.median(t[index] for t in times[False])
        print(f"  {what} {with_:.3f}s with pictures, {without:.3f}s with --no-plots: "
              f"the pictures cost {with_ - without:.3f}s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--whole", action="store_true", help="also time the whole train command with and without")
    parser.add_argument("--neighbour", action="store_true", help="measure beside a busy process (neighbour.py)")
    parser.add_argument("--baseline", default=BASELINE, help="git ref of the older code (default: %(default)s)")
    args = parser.parse_args()
    if args.neighbour:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from neighbour import busy_neighbour

        with busy_neighbour():
            print("beside a busy neighbour (one core spinning)")
            compare(args)
    else:
        compare(args)


def compare(args):
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        old_code = export(args.baseline, scratch / "old")
        run = train(scratch / "runs")
        sides = {"old": (old_code, scratch / "run-old"), "new": (ROOT, scratch / "run-new")}
        for _, copy in sides.values():
            shutil.copytree(run, copy)
        for code, copy in sides.values():  # once each, untimed: font cache, disk cache
            measure(code, copy)
        rows = []
        print(f"drawing every picture of a circles run; old = {args.baseline[:10]}, new = this checkout")
        print(f"{'repeat':>6} {'old wall':>9} {'new wall':>9} {'ratio':>6} {'old cpu':>8} {'new cpu':>8} {'ratio':>6}")
        for repeat in range(args.repeat):
            order = ("old", "new") if repeat % 2 == 0 else ("new", "old")
            result = {side: measure(*sides[side]) for side in order}
            row = {f"{side}_{key}": result[side][key] for side in ("old", "new") for key in ("wall", "cpu")}
            row["wall_ratio"] = row["new_wall"] / row["old_wall"]
            row["cpu_ratio"] = row["new_cpu"] / row["old_cpu"]
            rows.append(row)
            print(f"{repeat + 1:>6} {row['old_wall']:>8.3f}s {row['new_wall']:>8.3f}s {row['wall_ratio']:>6.2f}"
                  f" {row['old_cpu']:>7.3f}s {row['new_cpu']:>7.3f}s {row['cpu_ratio']:>6.2f}")
        median = {key: statistics.median(row[key] for row in rows) for key in rows[0]}
        print(f"{'median':>6} {median['old_wall']:>8.3f}s {median['new_wall']:>8.3f}s {median['wall_ratio']:>6.2f}"
              f" {median['old_cpu']:>7.3f}s {median['new_cpu']:>7.3f}s {median['cpu_ratio']:>6.2f}")
        fastest = {key: min(row[key] for row in rows) for key in ("old_wall", "new_wall", "old_cpu", "new_cpu")}
        print(f"{'min':>6} {fastest['old_wall']:>8.3f}s {fastest['new_wall']:>8.3f}s "
              f"{fastest['new_wall'] / fastest['old_wall']:>6.2f} {fastest['old_cpu']:>7.3f}s "
              f"{fastest['new_cpu']:>7.3f}s {fastest['new_cpu'] / fastest['old_cpu']:>6.2f}")
        print("pictures (new):", ", ".join(result["new"]["pictures"]))
        if args.whole:
            compare_whole(scratch, args.repeat)


if __name__ == "__main__":
    main()

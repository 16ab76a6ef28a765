"""Prove a change behaviour-preserving: train every config in ``configs/`` with this
checkout and with an earlier commit, in float32 and float64, and compare the
``weights.npz`` files bit for bit.

    python scripts/same_weights.py REV [--epochs N] [--only NAME ...] [--jobs N]

REV is any git revision (e.g. the commit before a refactor).  Each side trains in
its own source tree (REV is exported with ``git archive`` into a temporary
directory) and its own ``configs/``; plots are off, since they do not touch the
weights.  ``--epochs N`` shortens every training (a quick check while working);
without it every config trains as written.  Exit code 0 when every pair is
identical, 1 otherwise.
"""

import argparse
import os
import subprocess
import sys
import tarfile
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DTYPES = ("float32", "float64")


def export(rev, destination):
    """The tree of ``rev`` unpacked into ``destination``."""
    archive = destination / "tree.tar"
    subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", "-o", str(archive), rev], check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(destination / "tree", filter="data")
    return destination / "tree"


def train(tree, config, dtype, runs_root, epochs):
    """Train ``config`` with the nncli of ``tree``; return the run directory."""
    command = [sys.executable, "-m", "nncli", "train", str(config), "--quiet", "--runs-root", str(runs_root),
               "--set", f"training.dtype={dtype}", "--set", "output.plots=false"]
    if epochs is not None:
        command += ["--set", f"training.epochs={epochs}"]
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True)
    if done.returncode not in (0, 1):  # 1: a run that diverged still has weights to compare
        raise RuntimeError(f"{tree.name}: {config.name} {dtype} exited {done.returncode}: {done.stderr.strip()}")
    return Path(done.stdout.strip().splitlines()[-1])


def identical(first, second):
    """'' when two weights.npz hold the same arrays bit for bit, else what differs."""
    with np.load(first, allow_pickle=False) as a, np.load(second, allow_pickle=False) as b:
        if sorted(a.files) != sorted(b.files):
            return f"keys {sorted(a.files)} vs {sorted(b.files)}"
        for key in a.files:
            x, y = a[key], b[key]
            if x.dtype != y.dtype or x.shape != y.shape or x.tobytes() != y.tobytes():
                worst = np.max(np.abs(x.astype(np.float64) - y.astype(np.float64))) if x.shape == y.shape else "-"
                return f"{key} differs (max abs difference {worst})"
    return ""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rev", help="the revision to compare against, e.g. HEAD~3")
    parser.add_argument("--epochs", type=int, default=None, help="train every config this many epochs")
    parser.add_argument("--only", nargs="*", default=None, help="config names (file stems) to check")
    parser.add_argument("--jobs", type=int, default=2, help="trainings at once (default 2)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        before = export(args.rev, scratch)
        configs = sorted(path.stem for path in (ROOT / "configs").glob("*.yaml"))
        if args.only:
            configs = [name for name in configs if name in args.only]
        cases = [(name, dtype) for name in configs for dtype in DTYPES]

        def compare(case):
            name, dtype = case
            old = train(before, before / "configs" / f"{name}.yaml", dtype, scratch / "before", args.epochs)
            new = train(ROOT, ROOT / "configs" / f"{name}.yaml", dtype, scratch / "after", args.epochs)
            return name, dtype, identical(old / "weights.npz", new / "weights.npz")

        failures = 0
        with ThreadPoolExecutor(args.jobs) as pool:
            for name, dtype, difference in pool.map(compare, cases):
                failures += bool(difference)
                print(f"{name:<20} {dtype:<8} {'DIFFERENT: ' + difference if difference else 'identical'}",
                      flush=True)
    print(f"{len(cases) - failures} of {len(cases)} identical to {args.rev}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

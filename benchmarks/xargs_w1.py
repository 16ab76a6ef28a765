"""Eight `nncli train` runs of the W1 config through `xargs -P 2`, with and without
`OPENBLAS_NUM_THREADS=1` set by hand.

    python benchmarks/xargs_w1.py                  # 3 rounds of each setting
    python benchmarks/xargs_w1.py --repeat 5 --runs 8 --jobs 2

Each round runs, one after the other and in a new order every round, the same
`xargs -P JOBS` command line (``RUNS`` trainings of configs/digits.yaml with the
W1 settings, as ``run.py``'s end-to-end row) under three environments:

- nncli's choice: no BLAS variable set (nncli picks the thread count by size);
- `OPENBLAS_NUM_THREADS=1` set by hand;
- `OPENBLAS_NUM_THREADS=2` set by hand: OpenBLAS's own default on two cores, as
  nncli ran before it chose (a set variable is respected, so this is the old way).

The table shows the wall time of each whole `xargs` (median and range over the
rounds) and each setting's time over the hand-set one thread, round by round
(the issue's target: nncli's choice no slower than `OPENBLAS_NUM_THREADS=1`).
"""

import argparse
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from startup import ROOT, W1_SETTINGS, nncli_command  # noqa: E402

BLAS_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")
SETTINGS = {"nncli's choice (no variable)": {},
            "OPENBLAS_NUM_THREADS=1 by hand": {"OPENBLAS_NUM_THREADS": "1"},
            "OPENBLAS_NUM_THREADS=2 by hand (the old default)": {"OPENBLAS_NUM_THREADS": "2"}}
BASELINE = "OPENBLAS_NUM_THREADS=1 by hand"


def xargs_command(runs_root, runs, jobs):
    """The shell command: ``runs`` W1 trainings, ``jobs`` at a time."""
    train = nncli_command() + ["train", str(ROOT / "configs" / "digits.yaml"), "--quiet",
                               "--runs-root", str(runs_root)] + [f"--set={item}" for item in W1_SETTINGS]
    # xargs puts each number into the run's name (--name w1-{})
    return f"seq 1 {runs} | xargs -P {jobs} -I {{}} {shlex.join(train)} --name w1-{{}}"


def one_round(command, variables):
    """Wall seconds of ``command`` run by the shell with only ``variables`` among the BLAS ones."""
    env = {key: value for key, value in os.environ.items() if key not in BLAS_VARIABLES}
    env.update(variables)
    started = time.perf_counter()
    done = subprocess.run(command, shell=True, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"xargs failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="rounds of each setting (default 3)")
    parser.add_argument("--runs", type=int, default=8, help="trainings per xargs (default 8)")
    parser.add_argument("--jobs", type=int, default=2, help="xargs -P (default 2)")
    args = parser.parse_args(argv)
    if shutil.which("xargs") is None or shutil.which("seq") is None:
        sys.exit("xargs_w1.py needs xargs and seq on PATH")
    times = {name: [] for name in SETTINGS}
    names = list(SETTINGS)
    with tempfile.TemporaryDirectory(prefix="nncli-xargs-") as scratch:
        for repeat in range(args.repeat):
            order = names[repeat % len(names):] + names[:repeat % len(names)]  # each setting goes first in turn
            for name in order:
                runs_root = Path(scratch) / f"round{repeat}-{names.index(name)}"
                print(f"  round {repeat + 1}/{args.repeat}: {name}", file=sys.stderr, flush=True)
                times[name].append(one_round(xargs_command(runs_root, args.runs, args.jobs), SETTINGS[name]))
                shutil.rmtree(runs_root, ignore_errors=True)
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "unknown"
    print(f"Command: `python benchmarks/xargs_w1.py {' '.join(sys.argv[1:] if argv is None else argv)}`  ")
    print(f"{os.cpu_count()} CPUs; load average at the end {load}; {args.runs} trainings of W1 "
          f"(configs/digits.yaml --set {' '.join(W1_SETTINGS)}) through `xargs -P {args.jobs}`, "
          f"{args.repeat} rounds\n")
    print("| setting | wall s: median (range) | / one thread by hand: median (range) |")
    print("|---|---:|---:|")
    for name, each in times.items():
        ratios = [a / b for a, b in zip(each, times[BASELINE])]
        print(f"| {name} | {statistics.median(each):.2f} ({min(each):.2f} to {max(each):.2f}) "
              f"| {statistics.median(ratios):.2f} ({min(ratios):.2f} to {max(ratios):.2f}) |")
    choice = [a / b for a, b in zip(times["nncli's choice (no variable)"], times[BASELINE])]
    met = statistics.median(choice) <= 1.0
    print(f"\nTarget: nncli's choice no slower than OPENBLAS_NUM_THREADS=1 by hand: "
          f"{statistics.median(choice):.2f}x its time, {'met' if met else 'NOT met'}"
          f"{'' if args.repeat > 2 else ' (too few rounds to tell noise from a difference)'}")


if __name__ == "__main__":
    main()

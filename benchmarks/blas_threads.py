"""One BLAS thread or two: the forward and backward matrix products of a dense layer, timed side by side.

    python benchmarks/blas_threads.py                       # the default shapes and batch sizes
    python benchmarks/blas_threads.py --shape 64x128 --batch 32 --batch 256 --repeat 7
    python benchmarks/blas_threads.py --neighbour           # the same beside a CPU-bound process

For each layer shape ``in x out`` and batch size B, one "batch" is the three products
nncli's Dense layer makes (``x @ W.T``, ``d.T @ x``, ``d @ W``: 3 x B x in x out
multiply-adds, float32).  Each repeat times a fixed number of batches with one
thread, then with two (``threadpoolctl``), then the other order, so that a noisy
machine slows both alike; the table shows the medians, and "2 / 1" is the median
over the repeats of the ratio within each repeat (below 1: two threads win).
The column "madds" is the largest single product (B x in x out multiply-adds),
the measure ``nncli.blas_threads`` compares with its threshold.

This is what ``nncli.blas_threads.MIN_MADDS_FOR_THREADS`` was chosen from; run it
on the machine you care about (with the BLAS variables unset: a set
``OPENBLAS_NUM_THREADS`` caps both columns).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))

from neighbour import busy_neighbour  # noqa: E402

SHAPES = ((64, 128), (128, 10), (256, 128), (784, 256), (1024, 225))
BATCHES = (32, 128, 512)


def layer_products(fan_in, fan_out, batch, rng):
    """The three products of one dense-layer batch: ``[(a, b, out)]`` with ``out = a @ b``."""
    x = rng.standard_normal((batch, fan_in)).astype(np.float32)
    weight = rng.standard_normal((fan_out, fan_in)).astype(np.float32)
    delta = rng.standard_normal((batch, fan_out)).astype(np.float32)
    return [(x, weight.T, np.empty((batch, fan_out), np.float32)),
            (delta.T, x, np.empty((fan_out, fan_in), np.float32)),
            (delta, weight, np.empty((batch, fan_in), np.float32))]


def seconds_per_batch(products, threads, budget=0.05):
    """Seconds per batch with ``threads`` BLAS threads, over at least ``budget`` seconds of batches."""
    with threadpool_limits(limits=threads, user_api="blas"):
        for a, b, out in products:  # wake the threads
            np.matmul(a, b, out=out)
        batches, started = 0, time.perf_counter()
        while True:
            for _ in range(20):
                for a, b, out in products:
                    np.matmul(a, b, out=out)
            batches += 20
            elapsed = time.perf_counter() - started
            if elapsed >= budget:
                return elapsed / batches


def measure(fan_in, fan_out, batch, repeats):
    """``(one-thread seconds per batch, two-thread ..., [two / one in each repeat])``."""
    products = layer_products(fan_in, fan_out, batch, np.random.default_rng(0))
    one, two = [], []
    for repeat in range(repeats):
        order = (1, 2) if repeat % 2 == 0 else (2, 1)
        for threads in order:
            (one if threads == 1 else two).append(seconds_per_batch(products, threads))
    return statistics.median(one), statistics.median(two), [b / a for a, b in zip(one, two)]


def shape(text):
    fan_in, _, fan_out = text.partition("x")
    return int(fan_in), int(fan_out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shape", action="append", type=shape, help="a layer IN x OUT, e.g. 64x128 (repeatable)")
    parser.add_argument("--batch", action="append", type=int, help="a batch size (repeatable)")
    parser.add_argument("--repeat", type=int, default=5, help="repeats of each pair (default 5)")
    parser.add_argument("--neighbour", action="store_true", help="beside a CPU-bound process (benchmarks/neighbour.py)")
    args = parser.parse_args(argv)
    blas = {key: os.environ[key] for key in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
            if key in os.environ}
    if blas:
        print(f"warning: {', '.join(blas)} set: the thread counts cannot go above it", file=sys.stderr)
    print(f"{os.cpu_count()} CPUs; load average {' '.join(Path('/proc/loadavg').read_text().split()[:3])}"
          f"{'; beside a busy neighbour' if args.neighbour else ''}\n")
    print("| layer | batch | madds | 1 thread us/batch | 2 threads us/batch | 2 / 1 (range) |")
    print("|---|---:|---:|---:|---:|---:|")
    for fan_in, fan_out in args.shape or SHAPES:
        for batch in args.batch or BATCHES:
            if args.neighbour:
                with busy_neighbour():
                    one, two, each = measure(fan_in, fan_out, batch, args.repeat)
            else:
                one, two, each = measure(fan_in, fan_out, batch, args.repeat)
            print(f"| {fan_in}x{fan_out} | {batch} | {batch * fan_in * fan_out:,} | {one * 1e6:,.0f} "
                  f"| {two * 1e6:,.0f} | {statistics.median(each):.2f} ({min(each):.2f} to {max(each):.2f}) |",
                  flush=True)


if __name__ == "__main__":
    main()

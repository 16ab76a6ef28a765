"""Where nncli's training time goes: microseconds per batch in each phase of the loop.

    python benchmarks/phases.py                  # every workload
    python benchmarks/phases.py --workload W2 --cprofile

Trains each workload once with nncli's Trainer (the loop ``nncli train`` runs),
timing its phases by wrapping them: the forward pass, the backward pass, the
optimizer step, the per-epoch metrics, and the rest (shuffling, gathering the
batches, the loop itself).  The matmul floor (the batch's matrix products alone)
is printed beside it, for scale.  ``--cprofile`` adds the functions that took the
most time under cProfile (which inflates small calls).

It builds the model and data through long-standing parts of nncli only (Dataset,
build_model, Trainer), so it also runs against older versions: point PYTHONPATH at
another checkout to compare before and after.
"""

import argparse
import contextlib
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import peers  # noqa: E402
import workloads  # noqa: E402


def build_trainer(workload, data):
    """A Trainer over ``data`` as it stands in memory (no scaling), nncli's own way."""
    from nncli.config import validate
    from nncli.data.pipeline import Dataset, Split, streams
    from nncli.nn.build import build_model
    from nncli.training.loop import Trainer

    raw = workload.nncli_config()
    raw["training"].pop("checkpoint_every", None)  # not a key in older versions
    config = validate(raw)
    X_train, y_train = data.train
    X_test, y_test = data.test
    n_features = X_train.shape[1]
    dataset = Dataset(Split(X_train, y_train), None, Split(X_test, y_test), [f"x{i}" for i in range(n_features)],
                      ["target"], "classification", (n_features,), np.arange(workload.n_classes),
                      np.zeros(n_features), np.ones(n_features))
    model, head = build_model(config, (n_features,), "classification", workload.n_classes, 0,
                              streams(config.seed)["init"])
    return Trainer(model, head, dataset, config.training, streams(config.seed)["shuffle"])


class Phases:
    """Wraps callables to add up their time; time inside a timed call counts once, for the outer one."""

    def __init__(self):
        self.seconds = {}
        self.depth = 0

    def wrap(self, name, function):
        def timed(*args, **kwargs):
            self.depth += 1
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.depth -= 1
                if self.depth == 0:
                    self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started

        return timed


def blas_threads_of(trainer):
    """The BLAS thread count ``nncli train`` would give this network (nncli.blas_threads);
    nothing in versions from before it chose."""
    try:
        from nncli.blas_threads import threads_for_config
    except ImportError:
        return contextlib.nullcontext()
    return threads_for_config(trainer.model, trainer.training)


def profile(workload, use_cprofile):
    data = workloads.make_data(workload)
    trainer = build_trainer(workload, data)
    phases = Phases()
    model = trainer.model
    model.forward = phases.wrap("forward", model.forward)
    model.backward = phases.wrap("backward", model.backward)
    trainer.optimizer.step = phases.wrap("optimizer step", trainer.optimizer.step)
    for evalset in {id(s): s for s in (trainer.train_set, getattr(trainer, "train_scored", None)) if s}.values():
        evalset.score = phases.wrap("per-epoch metrics", evalset.score)
    profiler = cProfile.Profile() if use_cprofile else None
    with np.errstate(all="ignore"), blas_threads_of(trainer):
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        trainer.fit()
        if profiler:
            profiler.disable()
        total = time.perf_counter() - started
    batches = -(-data.n_train // workload.batch_size) * workload.epochs
    floor = peers.matmul_floor(workload.sizes, workload.batch_size)
    rows = dict(phases.seconds)
    rows["shuffle, gather, loop"] = total - sum(rows.values())
    print(f"{workload.title}: {batches} batches, {total / batches * 1e6:.0f} us per batch "
          f"({data.n_train * workload.epochs / total:,.0f} samples/s); matmul floor {floor * 1e6:.0f} us per batch")
    print("| phase | us per batch | share |")
    print("|---|---:|---:|")
    for name in ("forward", "backward", "optimizer step", "per-epoch metrics", "shuffle, gather, loop"):
        if name in rows:
            print(f"| {name} | {rows[name] / batches * 1e6:.1f} | {rows[name] / total:.0%} |")
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
        print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:6000])
    print()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workload", action="append", choices=list(workloads.WORKLOADS))
    parser.add_argument("--cprofile", action="store_true", help="also print cProfile's top functions")
    args = parser.parse_args()
    for key in args.workload or list(workloads.WORKLOADS):
        profile(workloads.WORKLOADS[key], args.cprofile)


if __name__ == "__main__":
    main()

"""BLAS threads by size (nncli/blas_threads.py): the rule, the user's variables respected
(seen through threadpoolctl in a fresh process), and the same training, predictions and
metrics whether the rule limits the threads or two are forced.  No test is timed."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import ROOT

from nncli import blas_threads, runs
from nncli.config import validate
from nncli.evaluate import evaluate_run
from nncli.nn.build import build_model
from nncli.predict import Predictor
from nncli.runs.load import load_model
from nncli.training.run import train


def _model(model, input_shape, batch_size=32, n_classes=10):
    config = validate({"data": {"dataset": "digits"}, "model": model, "training": {"batch_size": batch_size}})
    return build_model(config, input_shape, "classification", n_classes, 1, seed=0)[0]


@pytest.fixture
def no_user_variables(monkeypatch):
    for name in blas_threads.USER_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_the_largest_product_of_dense_conv_and_recurrent_layers():
    digits = _model({"hidden": [128]}, (64,))
    assert blas_threads.largest_product(digits, 32) == 32 * 64 * 128  # W1's first layer
    conv = _model({"layers": [{"type": "conv2d", "filters": 8, "kernel": 3}]}, (1, 8, 8))
    # one product per sample: 8 filters x (1 channel x 3 x 3) x 8*8 positions; the dense after it: 32 x 512 x 10
    assert blas_threads.largest_product(conv, 1) == max(8 * 9 * 64, 1 * 512 * 10)
    assert blas_threads.largest_product(conv, 32) == 32 * 512 * 10
    lstm = _model({"layers": [{"type": "lstm", "units": 16}]}, (8, 8))
    # all steps in one product: the recurrent weights' gradient, 32 rows x 8 steps x 16 units x 64 gate rows
    # (the input projection, 32 x 8 steps x 8 features x 64, is smaller)
    assert blas_threads.largest_product(lstm, 32) == max(32 * 8 * 16 * 64, 32 * 8 * 8 * 64)


def test_small_products_get_one_thread_and_large_ones_the_librarys_count(no_user_variables):
    small, large = _model({"hidden": [128]}, (64,)), _model({"hidden": [256, 128]}, (784,))
    assert blas_threads.chosen_threads(small, 32) == 1  # W1: 262,144 multiply-adds
    assert blas_threads.chosen_threads(large, 128) is None  # W2: 25.7 million
    assert blas_threads.batch_rows(64) == 64 and blas_threads.batch_rows("full") == blas_threads.FULL_BATCH_ROWS
    threshold = blas_threads.MIN_MADDS_FOR_THREADS
    rows = threshold // (64 * 128)
    assert blas_threads.chosen_threads(small, rows - 1) == 1 and blas_threads.chosen_threads(small, rows) is None


@pytest.mark.parametrize("name", blas_threads.USER_VARIABLES)
def test_a_variable_the_user_set_leaves_the_count_alone(name):
    small = _model({"hidden": [128]}, (64,))
    assert blas_threads.chosen_threads(small, 32, environ={name: "2"}) is None
    assert blas_threads.user_setting({name: " "}) is None  # set but empty: not a choice
    assert blas_threads.chosen_threads(small, 32, environ={}) == 1


SEE_THREADS = """
import json, sys
from nncli import blas_threads
started = blas_threads.start_single_threaded() if "start" in sys.argv else False
from threadpoolctl import threadpool_info
from nncli.config import validate
from nncli.nn.build import build_model

def blas():
    return [entry["num_threads"] for entry in threadpool_info() if entry["user_api"] == "blas"]

def model(hidden, inputs):
    config = validate({"data": {"dataset": "digits"}, "model": {"hidden": hidden}})
    return build_model(config, (inputs,), "classification", 10, 1, seed=0)[0]

if "hold" in sys.argv:
    blas_threads.hold_one_thread()
seen = {"started": started, "before": blas(), "cores": blas_threads.usable_cores()}
for name, network, rows in (("small", model([128], 64), 32), ("large", model([256, 128], 784), 128)):
    with blas_threads.threads_for(network, rows) as chosen:
        seen[name] = {"chosen": chosen, "inside": blas()}
seen["after"] = blas()
print(json.dumps(seen))
"""


def _threads_seen(*flags, **variables):
    env = {key: value for key, value in os.environ.items()
           if key not in blas_threads.USER_VARIABLES + (blas_threads.STARTED_SINGLE,)}
    env.update(variables, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", SEE_THREADS, *flags], capture_output=True, text=True, env=env,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_in_a_fresh_process_a_small_model_runs_on_one_thread_and_the_count_comes_back():
    seen = _threads_seen()
    assert seen["small"]["chosen"] == 1 and set(seen["small"]["inside"]) == {1}
    assert seen["large"]["chosen"] is None and seen["large"]["inside"] == seen["before"]
    assert seen["after"] == seen["before"]


def test_the_command_starts_openblas_on_one_thread_and_gives_a_large_network_every_core():
    seen = _threads_seen("start")
    assert seen["started"] and set(seen["before"]) == {1} and seen["after"] == seen["before"]
    assert seen["small"]["chosen"] == 1 and set(seen["small"]["inside"]) == {1}
    assert seen["large"]["chosen"] == seen["cores"] and set(seen["large"]["inside"]) == {seen["cores"]}


def test_a_sweep_worker_holding_one_thread_keeps_it_for_every_network():
    seen = _threads_seen("start", "hold")
    assert seen["small"]["chosen"] is None and seen["large"]["chosen"] is None
    assert set(seen["large"]["inside"]) == set(seen["after"]) == {1}


@pytest.mark.parametrize("name", ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"])
def test_in_a_fresh_process_the_users_variable_is_respected(name):
    seen = _threads_seen("start", **{name: "2"})
    assert not seen["started"]
    assert seen["small"]["chosen"] is None and seen["large"]["chosen"] is None
    assert seen["small"]["inside"] == seen["large"]["inside"] == seen["before"] == seen["after"]
    if os.cpu_count() >= 2:  # OpenBLAS caps its count at the CPUs it sees
        assert set(seen["before"]) == {2}


def test_nnclis_own_single_thread_start_is_not_taken_for_the_users():
    ours = {"OPENBLAS_NUM_THREADS": "1", blas_threads.STARTED_SINGLE: "1"}
    assert blas_threads.user_setting(ours) is None and blas_threads.started_single(ours)
    assert blas_threads.user_setting({**ours, "OPENBLAS_NUM_THREADS": "3"}) == "OPENBLAS_NUM_THREADS"
    assert blas_threads.user_setting({**ours, "OMP_NUM_THREADS": "2"}) == "OMP_NUM_THREADS"
    environ = {}
    assert blas_threads.start_single_threaded(environ) is False and environ == {}  # NumPy is loaded: too late


CONFIG = {"seed": 4, "data": {"dataset": "digits", "val_size": 0.2}, "model": {"hidden": [48]},
          "output": {"plots": False}, "training": {"epochs": 3, "batch_size": 32, "checkpoint_seconds": None}}


def _trained(tmp_path, name, forced_threads, monkeypatch):
    """A run trained by the rule (forced_threads None), or with the rule off and that many threads."""
    from threadpoolctl import threadpool_limits

    if forced_threads is None:
        return train(validate(CONFIG), run_dir=tmp_path / name)[0]
    with monkeypatch.context() as patch, threadpool_limits(limits=forced_threads, user_api="blas"):
        patch.setattr(blas_threads, "MIN_MADDS_FOR_THREADS", 0)  # every product "large": the rule sets nothing
        return train(validate(CONFIG), run_dir=tmp_path / name)[0]


def test_weights_metrics_and_predictions_do_not_depend_on_the_thread_choice(tmp_path, monkeypatch,
                                                                            no_user_variables):
    limited = _trained(tmp_path, "limited", None, monkeypatch)
    forced = _trained(tmp_path, "forced", 2, monkeypatch)
    for name in (runs.WEIGHTS, runs.CHECKPOINT):
        ours, theirs = np.load(limited / name), np.load(forced / name)
        assert sorted(ours.files) == sorted(theirs.files)
        for key in set(ours.files) - {"progress", "config_yaml"}:  # weights, optimizer state
            assert ours[key].tobytes() == theirs[key].tobytes(), (name, key)
    # The batches' products are below OpenBLAS's own split, so the training is the same bits; scoring
    # the 360 validation rows is one product above it, which two threads split, and a split product
    # can round differently in float32's last bit (seen: val_loss 0.68521559 against 0.68521553).
    # (Hence nncli's rule is per model: evaluate and predict use the training's count, below.)
    ours, theirs = (_metrics(path) for path in (limited, forced))
    assert len(ours) == len(theirs) == 3 and all(a.keys() == b.keys() for a, b in zip(ours, theirs))
    for a, b in zip(ours, theirs):
        assert a == pytest.approx(b, rel=1e-6)
    summaries = [json.loads((path / runs.SUMMARY).read_text()) for path in (limited, forced)]
    for summary in summaries:
        del summary["wall_seconds"], summary["train_seconds"]
    assert summaries[0] == {key: pytest.approx(value, rel=1e-6) if isinstance(value, float) else value
                            for key, value in summaries[1].items()}
    # nncli evaluate repeats summary.json's test metrics exactly, whatever the threads
    report = evaluate_run(limited)
    assert report["metrics"] == {key: value for key, value in summaries[0].items() if key.startswith("test_")}
    rows = np.random.default_rng(0).uniform(0, 16, (50, 64))
    assert Predictor(load_model(limited)).lines(rows) == Predictor(load_model(forced)).lines(rows)


def _metrics(run):
    """metrics.csv's rows as ``{column: float}``, without the timing."""
    header, *lines = (run / runs.METRICS).read_text().splitlines()
    names = header.split(",")
    return [{name: float(value) for name, value in zip(names, line.split(",")) if name != "seconds"}
            for line in lines]


def test_training_runs_its_epochs_on_the_chosen_count_and_puts_the_count_back(tmp_path, no_user_variables):
    from threadpoolctl import threadpool_info

    from nncli.training.observers import Observer

    def blas():
        return [entry["num_threads"] for entry in threadpool_info() if entry["user_api"] == "blas"]

    class SeeThreads(Observer):
        seen = []

        def on_epoch_end(self, trainer, row):
            self.seen.append(blas())

    before = blas()
    train(validate({**CONFIG, "training": {**CONFIG["training"], "epochs": 2}}), run_dir=tmp_path / "run",
          observers=[SeeThreads()])
    assert SeeThreads.seen == [[1] * len(before)] * 2
    assert blas() == before


def test_help_does_not_import_threadpoolctl():
    code = ("import sys\nfrom nncli.cli import app\n"
            "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
            "print('THREADPOOLCTL', 'threadpoolctl' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=60)
    assert "THREADPOOLCTL False" in done.stdout, done.stdout + done.stderr

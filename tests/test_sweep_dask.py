"""``nncli sweep`` on Dask: a LocalCluster, and a scheduler and workers started as separate ``dask`` processes.

Real clusters (no mocks): the trials must equal the local pool's, a worker killed
mid-trial must cost nothing but time, and a CSV must reach workers that share no
directory with the sweep.
"""

import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import yaml
from distributed import Client

from nncli.sweep.dask_executor import DaskExecutor
from nncli.sweep.runner import start_sweep

ROOT = Path(__file__).resolve().parent.parent

# big enough matrices for a multi-threaded BLAS to split them; every executor here uses one BLAS thread a trial
WIDE = """
data: {dataset: random, params: {n_samples: 400, n_features: 512, n_targets: 10}, val_size: 0.2}
model: {hidden: [64, 32], activation: relu}
training: {epochs: 4, batch_size: 64, dtype: float64}
"""

FRUIT = """
data:
  dataset: csv
  path: ../client-data/fruit.csv
  target: fruit
  val_size: 0.2
model: {hidden: [16], activation: relu}
training: {epochs: 5, optimizer: adam}
"""

# what differs between two runs of the same trial: times, processes, and where the sweep ran
VARIES = {"started_at", "ended_at", "pid", "command", "host", "wall_seconds", "train_seconds", "seconds"}


def sweep(cli, config, runs_root, *args):
    result = cli("sweep", config, "--grid", "training.lr=0.001,0.01", "--seeds", "2", "--runs-root", runs_root,
                 "--quiet", *args)
    assert result.exit_code == 0, result.stderr
    return Path(result.stdout.strip().splitlines()[-1])


def assert_same_trials(mine, theirs, ids=None):
    """Every trial directory of sweep ``mine`` equals that of ``theirs``: files, arrays bit for bit, numbers."""
    ids = ids or sorted(p.name for p in (theirs / "trials").iterdir())
    assert sorted(p.name for p in (mine / "trials").iterdir()) == ids
    for trial in ids:
        a, b = mine / "trials" / trial, theirs / "trials" / trial
        assert _names(a) == _names(b), trial
        assert (a / "config.yaml").read_text() == (b / "config.yaml").read_text()
        for name in ("weights.npz", "preprocess.npz"):
            x, y = np.load(a / name), np.load(b / name)
            assert sorted(x.files) == sorted(y.files)
            for key in x.files:
                assert x[key].tobytes() == y[key].tobytes(), (trial, name, key)
        for name in ("summary.json", "meta.json"):
            assert _untimed(json.loads((a / name).read_text())) == _untimed(json.loads((b / name).read_text()))
        assert _untimed_csv(a / "metrics.csv") == _untimed_csv(b / "metrics.csv")


def _names(run_dir):
    return sorted(p.relative_to(run_dir).as_posix() for p in run_dir.rglob("*") if p.is_file())


def _untimed(data):
    return {key: value for key, value in data.items() if key not in VARIES}


def _untimed_csv(path):
    header, *rows = [line.split(",") for line in path.read_text().splitlines()]
    keep = [i for i, name in enumerate(header) if name not in VARIES]
    return [[row[i] for i in keep] for row in [header, *rows]]


@pytest.fixture(scope="module")
def wide(tmp_path_factory):
    path = tmp_path_factory.mktemp("config") / "wide.yaml"
    path.write_text(WIDE)
    return path


@pytest.fixture(scope="module")
def local_sweep(wide, tmp_path_factory):
    """The reference: the same sweep on the local pool of 2 workers (one BLAS thread each)."""
    from typer.testing import CliRunner

    from nncli.cli import app

    runs = tmp_path_factory.mktemp("local")
    result = CliRunner().invoke(app, ["sweep", str(wide), "--grid", "training.lr=0.001,0.01", "--seeds", "2",
                                      "--jobs", "2", "--runs-root", str(runs), "--quiet"])
    assert result.exit_code == 0, result.stderr
    return Path(result.stdout.strip().splitlines()[-1])


class Cluster:
    """A ``dask scheduler`` and ``dask worker`` processes on 127.0.0.1, each worker in a directory of its own
    (its working directory and TMPDIR), none of them under the test's directories."""

    def __init__(self, base):
        self.base, self.processes, self.workers = base, [], {}
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.address = f"tcp://127.0.0.1:{port}"
        self._start("scheduler", "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard")

    def _start(self, name, *args):
        home = self.base / name
        (home / "tmp").mkdir(parents=True)
        env = dict(os.environ, TMPDIR=str(home / "tmp"),
                   PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        log = open(home / "log.txt", "wb")
        process = subprocess.Popen([sys.executable, "-m", "dask", *args], cwd=home, env=env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self.processes.append(process)
        return process

    def add_worker(self, name):
        """Start a worker (no nanny: killing it kills the worker itself) and wait until it has joined."""
        self.workers[name] = self._start(name, "worker", self.address, "--name", name, "--nthreads", "1",
                                         "--no-nanny", "--no-dashboard", "--host", "127.0.0.1",
                                         "--local-directory", str(self.base / name / "tmp"))
        with Client(self.address, timeout="60s", set_as_default=False) as client:
            client.wait_for_workers(len(self.workers), timeout=120)
        return self.workers[name]

    def stop(self):
        for process in self.processes:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=30)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    cluster = Cluster(tmp_path_factory.mktemp("dask-cluster"))
    try:
        cluster.add_worker("w1")
        cluster.add_worker("w2")
        yield cluster
    finally:
        cluster.stop()


def test_a_local_dask_cluster_gives_the_local_pools_trials(cli, wide, local_sweep, tmp_path):
    """``--executor dask`` starts a LocalCluster of 2 process workers (one BLAS thread each, as the pool's)."""
    mine = sweep(cli, wide, tmp_path, "--executor", "dask", "--jobs", "2")
    assert_same_trials(mine, local_sweep)
    spec = yaml.safe_load((mine / "sweep.yaml").read_text())
    assert spec["status"] == "completed"


def test_a_scheduler_and_workers_started_apart_give_the_local_pools_trials(cli, wide, local_sweep, cluster,
                                                                           tmp_path):
    mine = sweep(cli, wide, tmp_path, "--scheduler", cluster.address)
    assert_same_trials(mine, local_sweep)
    # the workers trained in directories of their own, and left none of the trials behind
    assert not any((cluster.base / "w1" / "tmp").rglob("weights.npz"))


def test_a_worker_killed_mid_trial_costs_only_time(cluster, wide, tmp_path):
    """SIGKILL a worker while it trains a trial: the scheduler runs that trial again on another worker,
    every trial completes, each is reported once, and the rerun trial is the one a single training gives."""
    victim = cluster.add_worker("victim")
    lines, outcome = [], {}
    executor = DaskExecutor(scheduler=cluster.address)

    def run():
        outcome["value"] = start_sweep(wide, seeds=6, sets=["training.epochs=300"], runs_root=tmp_path,
                                       executor=executor, progress=lines.append)

    thread = threading.Thread(target=run)
    thread.start()
    killed = None
    try:
        # wait until the victim trains a trial (its run directory appears in the victim's own directory)
        deadline = time.monotonic() + 120
        while killed is None and time.monotonic() < deadline and thread.is_alive():
            started = list((cluster.base / "victim" / "tmp").glob("nncli-dask-*/m-*/t*/meta.json"))
            if started:
                # kill at once: a trial takes about a second here (300 epochs), so this is mid-trial
                victim.send_signal(signal.SIGKILL)
                killed = started[0].parent.name
            time.sleep(0.01)
    finally:
        thread.join(timeout=300)
        executor.close()
    assert killed is not None, "the victim worker never got a trial"
    assert victim.wait(timeout=30) == -signal.SIGKILL
    # it died training: its run directory, never finished, is left in the victim's own directory
    (left,) = (cluster.base / "victim" / "tmp").glob(f"nncli-dask-*/m-*/{killed}/meta.json")
    assert json.loads(left.read_text())["status"] == "running"
    sweep_dir = outcome["value"].path
    spec = yaml.safe_load((sweep_dir / "sweep.yaml").read_text())
    trials = spec["trials"]
    assert len(lines) == len(trials) == 6  # each trial reported once
    assert [row.split()[2] for row in lines] == ["completed"] * 6
    assert outcome["value"].summary["status"] == "completed"
    # the killed trial, trained again elsewhere, equals that trial trained alone (one BLAS thread, as a worker)
    from threadpoolctl import threadpool_limits

    from nncli.training import run as session

    (trial,) = [t for t in trials if t["id"] == killed]
    alone = tmp_path / "alone"
    with threadpool_limits(limits=1):
        session.train_from_config(wide, spec["fixed"] + trial["overrides"] + [f"seed={trial['seed']}",
                                                                              "output.plots=false"], run_dir=alone)
    ours = sweep_dir / "trials" / killed
    for name in ("weights.npz", "preprocess.npz"):
        x, y = np.load(ours / name), np.load(alone / name)
        assert all(x[key].tobytes() == y[key].tobytes() for key in y.files), name


def test_a_csv_travels_to_workers_that_share_no_directory_with_the_sweep(cli, cluster, tmp_path):
    """The CSV and the config are only in the test's directory; the workers run elsewhere (their own working
    directory and TMPDIR).  The trials are the runs ``nncli train`` writes, config.yaml's relative data.path
    included, and the data the workers trained on is the file's bytes (meta.json's sha256)."""
    data = tmp_path / "client-data" / "fruit.csv"
    data.parent.mkdir()
    shutil.copyfile(ROOT / "configs" / "data" / "fruit.csv", data)
    config = tmp_path / "project" / "fruit.yaml"
    config.parent.mkdir()
    config.write_text(FRUIT)
    sweep_dir = sweep(cli, config, tmp_path / "project" / "runs", "--scheduler", cluster.address)
    digest = hashlib.sha256(data.read_bytes()).hexdigest()
    spec = yaml.safe_load((sweep_dir / "sweep.yaml").read_text())
    for trial in spec["trials"]:
        ours = sweep_dir / "trials" / trial["id"]
        assert json.loads((ours / "meta.json").read_text())["data_sha256"] == digest
        assert yaml.safe_load((ours / "config.yaml").read_text())["data"]["path"] == "../" * 5 + "client-data/fruit.csv"
        alone = sweep_dir / "trials" / f"{trial['id']}-alone"  # as deep as the trial: the same relative path
        sets = [a for o in spec["fixed"] + trial["overrides"] + [f"seed={trial['seed']}", "output.plots=false"]
                for a in ("--set", o)]
        trained = cli("train", config, *sets, "--run-dir", alone, "--quiet")
        assert trained.exit_code == 0, trained.stderr
        assert (ours / "config.yaml").read_text() == (alone / "config.yaml").read_text()
        x, y = np.load(ours / "weights.npz"), np.load(alone / "weights.npz")
        assert all(x[key].tobytes() == y[key].tobytes() for key in y.files)
    # the file the workers read was their own copy, in their own temporary directory
    copies = [path for name in ("w1", "w2") for path in (cluster.base / name / "tmp").rglob("fruit.csv")]
    assert copies and all(copy.read_bytes() == data.read_bytes() for copy in copies)
    assert all(cluster.base not in data.parents and tmp_path not in copy.parents for copy in copies)


def test_a_stopped_sweep_resumes_from_the_checkpoints_the_workers_returned(cluster, wide, tmp_path):
    """stop() (Ctrl-C): running trials stop after their batch and come back interrupted with their
    checkpoint; --resume on the cluster continues them there and ends with the uninterrupted trials."""
    from nncli.sweep.runner import resume_sweep

    executor, outcome = DaskExecutor(scheduler=cluster.address), {}
    sets = ["training.epochs=80"]
    thread = threading.Thread(target=lambda: outcome.setdefault("value", start_sweep(
        wide, seeds=2, sets=sets, runs_root=tmp_path, executor=executor)))
    thread.start()
    try:
        deadline = time.monotonic() + 120
        while not list(cluster.base.glob("w*/tmp/nncli-dask-*/m-*/t*/checkpoint.npz")):
            assert time.monotonic() < deadline and thread.is_alive()
            time.sleep(0.01)
        executor.stop()
    finally:
        thread.join(timeout=300)
        executor.close()
    first = outcome["value"]
    assert first.interrupted
    assert ",interrupted," in (first.path / "trials.csv").read_text()
    again = resume_sweep(first.path, DaskExecutor(scheduler=cluster.address))
    assert again.summary["status"] == "completed"
    spec = yaml.safe_load((first.path / "sweep.yaml").read_text())
    from threadpoolctl import threadpool_limits

    from nncli.training import run as session

    resumed = 0
    for trial in spec["trials"]:
        ours = first.path / "trials" / trial["id"]
        resumed += bool(json.loads((ours / "meta.json").read_text()).get("resumed"))
        alone = tmp_path / "alone" / trial["id"]
        with threadpool_limits(limits=1):
            session.train_from_config(wide, spec["fixed"] + trial["overrides"] + [f"seed={trial['seed']}",
                                                                                  "output.plots=false"],
                                      run_dir=alone)
        x, y = np.load(ours / "weights.npz"), np.load(alone / "weights.npz")
        assert all(x[key].tobytes() == y[key].tobytes() for key in y.files), trial["id"]
    assert resumed >= 1  # continued from a checkpoint, not trained again from the start


def test_without_the_dask_extra_the_flags_say_what_to_install(cli, wide, tmp_path, monkeypatch):
    """The extra is installed here (the test extra pulls it in), so its absence is what importlib reports."""
    import importlib.util

    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *args: None if name in ("dask", "distributed") else find_spec(name, *args))
    for flags in (["--executor", "dask"], ["--scheduler", "tcp://127.0.0.1:8786"]):
        result = cli("sweep", wide, *flags, "--runs-root", tmp_path)
        assert result.exit_code == 2 and "pip install 'nncli[dask]'" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert not any(tmp_path.iterdir())

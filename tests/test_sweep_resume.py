"""Ctrl-C stops a sweep resumably (exit 130); --resume trains only what is unfinished and ends
with the files of a sweep that was never interrupted."""

import csv
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import yaml
from conftest import ROOT

# about two seconds a trial: long enough to be stopped mid-training
LONG = ("data: {dataset: xor, params: {n_samples: 2000, noise: 0.1}, val_size: 0.2}\n"
        "model: {hidden: [16], activation: tanh}\n"
        "training: {epochs: 150, batch_size: 16, lr: 0.01, checkpoint_every: 5}\n")
TIMING = {"seconds", "train_seconds", "wall_seconds"}


def start(*args):
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.Popen([sys.executable, "-m", "nncli", "sweep", *map(str, args)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def rows(sweep_dir):
    with open(sweep_dir / "trials.csv", newline="") as handle:
        return {row["id"]: row for row in csv.DictReader(handle)}


def test_interrupt_then_resume_gives_the_uninterrupted_sweep(write_config, tmp_path):
    config = write_config(LONG)
    plan = ["--seeds", "4", "--jobs", "2", "--quiet"]
    stopped = tmp_path / "stopped"
    process = start(config, *plan, "--sweep-dir", stopped)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # wait until one trial finished and others are training
        if (stopped / "trials.csv").exists() and "completed" in {r["status"] for r in rows(stopped).values()}:
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert out.strip().splitlines()[-1] == str(stopped)
    assert "nncli sweep --resume" in err.strip().splitlines()[-1]
    assert yaml.safe_load((stopped / "sweep.yaml").read_text())["status"] == "interrupted"
    assert json.loads((stopped / "summary.json").read_text())["status"] == "interrupted"
    before = rows(stopped)
    finished = {i for i, r in before.items() if r["status"] == "completed"}
    interrupted = {i for i, r in before.items() if r["status"] == "interrupted"}
    assert finished and interrupted, before
    for trial in interrupted:  # left resumable: closed, with a checkpoint
        meta = json.loads((stopped / "trials" / trial / "meta.json").read_text())
        assert meta["status"] == "interrupted" and (stopped / "trials" / trial / "checkpoint.npz").exists()
    kept = {i: (stopped / "trials" / i / "weights.npz").stat().st_mtime_ns for i in finished}

    resumed = start("--resume", stopped, "--quiet")
    out, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, err
    assert out.strip().splitlines()[-1] == str(stopped)
    for trial, mtime in kept.items():  # finished trials are never trained twice
        assert (stopped / "trials" / trial / "weights.npz").stat().st_mtime_ns == mtime
        assert "resumed" not in json.loads((stopped / "trials" / trial / "meta.json").read_text())
    for trial in interrupted:  # interrupted ones continued from their checkpoints
        assert "resumed" in json.loads((stopped / "trials" / trial / "meta.json").read_text())

    whole = tmp_path / "whole"
    straight = start(config, *plan, "--sweep-dir", whole)
    out, err = straight.communicate(timeout=300)
    assert straight.returncode == 0, err
    assert sorted(p.relative_to(whole).as_posix() for p in whole.rglob("*")) == \
           sorted(p.relative_to(stopped).as_posix() for p in stopped.rglob("*"))
    for trial in rows(whole):
        mine = np.load(stopped / "trials" / trial / "weights.npz")
        theirs = np.load(whole / "trials" / trial / "weights.npz")
        assert all(mine[k].tobytes() == theirs[k].tobytes() for k in theirs.files), trial
    assert _untimed(rows(stopped)) == _untimed(rows(whole))
    mine, theirs = (json.loads((d / "summary.json").read_text()) for d in (stopped, whole))
    assert mine["status"] == theirs["status"] == "completed"
    assert mine["selected"] == theirs["selected"]


def _untimed(table):
    return {i: {k: v for k, v in row.items() if k not in TIMING} for i, row in table.items()}

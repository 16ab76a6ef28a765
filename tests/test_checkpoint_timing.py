"""When checkpoint.npz is written: after an epoch once training.checkpoint_seconds have passed
(a clock given to the observer, so no test waits), every training.checkpoint_every epochs when
set, always at the end and when stopped; and a run interrupted between checkpoints resumes to
the same bits."""

from types import SimpleNamespace

import numpy as np
import pytest

from nncli import runs
from nncli.config import validate
from nncli.errors import ConfigError, RunInterrupted
from nncli.training import run as run_module
from nncli.training.observers import Checkpoints, Observer
from nncli.training.resume import resume_run
from nncli.training.run import train


class FakeClock:
    """Seconds that move only when the test says so."""

    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def _epochs(checkpoints, clock, seconds_per_epoch, epochs):
    """Run ``epochs`` epoch ends through ``checkpoints``; the epochs after which it wrote."""
    written = []
    checkpoints.write = lambda trainer: written.append(trainer.epoch)
    trainer = SimpleNamespace(epoch=0)
    checkpoints.on_train_begin(trainer)
    for epoch in range(1, epochs + 1):
        clock.now += seconds_per_epoch
        trainer.epoch = epoch
        checkpoints.on_epoch_end(trainer, {})
    return written


def test_checkpoints_by_time_write_once_the_interval_has_passed_since_the_last():
    clock = FakeClock()
    checkpoints = Checkpoints(None, None, seconds=5, clock=clock)
    assert _epochs(checkpoints, clock, seconds_per_epoch=2, epochs=12) == [3, 6, 9, 12]


def test_slow_epochs_are_each_checkpointed_and_fast_ones_are_not():
    clock = FakeClock()
    assert _epochs(Checkpoints(None, None, seconds=5, clock=clock), clock, 7, 3) == [1, 2, 3]
    assert _epochs(Checkpoints(None, None, seconds=5, clock=clock), clock, 0.001, 300) == []


def test_checkpoint_every_also_writes_on_its_epochs_and_restarts_the_clock():
    clock = FakeClock()
    # 1.5 s epochs: 5 s never pass between the rule's epochs 4, 8, 12, which restart the clock
    assert _epochs(Checkpoints(4, None, seconds=5, clock=clock), clock, 1.5, 12) == [4, 8, 12]
    clock = FakeClock()
    # 2 s epochs: by time at 3 (6 s), by the rule at 4, by time at 7 (6 s after 4), the rule at 8
    assert _epochs(Checkpoints(4, None, seconds=5, clock=clock), clock, 2, 10) == [3, 4, 7, 8]


def test_without_seconds_only_the_epoch_rule_writes():
    clock = FakeClock()
    assert _epochs(Checkpoints(3, None, seconds=None, clock=clock), clock, 100, 7) == [3, 6]


TINY = {"seed": 3, "data": {"dataset": "circles", "params": {"n_samples": 120}},
        "model": {"hidden": [5]}, "output": {"plots": False},
        "training": {"epochs": 6, "batch_size": 16, "dtype": "float64"}}


def _config(**training):
    raw = {**TINY, "training": {**TINY["training"], **training}}
    return validate(raw)


def test_defaults_checkpoint_by_time_every_five_seconds_and_not_by_epochs():
    training = _config().training
    assert (training.checkpoint_seconds, training.checkpoint_every) == (5.0, None)


def test_a_short_training_writes_its_progress_once_at_the_end(tmp_path, monkeypatch):
    written = []
    real = run_module.write_progress
    monkeypatch.setattr(run_module, "write_progress", lambda path, trainer, text: (written.append(trainer.epoch),
                                                                                   real(path, trainer, text)))
    path, summary = train(_config(checkpoint_seconds=1e6), run_dir=tmp_path / "run")
    assert written == [6]  # not one write per epoch; the one at the end
    checkpoint = runs.read_npz(path / runs.CHECKPOINT)
    assert '"epoch": 6' in str(checkpoint["progress"])
    assert len((path / runs.METRICS).read_text().splitlines()) == 1 + 6


class StopAt(Observer):
    """Asks the loop to stop, as a first Ctrl-C would: at the end of epoch ``epoch``, or
    after the first batch of the epoch after it (``mid_epoch``)."""

    def __init__(self, epoch, mid_epoch):
        self.epoch, self.mid_epoch = epoch, mid_epoch

    def on_epoch_begin(self, trainer):
        if self.mid_epoch and trainer.epoch == self.epoch:
            trainer.request_stop()

    def on_epoch_end(self, trainer, row):
        if not self.mid_epoch and trainer.epoch == self.epoch:
            trainer.request_stop()


@pytest.mark.parametrize("mid_epoch", [False, True], ids=["at-an-epoch-end", "inside-an-epoch"])
def test_a_run_stopped_between_time_based_checkpoints_resumes_to_the_same_bits(tmp_path, mid_epoch):
    config = _config(checkpoint_seconds=1e6)  # no checkpoint by time: only the one the stop writes
    reference, _ = train(config, run_dir=tmp_path / "reference")
    with pytest.raises(RunInterrupted):
        train(config, run_dir=tmp_path / "stopped", observers=[StopAt(2, mid_epoch)])
    resumed, summary = resume_run(tmp_path / "stopped")
    assert summary["epochs_run"] == 6
    expected, got = np.load(reference / runs.WEIGHTS), np.load(resumed / runs.WEIGHTS)
    assert sorted(got.files) == sorted(expected.files)
    for key in expected.files:
        assert got[key].tobytes() == expected[key].tobytes(), key
    losses = [line.split(",")[3:] for line in (resumed / runs.METRICS).read_text().splitlines()]
    assert losses == [line.split(",")[3:] for line in (reference / runs.METRICS).read_text().splitlines()]


def test_a_run_resumes_with_its_config_whatever_that_says_about_checkpoint_timing(tmp_path):
    # a run made when checkpoint_every defaulted to 10 has it in its config.yaml; its config file does not
    from nncli.config import load_config
    from nncli.training.resume import _epochs_asked

    written = tmp_path / "then.yaml"
    written.write_text("data: {dataset: circles}\ntraining: {epochs: 3, checkpoint_every: 10}\n")
    given = tmp_path / "now.yaml"
    given.write_text("data: {dataset: circles}\ntraining: {epochs: 3, checkpoint_seconds: 60}\n")
    assert _epochs_asked(load_config(written), load_config(given), (), tmp_path) is None  # nothing to change
    longer = tmp_path / "longer.yaml"  # a new training.epochs is an extension, whatever the timing keys say
    longer.write_text("data: {dataset: circles}\ntraining: {epochs: 4}\n")
    assert _epochs_asked(load_config(written), load_config(longer), (), tmp_path) == 4
    changed = tmp_path / "changed.yaml"
    changed.write_text("data: {dataset: circles}\ntraining: {epochs: 3, lr: 0.5}\n")
    with pytest.raises(ConfigError, match=r"changed config \(training.lr\)"):
        _epochs_asked(load_config(written), load_config(changed), (), tmp_path)

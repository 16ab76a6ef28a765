"""The observers of the training loop, each on its own, and the loop's state with
them: exact resume, also from a checkpoint written before observers existed."""

import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from nncli.config import validate
from nncli.data.pipeline import streams
from nncli.metrics import improved
from nncli.nn.schedules import Plateau, Step
from nncli.training.loop import Interrupted, Trainer
from nncli.training.observers import (
    Checkpoints,
    EarlyStopping,
    LearningRate,
    Observer,
    ObserverList,
    Progress,
    TargetAUC,
    config_rules,
)
from nncli.training.prepare import prepare

OLD_RUN = Path(__file__).parent / "data" / "checkpoint-8926eeb"


class FakeModel:
    """Weights as one array ``w``; ``state_dict`` copies it, as the real model does."""

    def __init__(self):
        self.w = np.zeros(2)

    def state_dict(self):
        return {"w": self.w.copy()}

    def load_state_dict(self, state):
        self.w = state["w"].copy()


def fake_trainer(monitor_split="val"):
    trainer = SimpleNamespace(model=FakeModel(), monitor_split=monitor_split, stop_reason="epochs", epoch=0, lr=None)
    trainer.stop = lambda reason: setattr(trainer, "stop_reason", reason)
    trainer.stopping = False
    return trainer


def stopping(trainer):
    return trainer.stop_reason != "epochs"


def stopping_config(**options):
    return SimpleNamespace(**{"monitor": "val_loss", "patience": 2, "min_delta": 0.0, "restore_best": True,
                              **options})


def epochs(observer, trainer, values, key="val_loss"):
    """Feed ``values`` as the monitored metric of epochs 1, 2, ...; stop when asked to."""
    for epoch, value in enumerate(values, start=1):
        trainer.model.w[:] = epoch  # the weights of this epoch
        trainer.stopping = stopping(trainer)
        observer.on_epoch_end(trainer, {"epoch": epoch, key: value})
        if stopping(trainer):
            return epoch
    return None


def test_the_improvement_rule():
    assert improved(0.5, 1.0) and not improved(1.0, 1.0) and not improved(0.95, 1.0, min_delta=0.1)
    assert improved(0.9, 0.5, higher_is_better=True) and not improved(0.55, 0.5, 0.1, higher_is_better=True)
    assert not any(improved(value, 1.0) for value in (float("nan"), float("inf"), float("-inf")))


def test_observer_hooks_do_nothing_and_a_list_calls_them_in_order():
    calls = []

    class Named(Observer):
        def __init__(self, name):
            self.name = name

        def on_epoch_end(self, trainer, row):
            calls.append(self.name)

        def state(self):
            return {self.name: 1}

    base = Observer()
    for hook in (base.on_train_begin, base.on_epoch_begin, base.on_train_end):
        assert hook(None) is None
    assert base.on_epoch_end(None, {}) is None and base.state() == {} and base.load_state({}) is None
    observers = ObserverList([Named("a"), Named("b")])
    observers.on_epoch_end(None, {})
    assert calls == ["a", "b"] and observers.state() == {"a": 1, "b": 1}
    assert observers.find(Named).name == "a" and observers.find(Progress) is None
    with pytest.raises(ValueError, match="a"):
        ObserverList([Named("a"), Named("a")]).state()


def test_learning_rate_sets_each_epoch_and_feeds_the_plateau():
    trainer = fake_trainer()
    step = LearningRate(Step(0.1, 10, step_size=2, gamma=0.5))
    rates = []
    for epoch in range(4):
        trainer.epoch = epoch
        step.on_epoch_begin(trainer)
        rates.append(trainer.lr)
    assert rates == [0.1, 0.1, 0.05, 0.05]
    plateau = LearningRate(Plateau(1.0, 10, factor=0.5, patience=2))
    for loss in (1.0, 1.0, 1.0):
        plateau.on_epoch_end(trainer, {"val_loss": loss, "train_loss": 0.0})
    plateau.on_epoch_begin(trainer)
    assert trainer.lr == 0.5
    again = LearningRate(Plateau(1.0, 10, factor=0.5, patience=2))
    again.load_state(json.loads(json.dumps(plateau.state())))
    again.on_epoch_begin(trainer)
    assert trainer.lr == 0.5 and again.state() == plateau.state()


def test_target_auc_stops_on_the_monitored_split_only():
    trainer = fake_trainer("val")
    target = TargetAUC(0.9)
    target.on_epoch_end(trainer, {"train_auc": 0.95, "val_auc": 0.85})
    assert trainer.stop_reason == "epochs"
    target.on_epoch_end(trainer, {"train_auc": 0.8, "val_auc": 0.9})
    assert trainer.stop_reason == "target_auc"
    regression = fake_trainer()
    target.on_epoch_end(regression, {"val_loss": 0.1})
    assert regression.stop_reason == "epochs"


def test_early_stopping_waits_patience_epochs_and_restores_the_best():
    trainer = fake_trainer()
    rule = EarlyStopping(stopping_config(patience=2))
    assert epochs(rule, trainer, [1.0, 0.5, 0.6, 0.5, 0.7]) == 4  # 0.5 again is no improvement
    assert trainer.stop_reason == "early_stopping" and rule.best_epoch == 2
    np.testing.assert_array_equal(trainer.model.w, [2, 2])  # epoch 2's weights put back


def test_early_stopping_min_delta_direction_and_no_restore():
    trainer = fake_trainer()
    rule = EarlyStopping(stopping_config(monitor="val_auc", min_delta=0.05, restore_best=False, patience=2))
    assert epochs(rule, trainer, [0.5, 0.6, 0.62, 0.64], key="val_auc") == 4
    assert rule.best_epoch == 2 and rule.best_state is None
    np.testing.assert_array_equal(trainer.model.w, [4, 4])  # the last weights stay


def test_early_stopping_keeps_still_when_another_rule_stopped():
    trainer = fake_trainer()
    rule = EarlyStopping(stopping_config())
    epochs(rule, trainer, [1.0])
    trainer.stop("target_auc")
    trainer.stopping = True
    rule.on_epoch_end(trainer, {"epoch": 2, "val_loss": 0.1})
    assert rule.best_epoch == 1 and trainer.stop_reason == "target_auc"


def test_early_stopping_state_round_trips_through_a_checkpoint():
    trainer = fake_trainer()
    rule = EarlyStopping(stopping_config(patience=3))
    epochs(rule, trainer, [1.0, 0.5, 0.7])
    state = rule.state()
    assert set(state) == {"best_epoch", "best_value", "waited", "best/w"}
    restored = EarlyStopping(stopping_config(patience=3))
    restored.load_state(json.loads(json.dumps({k: v for k, v in state.items() if "/" not in k})) |
                        {"best/w": state["best/w"]})
    assert (restored.best_epoch, restored.best_value, restored.waited) == (2, 0.5, 1)
    np.testing.assert_array_equal(restored.best_state["w"], [2, 2])
    fresh = EarlyStopping(stopping_config())
    fresh.load_state({"best_epoch": 0, "best_value": None, "waited": 0})
    assert fresh.best_state is None


def test_checkpoints_every_n_epochs_and_progress_on_the_reporter():
    written = []
    checkpoints = Checkpoints(3, lambda trainer: written.append(trainer.epoch))
    trainer = fake_trainer()
    for epoch in range(1, 8):
        trainer.epoch = epoch
        checkpoints.on_epoch_end(trainer, {})
    assert written == [3, 6]

    calls = []
    reporter = SimpleNamespace(start=lambda *args: calls.append(("start", args[0], args[3])),
                               epoch=lambda row, total: calls.append(("epoch", row["epoch"], total)),
                               close=lambda: calls.append(("close",)))
    trainer.training = SimpleNamespace(epochs=5)
    progress = Progress(reporter, "run-dir", None)
    progress.on_train_begin(trainer)
    progress.on_epoch_end(trainer, {"epoch": 1})
    progress.on_train_end(trainer)
    assert calls == [("start", "run-dir", 5), ("epoch", 1, 5), ("close",)]


def test_config_rules_follow_the_training_section():
    def training(**options):
        raw = {"data": {"dataset": "circles", "val_size": 0.2}, "training": options}
        return validate(raw).training

    assert [type(rule) for rule in config_rules(training())] == [LearningRate]
    rules = config_rules(training(target_auc=0.9, early_stopping={"patience": 3}))
    assert [type(rule) for rule in rules] == [LearningRate, TargetAUC, EarlyStopping]


def _trainer(config, observers=()):
    dataset, model, head = prepare(config)
    return Trainer(model, head, dataset, config.training, streams(config.seed)["shuffle"], observers)


class StopAt(Observer):
    """Interrupts training (as Ctrl-C does) after epoch ``epoch``."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_end(self, trainer, row):
        if row["epoch"] == self.epoch:
            trainer.request_stop()


@pytest.mark.parametrize("stop_at", [2, 5])
def test_a_trainer_restored_from_its_state_continues_exactly(stop_at):
    raw = {"seed": 4, "data": {"dataset": "moons", "params": {"n_samples": 200}, "val_size": 0.25},
           "model": {"layers": [{"type": "dense", "units": 5, "activation": "tanh"}, {"type": "dropout", "rate": 0.1}]},
           "training": {"epochs": 12, "batch_size": 16, "lr": 0.1, "dtype": "float64",
                        "schedule": {"type": "plateau", "patience": 1},
                        "early_stopping": {"patience": 3, "restore_best": True}}}
    whole = _trainer(validate(raw))
    whole.fit()
    first = _trainer(validate(raw), [StopAt(stop_at)])
    with pytest.raises(Interrupted):
        first.fit()
    state = first.state()
    assert {"progress", "order"} - set(state) == {"order"}  # stopped between epochs
    second = _trainer(validate(raw))
    second.load_state(state)
    second.fit()
    for key, value in whole.model.state_dict().items():
        np.testing.assert_array_equal(second.model.state_dict()[key], value, err_msg=key)
    assert [row["val_loss"] for row in second.rows] == [row["val_loss"] for row in whole.rows]
    assert second.stop_reason == whole.stop_reason
    progress = json.loads(str(second.state()["progress"]))
    assert progress["best_epoch"] == json.loads(str(whole.state()["progress"]))["best_epoch"]


def test_a_checkpoint_written_before_observers_resumes_to_the_uninterrupted_run(cli, tmp_path):
    """tests/data/checkpoint-8926eeb: a run interrupted after epoch 17 by nncli 8926eeb, with
    early stopping waiting (best epoch 15) and a plateau schedule that had lowered the rate."""
    run = tmp_path / "old"
    shutil.copytree(OLD_RUN, run)
    resumed = cli("train", "--resume", run, "--quiet")
    assert resumed.exit_code == 0, resumed.stderr
    # config.yaml of 8926eeb lists every optimizer's settings; a config a user trains from
    # may name only adam's, so the reference trains from the same text without the others
    text = (run / "config.yaml").read_text()
    fresh = tmp_path / "fresh.yaml"
    fresh.write_text("".join(line for line in text.splitlines(True)
                             if line.split(":")[0].strip() not in ("momentum", "rho")))
    reference = cli("train", fresh, "--run-dir", tmp_path / "whole", "--quiet")
    assert reference.exit_code == 0, reference.stderr
    expected = np.load(tmp_path / "whole" / "weights.npz", allow_pickle=False)
    weights = np.load(run / "weights.npz", allow_pickle=False)
    assert sorted(weights.files) == sorted(expected.files)
    for key in expected.files:
        np.testing.assert_array_equal(weights[key], expected[key])
    summary = json.loads((run / "summary.json").read_text())
    whole = json.loads((tmp_path / "whole" / "summary.json").read_text())
    for key in ("stop_reason", "epochs_run", "best_epoch", "test_loss", "val_loss"):
        assert summary[key] == whole[key], key
    assert summary["stop_reason"] == "early_stopping" and summary["best_epoch"] == 15
    columns = [line.split(",")[3:] for line in (run / "metrics.csv").read_text().splitlines()]
    reference = [line.split(",")[3:] for line in (tmp_path / "whole" / "metrics.csv").read_text().splitlines()]
    assert len(columns) == len(reference) and columns[0] == reference[0]
    # epochs 1-17 come from the checkpoint, computed on the machine that wrote it: another CPU's
    # vectorised log/exp may round a loss's last bit differently (same weights, asserted above)
    carried = len((OLD_RUN / "metrics.csv").read_text().splitlines())
    for row, expected_row in zip(columns[1:carried], reference[1:carried]):
        np.testing.assert_allclose(np.array(row, dtype=float), np.array(expected_row, dtype=float), rtol=1e-13)
    assert columns[carried:] == reference[carried:]  # computed here after the resume: bit for bit

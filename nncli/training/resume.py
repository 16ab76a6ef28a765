"""Resuming a training from its ``checkpoint.npz``: an interrupted or crashed run
continues to the same result the uninterrupted training would have reached, and
a finished run given a larger ``training.epochs`` is extended to it.

Extending is continuing with one key changed: the trainer's whole state (weights,
optimizer, random generators, schedule and stopping state, metrics rows) is the
checkpoint's, and only the number of epochs it trains to changes.  Schedules are a
function of the epoch and the configured total, so a schedule that reads the total
(``cosine``) takes the new total from the first extended epoch on; the others
continue exactly as if the run had been configured with the new total from the start.

The run directory is locked first (``runs.RunLock``): a run another process is
training is refused before anything is read.  A run stopped before its first
checkpoint (killed while its directory was set up) starts again in place from
its ``config.yaml``, which reaches the same result.
"""

import json
import os

from .. import runs
from ..config import load_config, resolved_yaml
from ..errors import ConfigError, RunError, echo
from ..reporting import Reporter
from ..runs.directory import check_run_dir
from ..runs.load import load_run_config
from ..runs.reading import YAML_LIMIT, parse_yaml, read_text
from ..signals import stop_on_signals
from .checkpoint import checkpoint_arrays, read_checkpoint, started_config_text
from .observers import EarlyStopping
from .prepare import prepare
from .run import command_line, make_trainer, now, run_to_end, setup_stop, start_training

FINISHED = ("completed", "stopped_early")
#: the one key a resume may change: the number of epochs to train to
EPOCHS = "training.epochs"


def resume_run(run_dir, config_path=None, overrides=(), reporter=None, observers=()):
    """Continue a run from its ``checkpoint.npz``.

    ``config_path`` and ``overrides``, when given, must describe the run's own
    config (they are checked, not applied), except ``training.epochs``: a new value
    (or one set explicitly with ``--set``) trains the run to that many epochs,
    which extends a finished run; ``observers`` as for ``run.train``.

    Returns ``(path, summary)``; ``summary`` is None when the run had already
    finished and no new ``training.epochs`` was given.  Raises RunError when the
    run cannot be resumed, ConfigError when the given config differs from the
    run's in another key or asks for no more epochs than were run.
    """
    path = check_run_dir(run_dir)
    with runs.RunLock() as lock:
        lock.acquire(path)
        return _resume_locked(path, config_path, overrides, reporter or Reporter(), observers, lock.inherited)


def _resume_locked(path, config_path, overrides, reporter, observers, trainer_gone):
    """``trainer_gone``: the run's lock was free although its trainer made the lock file."""
    meta = runs.read_json_object(path / runs.META)
    if not isinstance(meta.get("resumed", []), list):
        raise RunError(f"{path / runs.META} resumed is not a list (of earlier resumptions)")
    status = meta.get("status")
    if status == "diverged":
        raise RunError(f"{path} diverged; start a new run with a smaller training.lr instead of resuming")
    # a run from before the lock has only its pid to tell whether its trainer is still there
    if status == "running" and not trainer_gone and runs.process_alive(meta):
        raise RunError(f"{path} is still being trained by process {meta.get('pid')}")
    config = load_run_config(path)
    target = None  # the new training.epochs, when one is asked for
    if config_path is not None or overrides:
        given = load_config(config_path or path / runs.CONFIG, overrides, run_file=config_path is None)
        target = _epochs_asked(config, given, overrides, path)
    if status in FINISHED and target is None:
        return path, None
    runs.remove_stale_temporaries(path)
    if not (path / runs.CHECKPOINT).exists():
        return _start_again(path, config, meta, reporter, observers)
    dataset, model, head = prepare(config)  # training.epochs does not change the data or the network
    checkpoint = read_checkpoint(path / runs.CHECKPOINT, model, config, len(dataset.train))
    config_text = _refuse_edited_config_file(path, checkpoint, allowed=(EPOCHS,) if target is not None else ())
    if target is not None:
        progress = _progress(checkpoint, path)
        _refuse_target(target, progress, path)
        configured = config.training.epochs
        config = config.replace(EPOCHS, target)
        config_text = resolved_yaml(config, relative_to=path)
    trainer = make_trainer(path, config, config_text, dataset, model, head, reporter, observers)
    try:
        trainer.load_state(checkpoint)
    except (KeyError, ValueError, TypeError, AttributeError, IndexError, OverflowError) as exc:
        raise RunError(f"{path / runs.CHECKPOINT} does not fit this run: {echo(str(exc))}") from None
    stop = setup_stop()
    with stop_on_signals(stop):
        if target is not None:
            _continue_after_stop(trainer)
            # the checkpoint first: it is what a later resume trusts, and it now carries the new text
            runs.write_npz(path / runs.CHECKPOINT, checkpoint_arrays(trainer, config_text))
            runs.write_text(path / runs.CONFIG, config_text)
            _open_segment(meta, int(progress["epoch"]), configured, target, status)
        else:
            _mark_resumed(meta, trainer.epoch)
        meta.update(status="running", pid=os.getpid(), ended_at=None)
        runs.write_json(path / runs.META, meta)
        try:
            return run_to_end(path, config, config_text, dataset, head, trainer, meta, reporter, stop)
        finally:
            if meta.get("segments"):  # run_to_end has set the run's status: the segment ends with it
                meta["segments"][-1].update(status=meta["status"], ended_at=meta["ended_at"],
                                            to_epoch=trainer.epoch)
                runs.write_json(path / runs.META, meta)


def _start_again(path, config, meta, reporter, observers):
    """A run stopped before its first checkpoint: train it from the start in its own directory."""
    config_text = read_text(path / runs.CONFIG, YAML_LIMIT)
    dataset, model, head = prepare(config)
    stop = setup_stop()
    with stop_on_signals(stop):
        _mark_resumed(meta, 0)
        meta.update(status="running", pid=os.getpid(), ended_at=None)
        runs.write_json(path / runs.META, meta)
        trainer = start_training(path, config, config_text, dataset, model, head, reporter, observers)
        return run_to_end(path, config, config_text, dataset, head, trainer, meta, reporter, stop)


def _mark_resumed(meta, epoch):
    """Record in ``meta`` that the run continues from ``epoch`` (and so does its last segment)."""
    meta.setdefault("resumed", []).append({"at": now(), "epoch": epoch, "command": command_line()})
    if meta.get("segments"):
        meta["segments"][-1].update(status="running", ended_at=None)


def _epochs_asked(saved, given, overrides, path):
    """The ``training.epochs`` the given config asks for, or None when it asks for no
    change (the same value, not set with ``--set``); ConfigError if any other key changed."""
    changed = sorted(_differences(saved.model_dump(exclude=NOT_COMPARED), given.model_dump(exclude=NOT_COMPARED)))
    others = [key for key in changed if key != EPOCHS]
    if others:
        raise ConfigError(f"cannot resume {path} with a changed config ({', '.join(others)}); only "
                          f"{EPOCHS} may change (to extend the run): resume without a config, or train a new run")
    set_explicitly = any(item.partition("=")[0].strip() == EPOCHS for item in overrides)
    return given.training.epochs if EPOCHS in changed or set_explicitly else None


def _progress(checkpoint, path):
    """The loop's progress in a checkpoint: ``epoch`` (completed epochs), ``stop_reason``..."""
    try:
        progress = json.loads(str(checkpoint["progress"]))
        int(progress["epoch"])
        return progress
    except (KeyError, ValueError, TypeError):
        raise RunError(f"{path / runs.CHECKPOINT} holds no readable training progress") from None


def _refuse_target(target, progress, path):
    done = int(progress["epoch"])
    if target <= done:
        raise ConfigError(f"cannot train {path} to {EPOCHS}={target}: it has run {done} epochs already; "
                          f"give a number larger than {done}")
    if progress.get("stop_reason") == "target_auc":
        raise RunError(f"cannot extend {path}: it stopped when it reached training.target_auc, and would stop "
                       "again after one more epoch; train a new run without target_auc")


def _continue_after_stop(trainer):
    """Let a run that stopped early train on: its stop is undone and early stopping's
    patience starts again (its best epoch and value are kept, so the run ends with
    the best weights of all its epochs).  A run that ran all its epochs is left as it
    is, so extending it equals having configured the larger total from the start."""
    if not trainer.stopping:
        return
    trainer.stop_reason = "epochs"
    stopping = trainer.observers.find(EarlyStopping)
    if stopping is not None:
        stopping.waited = 0


def _open_segment(meta, done, configured, target, status):
    """Record in ``meta["segments"]`` the stretch of training about to start (the
    first extension also records the training before it).

    A segment trains from ``from_epoch`` completed epochs towards ``epochs`` (its
    ``training.epochs``); ``to_epoch`` is where it ended (while it runs: its aim).
    """
    segments = meta.setdefault("segments", [])
    if not segments:
        segments.append({"started_at": meta.get("started_at"), "ended_at": meta.get("ended_at"),
                         "from_epoch": 0, "to_epoch": done, "epochs": configured, "status": status,
                         "command": meta.get("command")})
    segments.append({"started_at": now(), "ended_at": None, "from_epoch": done, "to_epoch": target,
                     "epochs": target, "status": "running", "command": command_line()})


def _refuse_edited_config_file(path, checkpoint, allowed=()):
    """The config text the run started with; ConfigError if its config.yaml was edited
    since in a key other than ``allowed`` (an extension rewrites ``training.epochs``
    in both, so a stop between the two writes leaves only that key different).

    Checkpoints written before nncli kept that text carry none: their run's
    config.yaml is then taken as it is.
    """
    current = read_text(path / runs.CONFIG, YAML_LIMIT)
    started = started_config_text(checkpoint)
    if started is None:
        return current
    if started != current:
        before = parse_yaml(started, f"{path / runs.CHECKPOINT} config_yaml") or {}
        after = parse_yaml(current, str(path / runs.CONFIG)) or {}
        if not (isinstance(before, dict) and isinstance(after, dict)):
            raise RunError(f"{path / runs.CHECKPOINT} config_yaml is not the run's config")
        changed = sorted(set(_differences(before, after)) - set(allowed))
        if changed:
            raise ConfigError(f"cannot resume {path}: its config.yaml was changed after training started "
                              f"({', '.join(changed)}); put it back, or train a new run")
    return started


#: keys that say when checkpoints are written, not what is trained: a run made when
#: checkpoint_every defaulted to 10 resumes with its config file, which leaves it out
NOT_COMPARED = {"name": True, "training": {"checkpoint_every", "checkpoint_seconds"}}


def _differences(a, b, prefix=""):
    keys = set(a) | set(b)
    for key in keys:
        left, right = a.get(key), b.get(key)
        if isinstance(left, dict) and isinstance(right, dict):
            yield from _differences(left, right, f"{prefix}{key}.")
        elif left != right:
            yield f"{prefix}{key}"

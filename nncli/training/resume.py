"""Resuming an interrupted or crashed training from its ``checkpoint.npz``, to the
same result the uninterrupted training would have reached."""

import os
from pathlib import Path

import yaml

from .. import runs
from ..config import load_config
from ..errors import ConfigError, RunError
from ..reporting import Reporter
from .checkpoint import started_config_text
from .prepare import prepare
from .run import command_line, make_trainer, now, run_to_end


def resume_run(run_dir, config_path=None, overrides=(), reporter=None, observers=()):
    """Continue an interrupted or crashed run from its ``checkpoint.npz``.

    ``config_path`` and ``overrides``, when given, must describe the run's own
    config (they are checked, not applied); ``observers`` as for ``run.train``.

    Returns ``(path, summary)``; ``summary`` is None when the run had already finished.
    Raises RunError when the run cannot be resumed, ConfigError when the given config
    differs from the run's.
    """
    path = Path(run_dir)
    if not path.is_dir():
        raise RunError(f"run directory not found: {path}")
    meta = runs.read_json(path / runs.META)
    status = meta.get("status")
    if status in ("completed", "stopped_early"):
        return path, None
    if status == "diverged":
        raise RunError(f"{path} diverged; start a new run with a smaller training.lr instead of resuming")
    if status == "running" and runs.process_alive(meta):
        raise RunError(f"{path} is still being trained by process {meta.get('pid')}")
    runs.remove_stale_temporaries(path)
    config = load_config(path / runs.CONFIG, run_file=True)
    if config_path is not None or overrides:
        given = load_config(config_path or path / runs.CONFIG, overrides, run_file=config_path is None)
        _refuse_changed_config(config, given, path)
    checkpoint = runs.read_npz(path / runs.CHECKPOINT)
    config_text = _refuse_edited_config_file(path, checkpoint)
    dataset, model, head = prepare(config)
    reporter = reporter or Reporter()
    trainer = make_trainer(path, config, config_text, dataset, model, head, reporter, observers)
    try:
        trainer.load_state(checkpoint)
    except (KeyError, ValueError, TypeError) as exc:
        raise RunError(f"{path / runs.CHECKPOINT} does not fit this run's model: {exc}") from None
    meta.update(status="running", pid=os.getpid(), ended_at=None)
    meta.setdefault("resumed", []).append({"at": now(), "epoch": trainer.epoch, "command": command_line()})
    runs.write_json(path / runs.META, meta)
    return run_to_end(path, config, config_text, dataset, head, trainer, meta, reporter)


def _refuse_edited_config_file(path, checkpoint):
    """The config text the run started with; ConfigError if its config.yaml was edited since.

    Checkpoints written before nncli kept that text carry none: their run's
    config.yaml is then taken as it is.
    """
    current = (path / runs.CONFIG).read_text(encoding="utf-8")
    started = started_config_text(checkpoint)
    if started is None:
        return current
    if started != current:
        changed = sorted(_differences(yaml.safe_load(started) or {}, yaml.safe_load(current) or {}))
        if changed:
            raise ConfigError(f"cannot resume {path}: its config.yaml was changed after training started "
                              f"({', '.join(changed)}); put it back, or train a new run")
    return started


#: keys that say when checkpoints are written, not what is trained: a run made when
#: checkpoint_every defaulted to 10 resumes with its config file, which leaves it out
NOT_COMPARED = {"name": True, "training": {"checkpoint_every", "checkpoint_seconds"}}


def _refuse_changed_config(saved, given, path):
    mine, theirs = saved.model_dump(exclude=NOT_COMPARED), given.model_dump(exclude=NOT_COMPARED)
    changed = sorted(_differences(mine, theirs))
    if changed:
        raise ConfigError(f"cannot resume {path} with a changed config ({', '.join(changed)}); "
                          "resume without a config, or train a new run")


def _differences(a, b, prefix=""):
    keys = set(a) | set(b)
    for key in keys:
        left, right = a.get(key), b.get(key)
        if isinstance(left, dict) and isinstance(right, dict):
            yield from _differences(left, right, f"{prefix}{key}.")
        elif left != right:
            yield f"{prefix}{key}"


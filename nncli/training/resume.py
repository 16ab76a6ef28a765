"""Resuming an interrupted or crashed training from its ``checkpoint.npz``, to the
same result the uninterrupted training would have reached."""

import os

from .. import runs
from ..config import load_config
from ..errors import ConfigError, RunError, echo
from ..reporting import Reporter
from ..runs.directory import check_run_dir
from ..runs.load import load_run_config
from ..runs.reading import YAML_LIMIT, parse_yaml, read_text
from .checkpoint import read_checkpoint, started_config_text
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
    path = check_run_dir(run_dir)
    meta = runs.read_json_object(path / runs.META)
    if not isinstance(meta.get("resumed", []), list):
        raise RunError(f"{path / runs.META} resumed is not a list (of earlier resumptions)")
    status = meta.get("status")
    if status in ("completed", "stopped_early"):
        return path, None
    if status == "diverged":
        raise RunError(f"{path} diverged; start a new run with a smaller training.lr instead of resuming")
    if status == "running" and runs.process_alive(meta):
        raise RunError(f"{path} is still being trained by process {meta.get('pid')}")
    runs.remove_stale_temporaries(path)
    config = load_run_config(path)
    if config_path is not None or overrides:
        given = load_config(config_path or path / runs.CONFIG, overrides, run_file=config_path is None)
        _refuse_changed_config(config, given, path)
    dataset, model, head = prepare(config)
    checkpoint = read_checkpoint(path / runs.CHECKPOINT, model, config, len(dataset.train))
    config_text = _refuse_edited_config_file(path, checkpoint)
    reporter = reporter or Reporter()
    trainer = make_trainer(path, config, config_text, dataset, model, head, reporter, observers)
    try:
        trainer.load_state(checkpoint)
    except (KeyError, ValueError, TypeError, AttributeError, IndexError, OverflowError) as exc:
        raise RunError(f"{path / runs.CHECKPOINT} does not fit this run: {echo(str(exc))}") from None
    meta.update(status="running", pid=os.getpid(), ended_at=None)
    meta.setdefault("resumed", []).append({"at": now(), "epoch": trainer.epoch, "command": command_line()})
    runs.write_json(path / runs.META, meta)
    return run_to_end(path, config, config_text, dataset, head, trainer, meta, reporter)


def _refuse_edited_config_file(path, checkpoint):
    """The config text the run started with; ConfigError if its config.yaml was edited since.

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
        changed = sorted(_differences(before, after))
        if changed:
            raise ConfigError(f"cannot resume {path}: its config.yaml was changed after training started "
                              f"({', '.join(changed)}); put it back, or train a new run")
    return started


def _refuse_changed_config(saved, given, path):
    mine, theirs = saved.model_dump(exclude={"name"}), given.model_dump(exclude={"name"})
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


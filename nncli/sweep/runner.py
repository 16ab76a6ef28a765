"""The ``nncli sweep`` service: plan, check, run the trials in an executor, write the sweep directory.

A sweep directory (``<runs_root>/<name>-sweep-<YYYYmmdd-HHMMSS>-<4 hex>/`` or ``--sweep-dir``)::

    sweep.yaml      the expanded spec: config, options, every trial's overrides and seed, status
    trials.csv      one row per trial: id, overrides, seed, status, run dir, final metrics
    summary.json    per configuration n, statuses, mean and std of each metric; the selection
    plots/sweep.png the selection metric against each swept key; every trial's loss curve
    trials/<id>/    each trial's run directory, as ``nncli train`` writes it

It is locked (``fcntl.flock`` on ``.lock``, released by the kernel if the sweep
dies) while a sweep runs in it.
"""

import contextlib
import hashlib
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

from .. import runs
from ..errors import ConfigError, RunError, UsageError, echo
from ..signals import stop_on_signals
from . import results as res
from .plan import Plan, Trial, make_plan

SPEC = "sweep.yaml"
#: bytes of a sweep.yaml read back (it lists every trial: about 200 bytes each)
SPEC_LIMIT = 64 << 20
TRIALS = "trials.csv"
SUMMARY = "summary.json"
LOCK = ".lock"
FORMAT = 1


class Outcome:
    """What a sweep ended with: its directory, ``summary.json``'s content, and the failed trials."""

    def __init__(self, path, summary, failed):
        self.path, self.summary, self.failed = path, summary, failed

    @property
    def interrupted(self):
        return self.summary["status"] == "interrupted"


def make_executor(kind=None, jobs=None, scheduler=None):
    """The executor of ``--executor`` / ``--scheduler``: LocalPool, or the Dask executor."""
    from .executors import LocalPool

    kind = kind or ("dask" if scheduler else "local")
    if kind not in ("local", "dask"):
        raise UsageError(f"--executor must be local or dask (got '{echo(kind)}')")
    if kind == "local":
        if scheduler:
            raise UsageError("--scheduler runs trials on a Dask cluster: it does not apply to --executor local")
        return LocalPool(jobs or os.cpu_count() or 1)
    import importlib.util

    if importlib.util.find_spec("dask") is None or importlib.util.find_spec("distributed") is None:
        raise UsageError("--executor dask needs the dask extra: pip install 'nncli[dask]'")
    # the one place the Dask executor comes in (nncli/sweep/dask_executor.py implements executors.Executor)
    try:
        from .dask_executor import DaskExecutor
    except ModuleNotFoundError as exc:
        if exc.name != f"{__package__}.dask_executor":
            raise
        raise UsageError("this nncli has no Dask executor (nncli/sweep/dask_executor.py is missing)") from None
    return DaskExecutor(scheduler=scheduler, jobs=jobs)


def start_sweep(config_path, grid=(), random=(), trials=None, seeds=None, sets=(), sweep_seed=None,
                select="val_loss", runs_root="runs", sweep_dir=None, name=None, plots=False, executor=None,
                progress=None):
    """Plan and check every trial (nothing trained on a mistake), make the sweep directory, run it.

    ``executor`` defaults to a LocalPool with one worker per core; ``progress(line)``
    receives a line per finished trial.  Returns an Outcome.
    """
    config_path = Path(config_path).resolve() if Path(config_path).exists() else Path(config_path)
    plan = make_plan(config_path, grid, random, trials, seeds, sets, sweep_seed)
    configs = _check_trials(plan)
    res.check_select(select, all(config.data.val_size > 0 for config in configs))
    path = _new_directory(runs_root, sweep_dir, name or configs[0].name or "run")
    spec = {"nncli_sweep": FORMAT, "status": "running", "config": str(config_path),
            "config_sha256": _sha256(config_path), "command": _command_line(), "created_at": _now(),
            "select": select, "plots": bool(plots),
            "options": {"grid": list(grid), "random": list(random), "trials": trials, "seeds": seeds,
                        "set": list(sets), "sweep_seed": sweep_seed},
            "fixed": plan.fixed, "swept": plan.swept, "trials": [t.as_dict() for t in plan.trials]}
    with _locked(path):
        return _execute(path, spec, plan, {}, executor, progress)


def resume_sweep(sweep_dir, executor=None, progress=None):
    """Run what a sweep left unfinished: finished trials are read back, interrupted ones
    continue from their checkpoints, the others start.  Returns an Outcome."""
    path = Path(sweep_dir)
    if not (path / SPEC).is_file():
        raise RunError(f"{path} is not a sweep directory (no {SPEC})")
    with _locked(path):
        spec = runs.read_yaml(path / SPEC, limit=SPEC_LIMIT, values=SPEC_LIMIT // 8)
        plan = _plan_of(spec, path / SPEC)
        if _sha256(spec["config"]) != spec.get("config_sha256"):
            raise ConfigError(f"cannot resume {path}: {spec['config']} changed (or went missing) since the sweep "
                              "started; put it back, or start a new sweep")
        done = {}
        for trial in plan.trials:
            result = _finished_result(path, trial.id)
            if result is not None:
                done[trial.id] = result
        return _execute(path, spec, plan, done, executor, progress)


def _check_trials(plan):
    """Every trial's validated config (so a typo stops the sweep before any training)."""
    from ..config import load_config

    configs = []
    for trial in plan.trials:
        try:
            config = load_config(plan.config_path, plan.overrides(trial))
        except ConfigError as exc:
            raise ConfigError(f"trial {trial.id} ({echo(res.label(trial.overrides), 40)}): {exc}") from None
        trial.seed = config.seed
        configs.append(config)
    return configs


def _new_directory(runs_root, sweep_dir, name):
    if sweep_dir is None:
        return runs.create_run_dir(runs_root, f"{name}-sweep")
    path = Path(sweep_dir)
    if (path / SPEC).exists():
        raise RunError(f"{path} holds a sweep already; continue it with: nncli sweep --resume {path}")
    return runs.create_run_dir(runs_root, name, path)


@contextlib.contextmanager
def _locked(path):
    import fcntl

    try:
        handle = open(path / LOCK, "a+")
    except OSError as exc:
        raise RunError(f"cannot lock {path}: {exc.strerror}") from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunError(f"{path} is in use by another nncli sweep; wait for it to end or stop it first") from None
        yield
    finally:
        handle.close()  # closing releases the lock


def _finished_result(path, trial_id):
    """The result of a trial that ended for good (finished or diverged) in an earlier sweep, else None."""
    from .executors import trial_dir

    run = trial_dir(path, trial_id)
    try:
        status = runs.read_json_object(run / runs.META).get("status")
        if status in res.FINISHED:
            return {"id": trial_id, "status": status, "summary": runs.read_json_object(run / runs.SUMMARY),
                    "error": None, "seconds": None}
    except RunError:
        return None
    if status == "diverged":
        return {"id": trial_id, "status": status, "summary": None, "seconds": None,
                "error": "training diverged (the loss became NaN or infinite, or exploded)"}
    return None


def _execute(path, spec, plan, results, executor, progress):
    """Run the trials without a final result, writing trials.csv as results come; then the summary."""
    from .executors import trial_dir

    runs.own_directory(path / "trials")  # never trials written through a link to a folder elsewhere
    for trial in plan.trials:
        if trial_dir(path, trial.id).is_symlink():
            raise RunError(f"{trial_dir(path, trial.id)} is a symbolic link; nncli writes only inside the sweep "
                           "directory: remove the link")
    executor = executor or make_executor()
    tasks = [{"id": t.id, "config_path": plan.config_path, "overrides": plan.overrides(t), "plots": spec["plots"],
              "resume": trial_dir(path, t.id).exists()} for t in plan.trials if t.id not in results]
    spec["status"] = "running"
    runs.write_text(path / SPEC, _yaml(spec))
    _write_trials(path, plan, results)

    def on_result(result):
        results[result["id"]] = result
        _write_trials(path, plan, results)
        if progress is not None:
            progress(_progress_line(result, len(results), len(plan.trials), spec["select"]))

    try:
        with stop_on_signals(executor.stop, "nncli: stopping the sweep after the running trials' batch "
                                            "(press Ctrl-C again to stop at once)"):
            executor.run(tasks, path, on_result)
    except KeyboardInterrupt:  # a second Ctrl-C: the workers are ended now, each trial keeps its last checkpoint
        pass
    finally:
        executor.close()
    unfinished = [t.id for t in plan.trials if results.get(t.id, {}).get("status", "pending")
                  in ("pending", "interrupted")]
    status = "interrupted" if unfinished else "completed"
    ranked = res.configurations(plan.trials, results, spec["select"])
    summary = res.summary(status, spec["select"], ranked)
    _write_trials(path, plan, results)
    runs.write_json(path / SUMMARY, summary)
    _draw(path, plan, results, ranked, spec["select"])
    spec["status"] = status
    runs.write_text(path / SPEC, _yaml(spec))
    failed = [results[t.id] for t in plan.trials if results.get(t.id, {}).get("status") == "failed"]
    return Outcome(path, summary, failed)


def _write_trials(path, plan, results):
    rows, columns = res.trial_rows(plan.trials, results)
    runs.write_csv(path / TRIALS, rows, columns)


def _draw(path, plan, results, ranked, metric):
    """plots/sweep.png; a failure is a warning (the sweep's results are written already)."""
    try:
        from .picture import draw_sweep

        draw_sweep(path, plan, results, ranked, metric)
    except Exception as exc:
        print(f"nncli: warning: could not draw plots/sweep.png: {type(exc).__name__}: {exc}", file=sys.stderr)


def _progress_line(result, done, total, metric):
    summary = result.get("summary") or {}
    parts = [f"[{done}/{total}] {result['id']} {result['status']}"]
    for key in (metric, "test_accuracy", "test_r2"):
        if isinstance(summary.get(key), (int, float)):
            parts.append(f"{key} {summary[key]:.4g}")
    if result.get("error") and result["status"] not in res.FINISHED:
        parts.append(result["error"])
    return "  ".join(parts)


def _plan_of(spec, where):
    """The Plan a sweep.yaml holds, its trials' ids checked: each names a directory in
    ``trials/``, so a tampered id (``../../elsewhere``, an absolute path) must not."""
    import re

    if not isinstance(spec, dict):
        raise RunError(f"{where} is not a sweep spec nncli can read (not a mapping of keys)")
    if spec.get("nncli_sweep") != FORMAT:
        raise RunError(f"{where} is a sweep spec of a format this nncli does not read "
                       f"(nncli_sweep: {echo(spec.get('nncli_sweep'))}; it reads {FORMAT})")
    select = spec.get("select")
    try:
        if not isinstance(select, str):
            raise UsageError(f"'{echo(select)}' is not a metric's name")
        res.check_select(select, True)
    except UsageError as exc:  # the text says --select: it was the sweep's own choice, now in this file
        raise RunError(f"{where}: select: {exc}") from None
    try:
        trials = [Trial(t["id"], list(t["overrides"]), t["seed"]) for t in spec["trials"]]
        plan = Plan(spec["config"], list(spec["fixed"]), trials, list(spec["swept"]))
    except (KeyError, TypeError) as exc:
        raise RunError(f"{where} is not a sweep spec nncli can read ({echo(str(exc))})") from None
    ids = set()
    for trial in trials:
        if not isinstance(trial.id, str) or not re.fullmatch(r"t[0-9]{4,9}", trial.id) or trial.id in ids:
            raise RunError(f"{where}: trial id '{echo(str(trial.id))}' is not one nncli writes (t0000, t0001, ...: "
                           "each names a directory in trials/)")
        ids.add(trial.id)
        if not all(isinstance(o, str) for o in trial.overrides) or type(trial.seed) is not int:
            raise RunError(f"{where}: trial {trial.id} needs overrides as a list of KEY=VALUE texts and a whole seed")
    return plan


def _sha256(path):
    """The hash of the config file a sweep was made from, or None when it is not a regular file
    within the size of a config (a FIFO there would block, /dev/zero never end)."""
    from ..config.yaml_text import MAX_CONFIG_BYTES
    from ..runs.reading import open_regular

    try:
        with open_regular(path, MAX_CONFIG_BYTES) as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except (OSError, RunError, TypeError, ValueError):
        return None


def _yaml(data):
    import yaml

    return yaml.safe_dump(data, sort_keys=False, default_flow_style=None, width=1 << 30)


def _now():
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


def _command_line():
    import shlex

    return shlex.join(["nncli"] + sys.argv[1:])

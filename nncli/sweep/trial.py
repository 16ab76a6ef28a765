"""One trial of a sweep, as a worker process runs it: ``run_trial(task, run_dir) -> result``.

A trial is exactly ``nncli train CONFIG --set O1 --set O2 ... --run-dir RUN_DIR --quiet``
(with ``--set output.plots=false`` unless the task asks for plots): the same
service call, so the run directory holds the same files, byte for byte apart from
times, pids and the command line in ``meta.json``.  Nothing here raises for a
trial's own trouble: an interrupted, diverged or failed training is a result.

``run_trial`` is a plain top-level function of plain (picklable) dicts, so any
executor can ship it to a process or a machine.

task : dict
    ``id`` (str), ``config_path`` (str), ``overrides`` (list of "KEY=VALUE"
    strings, applied in order), ``plots`` (bool), and optionally ``resume``
    (bool: continue the run already in ``run_dir`` from its checkpoint).
result : dict
    ``id``, ``status`` (``completed``, ``stopped_early``, ``diverged``,
    ``interrupted``, ``failed``, or ``pending`` when a stop came before the trial
    started), ``summary`` (the run's summary dict, or None), ``error`` (one line,
    or None) and ``seconds`` (wall time of this call).
"""

import os
import shutil
import signal
import time
from pathlib import Path

from ..reporting import Reporter

FINISHED = ("completed", "stopped_early")

_stop = {"requested": False}


def request_stop(signum=None, frame=None):
    """Stop the trial running in this process after its batch, and start no other.

    Usable as a signal handler: a sweep worker installs it for SIGINT and SIGTERM;
    while a trial trains, the training's own handler takes those signals instead.
    """
    _stop["requested"] = True


def stop_requested():
    return _stop["requested"]


class _TrialReporter(Reporter):
    """Silent, like ``--quiet``; passes on a stop that came before training's own
    signal handler was in place (the handler is installed before ``start``)."""

    def start(self, run_dir, model, dataset, epochs):
        if _stop["requested"]:
            signal.raise_signal(signal.SIGTERM)


def run_trial(task, run_dir):
    """Train one trial into ``run_dir``; return its result dict (see the module docstring)."""
    from ..errors import NncliError, RunInterrupted, TrainingFailed
    from ..runs import SUMMARY, read_json_object

    started = time.perf_counter()
    result = {"id": task["id"], "status": "failed", "summary": None, "error": None, "seconds": None}
    if _stop["requested"]:
        result["status"] = "pending"
        return result
    path = Path(run_dir)
    try:
        summary = _train(task, path)
        if summary is None:  # it had finished before: a resumed sweep reads its result
            summary = read_json_object(path / SUMMARY)
        result.update(status=summary["status"], summary=summary)
    except RunInterrupted as exc:
        result.update(status="interrupted", error=str(exc))
    except TrainingFailed as exc:
        result.update(status="diverged" if _meta_status(path) == "diverged" else "failed", error=str(exc))
    except NncliError as exc:
        result["error"] = str(exc)
    except Exception as exc:  # a bug in one trial is that trial's result, not the sweep's end
        result["error"] = f"internal error: {type(exc).__name__}: {exc}"
    result["error"] = _one_line(result["error"])
    result["seconds"] = round(time.perf_counter() - started, 4)
    return result


def _train(task, path):
    """Train (or resume) the trial; return the summary, or None if it had finished already."""
    from ..runs import CHECKPOINT
    from ..training.resume import resume_run
    from ..training.run import train_from_config

    overrides = list(task["overrides"]) + ([] if task.get("plots") else ["output.plots=false"])
    reporter = _TrialReporter()
    if task.get("resume") and (path / CHECKPOINT).is_file():
        return resume_run(path, reporter=reporter)[1]
    if task.get("resume") and os.path.lexists(path):
        if path.is_symlink() or not path.is_dir():
            from ..errors import RunError

            raise RunError(f"{path} is not the trial's run directory but a file or link: remove it to run the trial")
        # stopped before its first checkpoint: nothing to continue, start it again
        shutil.rmtree(path)
    return train_from_config(task["config_path"], overrides, run_dir=path, reporter=reporter)[1]


def _meta_status(path):
    from ..errors import RunError
    from ..runs import META, read_json_object

    try:
        return read_json_object(path / META).get("status")
    except RunError:
        return None


def _one_line(text):
    return None if text is None else " ".join(str(text).split())

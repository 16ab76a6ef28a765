"""``DaskExecutor``: a sweep's trials on a Dask distributed cluster (``--executor dask``, ``--scheduler ADDRESS``).

With an address it connects to a running cluster (``dask scheduler`` and
``dask worker`` processes, on any machines); without one it starts a
``distributed.LocalCluster`` of process workers (one per core, or ``--jobs``; one
thread each) and closes it at the end.  It implements the executor interface of
``nncli.sweep.executors``.

Workers need nncli installed, not a shared file system.  A task carries the
config's text (and, to resume a trial, the files of its run directory); the
worker trains with ``trial.run_trial`` into a directory of its own and returns
the run's files (relative path -> bytes), which this process writes into
``sweep_dir/trials/<id>/``, file by file atomically, ``meta.json`` last.  A CSV
dataset is scattered to the workers once per sweep.  On the worker the CSV and
the run directory sit at the same relative places as on this machine (below
their nearest common directory), so ``config.yaml`` records ``data.path`` exactly
as ``nncli train`` would; the one difference: when the two share no directory but
the file system's root, ``nncli train`` writes the absolute path and a Dask trial a
relative path climbing to the root, which names the same file.

A worker that dies mid-trial loses nothing: the scheduler runs the trial again on
another worker (from its start, or from the checkpoint the task carried), and a
trial is reported once.  ``stop()`` sets a distributed Event that every running
trial watches: it stops after its batch and comes back ``interrupted`` with its
checkpoint, so ``--resume`` continues it there; trials not started are cancelled.
"""

import atexit
import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
import time
import uuid
from pathlib import Path, PurePosixPath

from .. import runs
from ..errors import UsageError
from .executors import KEPT_DATASETS, Executor, trial_dir

#: how many times a trial whose task was lost (not by a worker's death: the scheduler re-runs those) is resubmitted
RESUBMIT = 3


class DaskExecutor(Executor):
    """Trials on the Dask cluster at ``scheduler``, or on a LocalCluster of ``jobs`` process workers."""

    #: seconds between looks at the futures while waiting for results
    POLL = 0.05

    def __init__(self, scheduler=None, jobs=None):
        self.scheduler, self.jobs = scheduler, jobs
        self._client = self._cluster = self._event = None
        self._futures = {}
        self._stop_requested = self._closed = False
        if scheduler:
            self._connect()  # a wrong address fails here, before the sweep directory is made

    def run(self, tasks, sweep_dir, on_result):
        shipped = {}  # CSV path -> (its bytes, sha256) read once
        payloads = {task["id"]: _payload(task, sweep_dir, shipped) for task in tasks}
        if not payloads:
            return
        client = self._connect()
        from distributed import Event

        self._event = Event(f"nncli-stop-{uuid.uuid4().hex}", client=client)
        single_thread = sum(client.nthreads().values()) != 1  # BLAS threads would fight over the cores
        data = {}  # CSV path -> its bytes scattered to the workers
        tries = dict.fromkeys(payloads, 0)

        def submit(trial_id, fresh_data=False):
            payload = payloads[trial_id]
            path = payload["data_source"]
            if path is not None and (fresh_data or path not in data):
                data[path] = client.scatter(shipped[path][0], broadcast=True)
            future = client.submit(_remote_trial, payload, data.get(path), single_thread, self._event.name,
                                   key=f"nncli-trial-{trial_id}-{uuid.uuid4().hex[:8]}", pure=False)
            self._futures[future] = trial_id

        for trial_id in payloads:
            submit(trial_id)
        reported, stopping = set(), False
        while self._futures:
            if self._stop_requested and not stopping:
                stopping = True
                self._stop_running(client)
            done = [future for future in self._futures if future.done()]
            if not done:
                time.sleep(self.POLL)
                continue
            for future in done:
                trial_id = self._futures.pop(future)
                outcome = _outcome(future, trial_id)
                if outcome is None and not stopping and tries[trial_id] < RESUBMIT:
                    tries[trial_id] += 1  # lost (with its data, perhaps): send it again
                    submit(trial_id, fresh_data=True)
                    continue
                if trial_id in reported or outcome is None:
                    continue
                reported.add(trial_id)
                result, files = outcome
                if files:
                    write_files(trial_dir(sweep_dir, trial_id), files)
                on_result(result)

    def _connect(self):
        if self._closed:
            raise RuntimeError("this DaskExecutor was closed")
        if self._client is not None:
            return self._client
        from distributed import Client, LocalCluster

        if self.scheduler:
            try:
                self._client = Client(self.scheduler, timeout="10s", set_as_default=False)
            except (OSError, TimeoutError, ValueError) as exc:
                message = " ".join(str(exc).split())
                raise UsageError(f"cannot connect to the Dask scheduler at {self.scheduler}: {message}") from None
        else:
            workers = int(self.jobs or os.cpu_count() or 1)
            self._cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                         dashboard_address=":0", silence_logs=logging.ERROR)
            self._client = Client(self._cluster, set_as_default=False)
        return self._client

    def _stop_running(self, client):
        """Trials not started are cancelled (no result); running ones stop after their batch."""
        self._event.set()
        processing = {key for keys in client.processing().values() for key in keys}
        waiting = [future for future in self._futures if future.key not in processing and not future.done()]
        for future in waiting:
            del self._futures[future]
        if waiting:
            client.cancel(waiting)

    def stop(self):
        self._stop_requested = True

    def close(self):
        if self._closed:
            return
        self._closed = True
        try:
            if self._client is not None:
                if self._futures:
                    self._client.cancel(list(self._futures))
                self._futures = {}
                self._client.close()
        finally:
            if self._cluster is not None:
                self._cluster.close()


def _payload(task, sweep_dir, shipped):
    """What a worker needs to run ``task`` with no file of this machine: see ``_remote_trial``.
    ``shipped`` gathers the CSV files read (path -> (bytes, sha256)), each once."""
    from ..config import load_config

    config_path = Path(task["config_path"])
    run = os.path.abspath(trial_dir(sweep_dir, task["id"]))
    payload = {"id": task["id"], "overrides": list(task["overrides"]), "plots": bool(task.get("plots")),
               "resume": bool(task.get("resume")), "config_name": config_path.name,
               "config": config_path.read_bytes(), "run_dir": run, "files": {}}
    if payload["resume"] and Path(run).is_dir():
        payload["files"] = read_files(run)
    csv = load_config(config_path, task["overrides"]).data.path  # absolute, as the local pool's trials read it
    if csv is not None and csv not in shipped:
        try:
            content = Path(csv).read_bytes()
            shipped[csv] = content, hashlib.sha256(content).hexdigest()
        except OSError:
            csv = None  # the trial then fails on the worker as `nncli train` would here: file not found
    if csv is None:
        payload.update(run_place=task["id"], data_place=None, data_source=None, data_sha256=None)
    else:
        common = os.path.commonpath([csv, run])
        payload.update(run_place=Path(os.path.relpath(run, common)).as_posix(),
                       data_place=Path(os.path.relpath(csv, common)).as_posix(), data_source=csv,
                       data_sha256=shipped[csv][1])
    return payload


def _outcome(future, trial_id):
    """``(result, files)`` of a finished future, a failed result if the task raised, None if it was lost."""
    if future.status == "finished":
        returned = future.result()
        return returned["result"], returned["files"]
    if future.status != "error":
        return None
    from distributed import KilledWorker

    exc = future.exception()
    if isinstance(exc, KilledWorker):
        error = "every Dask worker that trained it died (the scheduler gave up on it)"
    else:
        error = "the Dask worker could not run it: " + " ".join(f"{type(exc).__name__}: {exc}".split())
    return {"id": trial_id, "status": "failed", "summary": None, "seconds": None, "error": error}, {}


def read_files(run_dir):
    """Every file below ``run_dir`` (not the temporary files of a write in progress): posix path -> bytes."""
    root = Path(run_dir)
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in sorted(root.rglob("*"))
            if path.is_file() and not path.name.endswith(".tmp")}


def write_files(run_dir, files):
    """Write ``files`` (posix path -> bytes) below ``run_dir``, each atomically, ``meta.json`` last: a
    run directory whose meta.json says finished has all its files."""
    root = Path(run_dir)
    for name in sorted(files, key=lambda name: name == runs.META):
        parts = PurePosixPath(name).parts
        if not parts or PurePosixPath(name).is_absolute() or ".." in parts:
            raise ValueError(f"a worker returned a file outside its run directory: {name!r}")
        path = root.joinpath(*parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        runs.atomic_write(path, lambda handle, data=files[name]: handle.write(data))


# ---- on the worker ----------------------------------------------------------------------------------------

_worker = {"root": None, "blas": None, "lock": threading.Lock()}


def _remote_trial(payload, data, single_thread, stop_name):
    """Run one trial on a Dask worker; return ``{"result": result, "files": {path: bytes}}``.

    payload : dict
        ``id``, ``overrides``, ``plots``, ``resume``; ``config`` (the config file's
        bytes) and ``config_name``; ``files`` (the run directory so far, to resume);
        ``run_place`` and ``data_place``: where the run directory and the CSV sit
        below their nearest common directory on the sweep's machine; ``run_dir``
        (the trial's directory there, for messages); ``data_sha256`` (of the CSV).
    data : bytes or None
        The CSV file, scattered once per sweep.
    """
    from distributed import Event, get_client

    from ..signals import stop_in_thread
    from . import trial

    root = _prepare_worker(single_thread)
    stop = Event(stop_name, client=get_client())
    if stop.is_set():
        return {"result": {"id": payload["id"], "status": "pending", "summary": None, "error": None,
                           "seconds": None}, "files": {}}
    base = root / ("m-" + _digest(payload["data_place"], payload["data_sha256"],
                                  PurePosixPath(payload["run_place"]).parent))
    run_dir = base.joinpath(*PurePosixPath(payload["run_place"]).parts)
    shutil.rmtree(run_dir, ignore_errors=True)  # a run of this trial that was lost here before
    overrides = list(payload["overrides"])
    if data is not None:
        csv = base.joinpath(*PurePosixPath(payload["data_place"]).parts)
        _write_once(csv, data)
        overrides.append("data.path=" + json.dumps(str(csv)))  # after the trial's own: it wins
    if payload["files"]:
        write_files(run_dir, payload["files"])
    task = {"id": payload["id"], "config_path": str(_config_file(root, payload)), "overrides": overrides,
            "plots": payload["plots"], "resume": payload["resume"]}
    finished = threading.Event()
    watcher = threading.Thread(target=_watch, args=(stop, threading.get_ident(), finished, stop_in_thread),
                               daemon=True)
    watcher.start()
    try:
        result = trial.run_trial(task, run_dir)
    finally:
        finished.set()
    files = read_files(run_dir) if run_dir.is_dir() else {}
    shutil.rmtree(run_dir, ignore_errors=True)
    if result["error"]:
        result["error"] = result["error"].replace(str(run_dir), payload["run_dir"])
    return {"result": result, "files": files}


def _watch(stop, ident, finished, stop_training):
    """Until the trial in thread ``ident`` ends: on the sweep's stop, ask it to stop after its batch."""
    while not finished.is_set():
        try:
            if stop.wait(timeout=0.5):
                break
        except Exception:  # the scheduler is gone: nobody will ask for a stop
            return
    while not finished.is_set() and not stop_training(ident):
        time.sleep(0.02)  # its training has not started yet


def _prepare_worker(single_thread):
    """Once per worker process: a directory of its own, kept datasets, one BLAS thread if asked."""
    with _worker["lock"]:
        if _worker["root"] is None:
            from ..data import cache

            root = Path(tempfile.mkdtemp(prefix="nncli-dask-"))
            atexit.register(shutil.rmtree, root, ignore_errors=True)
            cache.keep(KEPT_DATASETS)
            _worker["root"] = root
        if single_thread and _worker["blas"] is None:
            from ..blas_threads import hold_one_thread

            hold_one_thread()
            _worker["blas"] = "one thread"
        return _worker["root"]


def _config_file(root, payload):
    """The config file, written once per content under its own name (the run's default name)."""
    path = root / "configs" / _digest(payload["config"]) / payload["config_name"]
    _write_once(path, payload["config"])
    return path


def _write_once(path, data):
    """Write ``data`` to ``path`` unless it holds it already: a file that stays put keeps its dataset cached."""
    with _worker["lock"]:
        if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        runs.atomic_write(path, lambda handle: handle.write(data))


def _digest(*parts):
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else str(part).encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()[:16]

"""Where a sweep's trials run: the executor interface, and ``LocalPool``, worker processes on this machine.

The interface (every executor implements it; the sweep service uses nothing else).
Constructing an executor starts nothing (the command builds it before it checks
the plan); workers start in ``run``::

    executor.run(tasks, sweep_dir, on_result)
        Run every task (a dict, see ``nncli.sweep.trial``) with ``trial.run_trial``,
        each into ``trial_dir(sweep_dir, task["id"])`` = ``sweep_dir/trials/<id>/``,
        an ordinary run directory.  ``on_result(result)`` is called in the calling
        process, in its main thread, once per trial as it finishes, in any order.
        Returns when every task has a result, or, after ``stop()``, when the trials
        that were running have reported; tasks that never started get no result
        (or a result with status ``pending``).  A trial whose worker died gets a
        result with status ``failed`` (or is run again elsewhere, if the executor can).
    executor.stop()
        Ask the running trials to stop after their current batch (they report
        status ``interrupted`` and stay resumable) and start no new one.  Safe to
        call from a signal handler: it only sets a flag that ``run`` acts on.
    executor.close()
        Release the workers (idempotent); ``run`` may not be called afterwards.

``LocalPool(jobs)`` keeps ``jobs`` worker processes (spawned, so they start
clean), each importing nncli once and training trial after trial, so a trial
costs no interpreter start-up and a generated dataset is made once per worker
(``nncli.data.cache``).  With more than one worker each uses one BLAS thread, so
the workers do not fight over the cores.  Workers run in their own session: a
Ctrl-C at the terminal reaches only the sweep, which passes one stop to each
worker that is training.
"""

import os
import queue
import signal
import time
from abc import ABC, abstractmethod
from pathlib import Path

#: datasets each worker keeps in memory (per data section and data seed)
KEPT_DATASETS = 4


def trial_dir(sweep_dir, trial_id):
    """The run directory of one trial: ``<sweep_dir>/trials/<id>``."""
    return Path(sweep_dir) / "trials" / trial_id


class Executor(ABC):
    """The interface above; see the module docstring."""

    @abstractmethod
    def run(self, tasks, sweep_dir, on_result):
        """Run every task, calling ``on_result(result)`` in this thread as each finishes."""

    @abstractmethod
    def stop(self):
        """Ask running trials to stop after their batch; start no new one (signal-safe)."""

    @abstractmethod
    def close(self):
        """Release the workers (idempotent)."""


class LocalPool(Executor):
    """``jobs`` worker processes on this machine."""

    #: seconds between looks at the workers while waiting for results
    POLL = 0.2

    def __init__(self, jobs):
        self.jobs = max(1, int(jobs))
        self._stop_requested = False
        self._processes = []

    def stop(self):
        self._stop_requested = True

    def run(self, tasks, sweep_dir, on_result):
        import multiprocessing

        tasks = list(tasks)
        if not tasks:
            return
        context = multiprocessing.get_context("spawn")
        self._todo, self._results, self._stop_event = context.Queue(), context.Queue(), context.Event()
        for task in tasks:
            self._todo.put((task, str(trial_dir(sweep_dir, task["id"]))))
        workers = min(self.jobs, len(tasks))
        for _ in range(workers):
            self._todo.put(None)  # one end mark per worker
        self._context, self._single_thread = context, self.jobs > 1
        self._processes = [self._start_worker() for _ in range(workers)]
        running, remaining, stopping = {}, {task["id"] for task in tasks}, False
        while remaining and (running or not stopping):
            if self._stop_requested and not stopping:
                stopping = True
                self._stop_event.set()
                for pid in running:
                    _signal(pid, signal.SIGTERM)
            message = self._next_message()
            if message is None:
                self._replace_dead_workers(running, remaining, on_result, stopping)
                if not any(p.is_alive() for p in self._processes) and not self._messages_waiting():
                    break
                continue
            kind, pid, payload = message
            if kind == "started":
                running[pid] = payload
                if stopping:
                    _signal(pid, signal.SIGTERM)
            elif kind == "result":
                running.pop(pid, None)
                remaining.discard(payload["id"])
                on_result(payload)

    def _start_worker(self):
        process = self._context.Process(target=_work, args=(self._todo, self._results, self._stop_event,
                                                            self._single_thread), daemon=True)
        process.start()
        return process

    def _next_message(self):
        try:
            return self._results.get(timeout=self.POLL)
        except queue.Empty:
            return None

    def _messages_waiting(self):
        return not self._results.empty()

    def _replace_dead_workers(self, running, remaining, on_result, stopping):
        """A worker that died (killed, out of memory) fails its trial; another takes its place."""
        for index, process in enumerate(self._processes):
            if process.is_alive() or process.exitcode == 0 or process.pid not in running:
                continue
            if self._messages_waiting():
                return  # its last result may still be in the queue: read that first
            trial_id = running.pop(process.pid)
            remaining.discard(trial_id)
            on_result({"id": trial_id, "status": "failed", "summary": None, "seconds": None,
                       "error": f"the worker process training it died (exit code {process.exitcode})"})
            if not stopping:
                self._processes[index] = self._start_worker()

    def close(self):
        todo = getattr(self, "_todo", None)
        if todo is not None:
            # trials never taken (a stopped sweep) stay in the queue's pipe, which a full pipe keeps its
            # feeding thread writing to for ever: without this, the process hung at exit, joining it
            todo.cancel_join_thread()
        for process in self._processes:
            if process.is_alive():
                process.terminate()  # SIGTERM: a training still running stops after its batch
        deadline = time.monotonic() + 10
        for process in self._processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()
        self._processes = []


def _signal(pid, signum):
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def _work(todo, results, stop, single_thread):
    """A worker process: train the tasks it takes from ``todo`` until an end mark or a stop."""
    try:
        os.setsid()  # out of the terminal's process group: Ctrl-C reaches the sweep, which stops us once
    except OSError:
        pass
    from . import trial

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, trial.request_stop)
    if single_thread:
        from ..blas_threads import hold_one_thread

        hold_one_thread()
    from ..data import cache

    cache.keep(KEPT_DATASETS)
    parent = os.getppid()
    pid = os.getpid()
    while not (stop.is_set() or trial.stop_requested()):
        try:
            item = todo.get(timeout=0.5)
        except queue.Empty:
            if os.getppid() != parent:
                return  # the sweep is gone
            continue
        if item is None or stop.is_set() or trial.stop_requested():
            break
        task, run_dir = item
        results.put(("started", pid, task["id"]))
        results.put(("result", pid, trial.run_trial(task, run_dir)))

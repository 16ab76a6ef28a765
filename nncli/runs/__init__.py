"""Run directories: the one thing later commands share with training.

``files`` names a run's files and writes them atomically; ``create`` makes a new
directory and claims it; ``lock`` keeps a second process from training it;
``liveness`` tells whether its training process is still there; ``load``
rebuilds a finished run's model (and data) for evaluate, predict and plot;
``listing`` reads many runs for ``nncli runs``.

This package's namespace holds the stdlib-only parts (files, create, lock, liveness),
so that ``from nncli import runs`` stays light for ``nncli runs``; ``load``
(NumPy, the network) is imported as ``nncli.runs.load`` by those who need it.
"""

from .create import claim, create_run_dir
from .files import (
    CHECKPOINT,
    CONFIG,
    META,
    METRICS,
    PREPROCESS,
    SUMMARY,
    WEIGHTS,
    atomic_write,
    json_safe,
    own_directory,
    remove_own_temporaries,
    remove_stale_temporaries,
    write_csv,
    write_json,
    write_npz,
    write_output,
    write_text,
)
from .liveness import process_alive, process_gone
from .lock import LOCK, RunLock
from .npz import read_npz
from .reading import read_json, read_json_object, read_yaml

__all__ = ["CHECKPOINT", "CONFIG", "LOCK", "META", "METRICS", "PREPROCESS", "SUMMARY", "WEIGHTS", "RunLock",
           "atomic_write", "claim", "create_run_dir", "json_safe", "own_directory", "process_alive",
           "process_gone", "read_json", "read_json_object", "read_npz", "read_yaml", "remove_own_temporaries",
           "remove_stale_temporaries", "write_csv", "write_json", "write_npz", "write_output", "write_text"]

"""What ``nncli sweep`` prints: a line per finished trial and the best configurations on
stderr, the sweep directory last on stdout (or one JSON object), and the exit code."""

import sys

from ..errors import RunInterrupted, TrainingFailed, UsageError
from .results import FINISHED, table


def progress_printer(stream):
    return lambda line: print(line, file=stream, flush=True)


def report(outcome, as_json, quiet, print_json):
    """Print the outcome; raise the NncliError that gives the exit code (130 interrupted,
    1 a trial failed or nothing could be selected, 2 a selection metric the trials lack)."""
    summary, path = outcome.summary, outcome.path
    metric = summary["select"]["metric"]
    if as_json:
        print_json({"sweep_dir": str(path), "status": summary["status"], "select": summary["select"],
                    "selected": summary["selected"], "configurations": summary["configurations"]})
    else:
        if not quiet:
            for line in table(summary["configurations"], metric):
                print(line, file=sys.stderr)
        print(path)
    if outcome.interrupted:
        raise RunInterrupted(f"sweep interrupted; continue with: nncli sweep --resume {path}")
    if outcome.failed:
        first = outcome.failed[0]
        raise TrainingFailed(f"{len(outcome.failed)} trial(s) failed, the first {first['id']}: {first['error']} "
                             f"(see {path / 'trials.csv'})")
    if summary["selected"] is None:
        _nothing_selected(summary["configurations"], metric, path)


def _nothing_selected(configurations, metric, path):
    reported = sorted({key for c in configurations for key in c["metrics"] if "_" in key})
    finished = [c for c in configurations if set(c["statuses"]) & set(FINISHED)]
    if finished and not any(metric in c["metrics"] for c in finished):
        offered = ", ".join(k for k in reported if k.split("_", 1)[0] in ("val", "train")) or "none"
        raise UsageError(f"--select {metric}: the trials do not report it (they report {offered}); "
                         f"the results are in {path}")
    raise TrainingFailed(f"no configuration finished all its trials, so none was selected (see {path / 'trials.csv'})")

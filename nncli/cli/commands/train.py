"""`nncli train`: train a network, or resume one."""

import sys
from pathlib import Path
from typing import List, Optional

import typer

from ..app import app
from ..boundary import boundary
from ..console import print_json


@app.command()
@boundary
def train(
    config: Optional[Path] = typer.Argument(None, help="YAML config file (optional with --resume)."),
    set_: List[str] = typer.Option([], "--set", metavar="KEY=VALUE",
                                   help="Override a config key (dotted path; VALUE is YAML). Repeatable."),
    run_dir: Optional[Path] = typer.Option(None, "--run-dir", help="Write the run into exactly this directory."),
    runs_root: Path = typer.Option(Path("runs"), "--runs-root", help="Where new run directories are made."),
    name: Optional[str] = typer.Option(None, "--name", help="Run name (default: the config's name)."),
    resume: Optional[Path] = typer.Option(None, "--resume", metavar="RUN_DIR",
                                          help="Continue an interrupted or crashed run from its checkpoint "
                                               "(with --set training.epochs=N: to N epochs, also a finished run)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the run directory."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object with run_dir and metrics."),
    no_plots: bool = typer.Option(False, "--no-plots", help="Draw no pictures (as --set output.plots=false)."),
):
    """Train a network; the last line on stdout is the run directory (also after Ctrl-C or divergence)."""
    from ...errors import RunInterrupted, TrainingFailed

    try:
        path, summary = _train(config, set_, run_dir, runs_root, name, resume, quiet or as_json, no_plots)
    except (RunInterrupted, TrainingFailed) as exc:
        if exc.run_dir is not None:  # so that `run=$(nncli train ...)` can resume it, or look at what went wrong
            status = "interrupted" if isinstance(exc, RunInterrupted) else "diverged"
            _print_result(exc.run_dir, {"status": status}, as_json)
        raise
    _print_result(path, summary, as_json)


def _train(config, set_, run_dir, runs_root, name, resume, quiet, no_plots):
    from ...errors import UsageError
    from ...reporting import make_reporter
    from ...training.resume import resume_run
    from ...training.run import train_from_config

    if no_plots and resume is not None:  # a resumed run keeps its config; changing output.plots is refused
        raise UsageError("--no-plots applies to a new run: --resume continues a run with its own output.plots")
    reporter = make_reporter(quiet)
    if resume is not None:
        if run_dir is not None or name is not None:
            raise UsageError("--resume continues a run in place: --run-dir and --name do not apply")
        path, summary = resume_run(resume, config, set_, reporter=reporter)
        if summary is None:
            print(f"nncli: {path} already finished; nothing to resume (to train it further: "
                  "--set training.epochs=N)", file=sys.stderr)
            summary = _read_summary(path)
    elif config is None:
        raise UsageError("give a CONFIG file to train, or --resume RUN_DIR")
    else:
        overrides = list(set_) + (["output.plots=false"] if no_plots else [])
        path, summary = train_from_config(config, overrides, runs_root, run_dir, name=name, reporter=reporter)
    return path, summary


def _print_result(path, summary, as_json):
    if as_json:
        print_json({"run_dir": str(path), "metrics": summary})
    else:
        print(path, flush=True)


def _read_summary(path):
    from ...runs import SUMMARY, read_json

    return read_json(path / SUMMARY)

"""`nncli sweep`: train variants of a config and select one."""

import sys
from pathlib import Path
from typing import List, Optional

import typer

from ..app import app
from ..boundary import boundary
from ..completion import EXECUTORS, choices
from ..console import print_json


@app.command()
@boundary
def sweep(
    config: Optional[Path] = typer.Argument(None, help="YAML config file (not with --resume)."),
    grid: List[str] = typer.Option([], "--grid", metavar="KEY=V1,V2,...",
                                   help="Try every value (YAML; commas inside [] or {} do not split). Repeatable."),
    random: List[str] = typer.Option([], "--random", metavar="KEY=DIST",
                                     help="Draw values: uniform(a,b), loguniform(a,b), randint(a,b), choice(v1,...)."),
    trials: Optional[int] = typer.Option(None, "--trials", help="How many --random draws."),
    seeds: Optional[int] = typer.Option(None, "--seeds", help="Train every point with N seeds: seed, seed+1, ..."),
    set_: List[str] = typer.Option([], "--set", metavar="KEY=VALUE", help="Override a config key in every trial."),
    sweep_seed: Optional[int] = typer.Option(None, "--sweep-seed", help="Seed of the --random draws (default: seed)."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1, help="Trials at a time (default: the cores)."),
    select: str = typer.Option("val_loss", "--select", metavar="METRIC",
                               help="Choose on this val_* (or train_*) metric."),
    runs_root: Path = typer.Option(Path("runs"), "--runs-root", help="Where the sweep directory is made."),
    sweep_dir: Optional[Path] = typer.Option(None, "--sweep-dir", help="Use exactly this sweep directory."),
    name: Optional[str] = typer.Option(None, "--name", help="Sweep name (default: the config's name)."),
    plots: bool = typer.Option(False, "--plots", help="Draw every trial's pictures (off in a sweep)."),
    executor: Optional[str] = typer.Option(None, "--executor", help="local (default) or dask.",
                                            autocompletion=choices(EXECUTORS)),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", metavar="ADDRESS",
                                            help="A Dask scheduler to run on."),
    resume: Optional[Path] = typer.Option(None, "--resume", metavar="SWEEP_DIR",
                                          help="Run what a sweep left unfinished."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the sweep directory."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object: sweep_dir, selected, configurations."),
):
    """Train variants of a config in parallel, select on validation; the last stdout line is the sweep directory."""
    from ...errors import UsageError
    from ...sweep.output import progress_printer, report
    from ...sweep.runner import make_executor, resume_sweep, start_sweep

    if as_json and quiet:
        raise UsageError("--json and --quiet exclude each other")
    pool = make_executor(executor, jobs, scheduler)
    progress = None if quiet or as_json else progress_printer(sys.stderr)
    if resume is not None:
        given = [flag for flag, value in (("CONFIG", config), ("--grid", grid), ("--random", random), ("--set", set_),
                                          ("--trials", trials), ("--seeds", seeds), ("--sweep-dir", sweep_dir),
                                          ("--name", name), ("--sweep-seed", sweep_seed)) if value]
        if given or plots or select != "val_loss":
            raise UsageError("--resume continues a sweep as it was planned: give only SWEEP_DIR (and --jobs, "
                             f"--executor, --scheduler, --json, --quiet), not {', '.join(given) or 'a new plan'}")
        outcome = resume_sweep(resume, pool, progress)
    elif config is None:
        raise UsageError("give a CONFIG file to sweep, or --resume SWEEP_DIR")
    else:
        outcome = start_sweep(config, grid, random, trials, seeds, set_, sweep_seed, select, runs_root, sweep_dir,
                              name, plots, pool, progress)
    report(outcome, as_json, quiet, print_json)

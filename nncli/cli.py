"""The ``nncli`` command line: thin Typer commands that each call one service.

Heavy libraries (numpy, scikit-learn, matplotlib) are imported inside the
commands, so ``nncli --help`` stays fast.  Errors of the NncliError family are
turned into one line on stderr and an exit code here, and only here.
"""

import functools
import json
import os
import sys
from pathlib import Path
from typing import List, Optional

import typer

from .errors import NncliError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="Train small NumPy neural networks from YAML config files.",
)
_state = {"debug": False}


def _fail(message, code):
    # user data can put line breaks or control characters into a message: escape them
    message = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in message)
    print(f"nncli: error: {message}", file=sys.stderr)
    raise SystemExit(code)


def boundary(command):
    """Run a command, turning nncli errors into one stderr line and an exit code."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except NncliError as exc:
            if _state["debug"]:
                raise
            _fail(str(exc), exc.exit_code)
        except KeyboardInterrupt:
            print("nncli: interrupted", file=sys.stderr)
            raise SystemExit(130) from None
        except MemoryError:
            _fail("not enough memory for this config and data; make the data or the network smaller", 2)
        except BrokenPipeError:
            raise SystemExit(1) from None
        except Exception as exc:  # the last line of defence: a bug, reported in one line
            if _state["debug"]:
                raise
            _fail(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)", 1)

    return wrapper


def _print_version(value: bool):
    if value:
        from . import __version__

        print(f"nncli {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks instead of one-line errors."),
    version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                 help="Print the version and exit."),
):
    """Train small NumPy neural networks from YAML config files."""
    _state["debug"] = debug


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
                                          help="Continue an interrupted or crashed run from its checkpoint."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the run directory."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object with run_dir and metrics."),
):
    """Train a network; the last line on stdout is the run directory."""
    from .errors import UsageError
    from .reporting import make_reporter
    from .training.resume import resume_run
    from .training.run import train_from_config

    reporter = make_reporter(quiet or as_json)
    if resume is not None:
        if run_dir is not None or name is not None:
            raise UsageError("--resume continues a run in place: --run-dir and --name do not apply")
        path, summary = resume_run(resume, config, set_, reporter=reporter)
        if summary is None:
            print(f"nncli: {path} already finished; nothing to resume", file=sys.stderr)
            summary = _read_summary(path)
    elif config is None:
        raise UsageError("give a CONFIG file to train, or --resume RUN_DIR")
    else:
        overrides = list(set_) + ([f"name={name}"] if name is not None else [])
        path, summary = train_from_config(config, overrides, runs_root, run_dir, reporter=reporter)
    if as_json:
        _print_json({"run_dir": str(path), "metrics": summary})
    else:
        print(path)


def _read_summary(path):
    from .runs import SUMMARY, read_json

    return read_json(path / SUMMARY)


@app.command()
@boundary
def data(
    config: Path = typer.Argument(..., help="YAML config file."),
    split: str = typer.Option("train", "--split", help="train, val or test."),
    output: str = typer.Option("-", "--output", "-o", help="CSV file to write ('-' for stdout)."),
    set_: List[str] = typer.Option([], "--set", metavar="KEY=VALUE", help="Override a config key. Repeatable."),
):
    """Write the raw (unscaled) split a config would use, as CSV with a header."""
    from .data_export import write_data_split

    write_data_split(config, split, output, set_)


@app.command()
@boundary
def plot(
    run_dir: Path = typer.Argument(..., help="A trained run directory."),
    only: List[str] = typer.Option([], "--only", metavar="NAME",
                                   help="Draw only this picture (loss, metrics, data, decision, network, "
                                        "weights, roc, confusion). Repeatable."),
):
    """(Re)draw a run's pictures into RUN_DIR/plots/; prints each file written."""
    from .errors import NncliError, warn
    from .plots import check_names, draw_all

    check_names(only)  # a misspelt name fails before the run is loaded

    def failed(name, exc):
        warn(f"could not draw {name}.png: {type(exc).__name__}: {exc}")

    drawing = draw_all(run_dir, only or None, on_error=None if _state["debug"] else failed)
    for path in drawing.paths:
        print(path)
    if drawing.failed:
        raise NncliError(f"{len(drawing.failed)} plot(s) failed: {', '.join(drawing.failed)}")


def _stdout_console():
    """Rich console for results on stdout; when piped, wide enough never to wrap a table (or as wide
    as COLUMNS says, when set)."""
    from rich.console import Console

    columns = os.environ.get("COLUMNS", "")
    return Console(width=None if sys.stdout.isatty() else int(columns) if columns.isdigit() else 1000)


def _print_json(data):
    from .runs import json_safe

    print(json.dumps(json_safe(data)))


@app.command()
@boundary
def evaluate(
    run_dir: Path = typer.Argument(..., metavar="RUN_DIR", help="Run directory."),
    data: Optional[str] = typer.Option(None, "--data", metavar="FILE.csv",
                                       help="Score this labelled CSV ('-' for stdin) instead of the run's test split."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of tables."),
):
    """Score a trained run on its own test split (rebuilt from config and seed) or a labelled CSV."""
    from .evaluate import evaluate_run, render

    report = evaluate_run(run_dir, data)
    if as_json:
        _print_json(report)
    else:
        render(report, _stdout_console())


@app.command()
@boundary
def predict(
    run_dir: Path = typer.Argument(..., metavar="RUN_DIR", help="Run directory."),
    input_csv: str = typer.Argument(..., metavar="INPUT.csv",
                                    help="CSV with the run's feature columns ('-' for stdin)."),
    output: str = typer.Option("-", "--output", "-o", help="CSV file to write ('-' for stdout)."),
):
    """Predict every row of a CSV: a prediction column, and p_<class> columns for classification."""
    from .predict import predict_csv

    predict_csv(run_dir, input_csv, output)


@app.command()
@boundary
def export(
    run_dir: Path = typer.Argument(..., metavar="RUN_DIR", help="A finished run directory."),
    format_: str = typer.Option(..., "--format", metavar="onnx|safetensors", help="The file format."),
    output: Optional[Path] = typer.Option(None, "--output", "-o",
                                          help="File to write (default: model.onnx or model.safetensors in RUN_DIR)."),
):
    """Write a finished run as ONNX (the whole pipeline) or safetensors; the last stdout line is the file."""
    from .export import export_run

    print(export_run(run_dir, format_, output))


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
    executor: Optional[str] = typer.Option(None, "--executor", help="local (default) or dask."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", metavar="ADDRESS",
                                            help="A Dask scheduler to run on."),
    resume: Optional[Path] = typer.Option(None, "--resume", metavar="SWEEP_DIR",
                                          help="Run what a sweep left unfinished."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the sweep directory."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object: sweep_dir, selected, configurations."),
):
    """Train variants of a config in parallel, select on validation; the last stdout line is the sweep directory."""
    from .errors import UsageError
    from .sweep.output import progress_printer, report
    from .sweep.runner import make_executor, resume_sweep, start_sweep

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
    report(outcome, as_json, quiet, _print_json)


@app.command("runs")
@boundary
def runs_command(
    root: Path = typer.Argument(Path("runs"), help="Directory searched (at any depth) for run directories."),
    sort: Optional[str] = typer.Option(None, "--sort", metavar="KEY",
                                       help="Sort by a summary key (val_loss, test_auc, best_epoch, train_seconds, "
                                            "...), a config key or a column; best first."),
    reverse: bool = typer.Option(False, "--reverse", help="Reverse the --sort order."),
    filter_: List[str] = typer.Option([], "--filter", metavar="KEY<OP>VALUE",
                                      help="Keep runs whose config key, summary key, status or name compares so "
                                           "(OP: = != < <= > >=). Repeatable."),
    group_by: List[str] = typer.Option([], "--group-by", metavar="KEY",
                                       help="One row per group of runs with equal KEY (a config key or name): "
                                            "n, statuses, mean ± std of each metric. Repeatable."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list instead of a table."),
    as_csv: bool = typer.Option(False, "--csv", help="Print CSV instead of a table."),
):
    """One row per run under ROOT: status, start, epochs, differing hyperparameters, val and test metrics."""
    from .errors import UsageError
    from .runs.groups import grouped, statuses_text
    from .runs.listing import as_records, csv_text, list_runs
    from .runs.table import render_groups, render_runs

    if as_json and as_csv:
        raise UsageError("--json and --csv exclude each other")
    listing = list_runs(root, sort, filter_, reverse)
    records, columns = grouped(listing, group_by, reverse) if group_by else (as_records(listing), listing.columns)
    if as_json:
        _print_json(records)
    elif as_csv:
        sys.stdout.write(csv_text([dict(r, statuses=statuses_text(r["statuses"])) for r in records] if group_by
                                  else records, columns))
    elif not listing.rows:
        print(f"no runs under {root}", file=sys.stderr)
    elif group_by:
        render_groups(records, group_by, listing.metrics, _stdout_console(), listing.sort)
    else:
        render_runs(listing, _stdout_console())


@app.command()
@boundary
def check(
    config: Path = typer.Argument(..., metavar="CONFIG", help="YAML config file."),
    set_: List[str] = typer.Option([], "--set", metavar="KEY=VALUE", help="Override a config key. Repeatable."),
    max_entries: int = typer.Option(200, "--max-entries", min=1,
                                    help="Check at most this many random entries of each parameter array."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of a table."),
):
    """Validate a config and check its network's gradients against finite differences (exit 1 if off)."""
    from .check import check_config, render
    from .errors import CheckFailed

    report = check_config(config, set_, max_entries)
    if as_json:
        _print_json(report)
    else:
        render(report, _stdout_console())
    if not report["passed"]:
        raise CheckFailed(f"gradient check failed: relative error {report['max_rel_error']:.2e} in "
                          f"{report['worst']} exceeds {report['tolerance']:g}")


def _cap_address_space():
    """Make an allocation beyond the machine's memory a MemoryError, not a kill by the OS."""
    try:
        import resource

        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if soft == resource.RLIM_INFINITY:
            # headroom for the address space that libraries reserve without using it
            limit = total + 8 * 1024**3
            soft = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
            resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    except (ImportError, ValueError, OSError):
        pass


def main():
    """Entry point of the ``nncli`` console script and ``python -m nncli``.

    Command-line mistakes (an unknown option, a missing argument) get the same one
    line on stderr and exit code 2 as every other error, instead of a boxed panel.
    """
    _cap_address_space()
    usage_error = typer.BadParameter.__mro__[1]  # the UsageError of the click inside Typer
    try:
        code = app(prog_name="nncli", standalone_mode=False)
    except usage_error as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # plain `nncli`: the help, as before
            exc.show()
            raise SystemExit(exc.exit_code) from None
        command = exc.ctx.command_path if exc.ctx is not None else "nncli"
        _fail(f"{exc.format_message().rstrip('.')} (see '{command} --help')", 2)
    except typer.Abort:
        _fail("aborted", 130)
    raise SystemExit(code if isinstance(code, int) else 0)

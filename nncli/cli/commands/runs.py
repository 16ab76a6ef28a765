"""`nncli runs`: list the runs under a directory."""

import sys
from pathlib import Path
from typing import List, Optional

import typer

from ..app import app
from ..boundary import boundary
from ..console import print_json, stdout_console


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
    from ...errors import UsageError
    from ...runs.groups import grouped, statuses_text
    from ...runs.listing import as_records, csv_text, list_runs
    from ...runs.table import render_groups, render_runs

    if as_json and as_csv:
        raise UsageError("--json and --csv exclude each other")
    listing = list_runs(root, sort, filter_, reverse)
    records, columns = grouped(listing, group_by, reverse) if group_by else (as_records(listing), listing.columns)
    if as_json:
        print_json(records)
    elif as_csv:
        sys.stdout.write(csv_text([dict(r, statuses=statuses_text(r["statuses"])) for r in records] if group_by
                                  else records, columns))
    elif not listing.rows:
        print(f"no runs under {root}", file=sys.stderr)
    elif group_by:
        render_groups(records, group_by, listing.metrics, stdout_console(), listing.sort)
    else:
        render_runs(listing, stdout_console())

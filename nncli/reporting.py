"""Progress of a training run on stderr: a live rich display on a terminal,
one plain line per epoch (or per N epochs on long runs) elsewhere, or nothing."""

import math
import sys
import time

SHOWN = ("loss", "auc", "accuracy", "mse", "r2")


def format_row(row, total):
    """``epoch 12/300  train_loss 0.4123  train_auc 0.9731 ...  lr 0.001  0.01s``."""
    parts = [f"epoch {row['epoch']}/{total}"]
    for split in ("train", "val"):
        for metric in SHOWN:
            value = row.get(f"{split}_{metric}")
            if value is not None:
                parts.append(f"{split}_{metric} {value:.4g}" if math.isfinite(value) else f"{split}_{metric} nan")
    parts.append(f"lr {row['lr']:.3g}")
    parts.append(f"{row['seconds']:.2f}s")
    return "  ".join(parts)


class Reporter:
    """Prints nothing; the base of the other reporters."""

    def start(self, run_dir, model, dataset, epochs):
        """Called once before the first epoch."""

    def epoch(self, row, total):
        """Called after every epoch with its metrics row."""

    def finish(self, summary):
        """Called once after training ended (also when it stopped early)."""

    def plots(self, directory, paths):
        """Called after the run's pictures were drawn into ``directory``."""

    def close(self):
        """Release the display, whatever happened."""


class PlainReporter(Reporter):
    """Plain lines for logs: every epoch of short runs, about 50 lines for long ones."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        #: {epoch: {"train": loss, "val": loss}}: every epoch of the run, also those before a resume
        self.history = {}

    def _print(self, text):
        print(text, file=self.stream, flush=True)

    def _remember(self, row):
        self.history[int(row["epoch"])] = {split: row.get(f"{split}_loss") for split in SPLITS}

    def _read_earlier_epochs(self, run_dir):
        """The epochs already in the run's metrics.csv (a resumed run): the sparkline covers them too."""
        self.history.update(earlier_losses(run_dir))

    @property
    def losses(self):
        """``{"train": [loss per epoch], "val": [...]}`` in epoch order (None where a split has none)."""
        epochs = sorted(self.history)
        return {split: [self.history[epoch][split] for epoch in epochs] for split in SPLITS}

    def trend_lines(self):
        """The loss sparklines printed at the end: ``[(label, first, line, last)]``."""
        blocks = BLOCKS if _can_encode(self.stream, BLOCKS) else ASCII_BLOCKS
        losses = {split: [v for v in values if v is not None] for split, values in self.losses.items()}
        every = [v for values in losses.values() for v in values if math.isfinite(v) and v > 0]
        scale = (min(every), max(every)) if every else None  # one scale: train and val comparable
        lines = []
        for split, values in losses.items():
            line = sparkline(values, blocks=blocks, scale=scale)
            if line:
                finite = [v for v in values if math.isfinite(v)]
                lines.append((f"{split} loss", finite[0], line, finite[-1]))
        return lines

    def kept_line(self, summary, lines):
        """Under the sparklines, a ``^`` at the epoch whose weights were kept, when early
        stopping restored an earlier epoch than the last; None otherwise."""
        best, epochs = summary.get("best_epoch"), sorted(self.history)
        if not lines or not best or not epochs or best >= epochs[-1] or best not in self.history:
            return None
        width = len(lines[0][2])
        column = sparkline_column(epochs.index(best), len(epochs), width)
        # the sparklines start after the label, a space, the 9-wide first value and a space
        note = f"^ early stopping kept the weights of epoch {best} (of {epochs[-1]})"
        return " " * (LABEL_WIDTH + 11 + column) + note

    def start(self, run_dir, model, dataset, epochs):
        self.every = max(1, math.ceil(epochs / 50))
        self._read_earlier_epochs(run_dir)
        self._print(f"run directory: {run_dir}")
        sizes = f"{len(dataset.train)} train" + (f", {len(dataset.val)} val" if dataset.val else "")
        self._print(f"data: {sizes}, {len(dataset.test)} test; model: {model.n_params} parameters")

    def epoch(self, row, total):
        self._remember(row)
        if row["epoch"] % self.every == 0 or row["epoch"] == total or row["epoch"] == 1:
            self._print(format_row(row, total))

    def finish(self, summary):
        self._print(final_line(summary))
        lines = self.trend_lines()
        for label, first, line, last in lines:
            self._print(f"{label:<{LABEL_WIDTH}} {first:<9.3g} {line} {last:.3g}  (log scale)")
        kept = self.kept_line(summary, lines)
        if kept:
            self._print(kept)

    def plots(self, directory, paths):
        if paths:
            self._print(f"plots: {directory} ({', '.join(path.stem for path in paths)})")


BLOCKS = "▁▂▃▄▅▆▇█"
ASCII_BLOCKS = "_.-~=+*#"
SPLITS = ("train", "val")
LABEL_WIDTH = 10  # "train loss" and "val loss", padded: the sparklines start in one column


def earlier_losses(run_dir):
    """``{epoch: {"train": loss, "val": loss}}`` from ``run_dir/metrics.csv``; {} when it
    is missing or unreadable (a new run: the display must not fail over it)."""
    import csv
    import io

    from .errors import RunError
    from .runs.files import METRICS
    from .runs.reading import METRICS_LIMIT, open_regular

    history = {}
    try:
        # a regular file within its limit only: a FIFO in its place would block, /dev/zero fill memory
        with io.TextIOWrapper(open_regular(f"{run_dir}/{METRICS}", METRICS_LIMIT), newline="",
                              encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                history[int(row["epoch"])] = {split: _float(row.get(f"{split}_loss")) for split in SPLITS}
    except (OSError, RunError, ValueError, KeyError, TypeError, csv.Error):
        return {}
    return history


def _float(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def sparkline_column(index, n, width=40):
    """The column of ``sparkline`` (of ``n`` values, at most ``width`` wide) that shows value ``index``."""
    if n <= width:
        return index
    return next(i for i in range(width) if index < (i + 1) * n // width)


def sparkline(values, width=40, blocks=BLOCKS, scale=None):
    """A row of at most ``width`` block characters tracing ``values`` on a log scale.

    Long series are averaged (in log space) into ``width`` buckets; values that
    are not finite and positive are skipped.  Empty string when nothing is left.
    ``scale`` = (low, high) maps to the lowest and highest block (default: the
    values' own range).
    """
    logs = [math.log10(v) for v in values if v is not None and math.isfinite(v) and v > 0]
    if not logs:
        return ""
    if len(logs) > width:
        n = len(logs)
        buckets = [logs[i * n // width : (i + 1) * n // width] for i in range(width)]
        logs = [sum(bucket) / len(bucket) for bucket in buckets]
    low, high = (min(logs), max(logs)) if scale is None else (math.log10(scale[0]), math.log10(scale[1]))
    if high - low < 1e-12:
        return blocks[len(blocks) // 2] * len(logs)
    top = len(blocks) - 1
    return "".join(blocks[min(top, max(0, round((value - low) / (high - low) * top)))] for value in logs)


def _can_encode(stream, text):
    try:
        text.encode(getattr(stream, "encoding", None) or "utf-8")
        return True
    except (UnicodeEncodeError, LookupError):
        return False


def final_line(summary):
    """One line: why training stopped and the test metrics."""
    tests = [f"{key} {value:.4g}" for key, value in summary.items()
             if key.startswith("test_") and isinstance(value, float) and math.isfinite(value)]
    return (f"stopped after {summary['epochs_run']} epochs ({summary['stop_reason']}), "
            f"{summary['wall_seconds']:.1f}s: " + "  ".join(tests))


class RichReporter(PlainReporter):
    """A progress bar with the latest metrics, redrawn in place on a terminal."""

    def start(self, run_dir, model, dataset, epochs):
        from rich.console import Console
        from rich.markup import escape
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self._read_earlier_epochs(run_dir)
        self.console = Console(stderr=True)
        self.console.print(f"[bold]run directory[/bold] {escape(str(run_dir))}")  # a path is not rich markup
        self.console.print(repr(model), highlight=False)
        self.progress = Progress(TextColumn("epoch"), MofNCompleteColumn(), BarColumn(),
                                 TimeRemainingColumn(), TextColumn("{task.fields[metrics]}"),
                                 console=self.console, transient=False)
        self.task = self.progress.add_task("train", total=epochs, metrics="")
        self.progress.start()
        self._last = 0.0

    def epoch(self, row, total):
        self._remember(row)
        now = time.monotonic()
        # redraw at most ~10 times a second: fast epochs would spend their time drawing
        if now - self._last > 0.1 or row["epoch"] == total:
            metrics = "  ".join(format_row(row, total).split("  ")[1:-2])
            self.progress.update(self.task, completed=row["epoch"], metrics=metrics)
            self._last = now

    def finish(self, summary):
        if self.progress is not None:  # the training loop may have closed the display already
            self.progress.update(self.task, total=summary["epochs_run"], completed=summary["epochs_run"])
        self.close()
        self.console.print(final_line(summary), highlight=False)
        lines = self.trend_lines()
        for label, first, line, last in lines:
            self.console.print(f"{label:<{LABEL_WIDTH}} {first:<9.3g} [cyan]{line}[/cyan] {last:.3g}  "
                               "[dim](log scale)[/dim]", highlight=False)
        kept = self.kept_line(summary, lines)
        if kept:
            self.console.print(kept, highlight=False)

    def plots(self, directory, paths):
        if paths:
            from rich.markup import escape

            names = ", ".join(path.stem for path in paths)
            self.console.print(f"[bold]plots[/bold] {escape(str(directory))} [dim]({names})[/dim]",
                               highlight=False)

    def close(self):
        if getattr(self, "progress", None) is not None:
            self.progress.stop()
            self.progress = None


def make_reporter(quiet):
    """Nothing when quiet, rich on a terminal, plain lines otherwise."""
    if quiet:
        return Reporter()
    if sys.stderr.isatty():
        return RichReporter()
    return PlainReporter()

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

    def close(self):
        """Release the display, whatever happened."""


class PlainReporter(Reporter):
    """Plain lines for logs: every epoch of short runs, about 50 lines for long ones."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr

    def _print(self, text):
        print(text, file=self.stream, flush=True)

    def start(self, run_dir, model, dataset, epochs):
        self.every = max(1, math.ceil(epochs / 50))
        self._print(f"run directory: {run_dir}")
        sizes = f"{len(dataset.train)} train" + (f", {len(dataset.val)} val" if dataset.val else "")
        self._print(f"data: {sizes}, {len(dataset.test)} test; model: {model.n_params} parameters")

    def epoch(self, row, total):
        if row["epoch"] % self.every == 0 or row["epoch"] == total or row["epoch"] == 1:
            self._print(format_row(row, total))

    def finish(self, summary):
        self._print(final_line(summary))


def final_line(summary):
    """One line: why training stopped and the test metrics."""
    tests = [f"{key} {value:.4f}" for key, value in summary.items()
             if key.startswith("test_") and isinstance(value, float) and math.isfinite(value)]
    return (f"stopped after {summary['epochs_run']} epochs ({summary['stop_reason']}), "
            f"{summary['wall_seconds']:.1f}s: " + "  ".join(tests))


class RichReporter(PlainReporter):
    """A progress bar with the latest metrics, redrawn in place on a terminal."""

    def start(self, run_dir, model, dataset, epochs):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.console = Console(stderr=True)
        self.console.print(f"[bold]run directory[/bold] {run_dir}")
        self.console.print(repr(model), highlight=False)
        self.progress = Progress(TextColumn("epoch"), MofNCompleteColumn(), BarColumn(),
                                 TimeRemainingColumn(), TextColumn("{task.fields[metrics]}"),
                                 console=self.console, transient=False)
        self.task = self.progress.add_task("train", total=epochs, metrics="")
        self.progress.start()
        self._last = 0.0

    def epoch(self, row, total):
        now = time.monotonic()
        # redraw at most ~10 times a second: fast epochs would spend their time drawing
        if now - self._last > 0.1 or row["epoch"] == total:
            metrics = "  ".join(format_row(row, total).split("  ")[1:-2])
            self.progress.update(self.task, completed=row["epoch"], metrics=metrics)
            self._last = now

    def finish(self, summary):
        self.progress.update(self.task, total=summary["epochs_run"], completed=summary["epochs_run"])
        self.close()
        self.console.print(final_line(summary), highlight=False)

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

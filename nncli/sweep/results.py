"""A sweep's results: configurations over seeds, the selection rule, ``trials.csv``, ``summary.json``, the table.

A *configuration* is a trial's overrides without its seed; its statistics are
the mean and the sample standard deviation (n - 1; null for one trial) of each
metric over its trials.  Selection: among the configurations whose every trial
finished (completed or stopped early: none diverged, failed or unfinished), the
best mean of the selection metric (highest for auc, accuracy and r2, lowest for
losses and errors); a tie goes to the configuration listed first.  Never on a
test metric: those are reported for the selected configuration only, as an
estimate on unseen data.
"""

import math
import re

from ..errors import ConfigError, UsageError, echo
from ..metric_names import HIGHER_IS_BETTER

FINISHED = ("completed", "stopped_early")
METRICS = ("loss", "auc", "accuracy", "mse", "r2", "mae")
#: summary keys shown in trials.csv before the metrics, in this order
RUN_KEYS = ("stop_reason", "epochs_run", "best_epoch", "train_seconds", "wall_seconds")
METRIC_KEYS = tuple(f"{split}_{m}" for split in ("train", "val", "test") for m in METRICS)
TRIAL_COLUMNS = ("id", "overrides", "seed", "status", "run_dir", "seconds", "error")


def check_select(metric, has_val):
    """Refuse a selection metric a sweep cannot use (before anything is trained)."""
    match = re.fullmatch(rf"(train|val|test)_({'|'.join(METRICS)})", metric)
    if not match:
        raise UsageError("--select takes a val_* or train_* metric such as val_loss or val_accuracy "
                         f"(got '{echo(metric)}')")
    if match.group(1) == "test":
        raise UsageError(f"--select {metric}: a sweep never selects on test data, which would then no longer "
                         "estimate performance on unseen data; select a val_* metric")
    if match.group(1) == "val" and not has_val:
        raise ConfigError(f"--select {metric} needs a validation split and the config has none (data.val_size is 0): "
                          "add --set data.val_size=0.2, or select on training data explicitly with --select train_loss")


def higher_is_better(metric):
    return metric.split("_", 1)[1] in HIGHER_IS_BETTER


def label(overrides):
    return " ".join(overrides) or "(the config as it is)"


def _stats(values):
    values = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if not values:
        return None
    mean = math.fsum(values) / len(values)
    if len(values) < 2:
        return {"mean": mean, "std": None}
    return {"mean": mean, "std": math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (len(values) - 1))}


def configurations(trials, results, metric):
    """One dict per configuration, best first by the selection rule (the ineligible ones last).

    ``trials``: the plan's Trials; ``results``: {id: result dict} of those that reported.
    """
    groups = {}
    for trial in trials:
        groups.setdefault(tuple(trial.overrides), []).append(trial.id)
    found = []
    for overrides, ids in groups.items():
        statuses = {}
        for trial_id in ids:
            status = results.get(trial_id, {}).get("status", "pending")
            statuses[status] = statuses.get(status, 0) + 1
        summaries = [results[i]["summary"] for i in ids if i in results and results[i]["status"] in FINISHED]
        keys = [k for k in RUN_KEYS + METRIC_KEYS if k != "stop_reason" and any(k in s for s in summaries)]
        stats = {key: _stats([s.get(key) for s in summaries]) for key in keys}
        value = (stats.get(metric) or {}).get("mean")
        eligible = set(statuses) <= set(FINISHED) and value is not None and math.isfinite(value)
        found.append({"overrides": list(overrides), "trials": ids, "n": len(ids), "statuses": statuses,
                      "eligible": eligible, "metrics": {k: v for k, v in stats.items() if v is not None}})
    sign = -1.0 if higher_is_better(metric) else 1.0
    order = sorted(range(len(found)), key=lambda i: (not found[i]["eligible"],
                                                     sign * found[i]["metrics"][metric]["mean"]
                                                     if found[i]["eligible"] else 0.0, i))
    ranked = [found[i] for i in order]
    for rank, config in enumerate(ranked, 1):
        config["rank"] = rank if config["eligible"] else None
    return ranked


RULE = ("best mean {metric} over seeds ({direction} is better) among the configurations whose every trial "
        "completed or stopped early; diverged, failed and unfinished trials disqualify their configuration")


def summary(status, metric, ranked):
    """``summary.json``: the sweep's status, the rule, the selected configuration, every configuration."""
    selected = ranked[0] if ranked and ranked[0]["eligible"] else None
    chosen = None
    if selected is not None:
        chosen = {"overrides": selected["overrides"], "trials": selected["trials"], "n": selected["n"],
                  metric: selected["metrics"][metric],
                  "test": {k: v for k, v in selected["metrics"].items() if k.startswith("test_")}}
    rule = RULE.format(metric=metric, direction="higher" if higher_is_better(metric) else "lower")
    return {"status": status, "select": {"metric": metric, "rule": rule}, "selected": chosen,
            "configurations": ranked}


def trial_rows(trials, results):
    """trials.csv: (rows, columns); one row per trial, reported or not."""
    rows, present = [], set()
    for trial in trials:
        result = results.get(trial.id, {})
        summary = result.get("summary") or {}
        row = {"id": trial.id, "overrides": " ".join(trial.overrides), "seed": trial.seed,
               "status": result.get("status", "pending"), "run_dir": f"trials/{trial.id}",
               "seconds": result.get("seconds"), "error": result.get("error")}
        for key in RUN_KEYS + METRIC_KEYS:
            if key in summary:
                row[key] = summary[key]
                present.add(key)
        rows.append(row)
    return rows, list(TRIAL_COLUMNS) + [key for key in RUN_KEYS + METRIC_KEYS if key in present]


def _mean_std(stats):
    if stats is None:
        return "-"
    std = "-" if stats["std"] is None else f"{stats['std']:.4g}"
    return f"{stats['mean']:.4g} ± {std}"


def table(ranked, metric, limit=10):
    """The best configurations as aligned text lines (for stderr)."""
    tests = [key for key in ("test_loss", "test_accuracy", "test_r2") if any(key in c["metrics"] for c in ranked)]
    header = ["rank", "configuration", "n", "statuses", metric] + tests
    lines = [header]
    for config in ranked[:limit]:
        statuses = ", ".join(f"{count} {status}" for status, count in config["statuses"].items())
        lines.append([str(config["rank"] or "-"), label(config["overrides"]), str(config["n"]), statuses,
                      _mean_std(config["metrics"].get(metric))] + [_mean_std(config["metrics"].get(k)) for k in tests])
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = ["  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip() for line in lines]
    if len(ranked) > limit:
        text.append(f"... and {len(ranked) - limit} more configurations (summary.json lists them all)")
    return text

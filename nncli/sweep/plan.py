"""What a sweep trains: ``--grid``, ``--random``, ``--seeds`` and ``--set`` expanded into trials.

A trial is an id (``t0000``, ``t0001``, ...), its overrides (the swept values, an
ordered list of ``KEY=VALUE`` strings: the trial's *configuration*) and its
training seed.  It trains the config with ``plan.fixed + trial.overrides +
["seed=<seed>"]`` as ``--set`` options, in that order.

Order: every grid point (the product of the ``--grid`` values, the last key
varying fastest) with every random draw (``--trials`` draws of all ``--random``
keys, the same draws at every grid point), each replicated over the seeds.
"""

import itertools
import math
import re
from dataclasses import dataclass, field

from ..errors import UsageError, echo

#: closing bracket of each opening one: a comma inside them does not split values
BRACKETS = {"[": "]", "{": "}", "(": ")"}


@dataclass
class Trial:
    id: str
    overrides: list
    seed: int

    def as_dict(self):
        return {"id": self.id, "overrides": list(self.overrides), "seed": self.seed}


@dataclass
class Plan:
    """The expanded sweep: ``fixed`` overrides every trial gets first, then the trials."""

    config_path: str
    fixed: list
    trials: list
    swept: list = field(default_factory=list)  # the keys varied by --grid and --random, in order

    def overrides(self, trial):
        """The ``--set`` list that trains ``trial``."""
        seed = [] if "seed" in self.swept else [f"seed={trial.seed}"]
        return list(self.fixed) + list(trial.overrides) + seed


#: trials in one sweep: planning checks every trial's config, and each is a run directory
MAX_TRIALS = 10_000


def split_values(text):
    """``"[8],[16,16]"`` -> ``["[8]", "[16,16]"]``: commas inside brackets or quotes do not split."""
    values, depth, quote, start = [], [], None, 0
    for i, char in enumerate(text):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in BRACKETS:
            depth.append(BRACKETS[char])
        elif depth and char == depth[-1]:
            depth.pop()
        elif char == "," and not depth:
            values.append(text[start:i].strip())
            start = i + 1
    if depth or quote:
        raise UsageError(f"unbalanced brackets or quotes in '{echo(text)}'")
    values.append(text[start:].strip())
    return values


def _key_value(option, text):
    key, sep, value = text.partition("=")
    if not sep or not key.strip() or not value.strip():
        raise UsageError(f"{option} needs KEY=VALUES (got '{echo(text)}')")
    return key.strip(), value.strip()


def parse_grid(items):
    """``["training.lr=0.1,0.01", ...]`` -> ``[(key, [value text, ...]), ...]`` (values checked as YAML,
    under the limits of any config value)."""
    from ..config import parse_value
    from ..errors import ConfigError, echo

    grid = []
    for item in items:
        key, text = _key_value("--grid", item)
        values = split_values(text)
        for value in values:
            if not value:
                raise UsageError(f"--grid {echo(key)}: empty value in '{echo(text)}'")
            try:
                parse_value(value, f"--grid {echo(key)}")
            except ConfigError as exc:
                raise UsageError(str(exc)) from None
        grid.append((key, values))
    return grid


class Distribution:
    """A ``--random`` distribution: ``uniform(a,b)``, ``loguniform(a,b)``, ``randint(a,b)`` (b included)
    or ``choice(v1,v2,...)`` (values YAML)."""

    NAMES = ("uniform", "loguniform", "randint", "choice")

    def __init__(self, key, text):
        match = re.fullmatch(r"\s*([a-z]+)\s*\((.*)\)\s*", text, flags=re.S)
        if not match or match.group(1) not in self.NAMES:
            raise UsageError(f"--random {echo(key)}: expected one of uniform(a,b), loguniform(a,b), randint(a,b), "
                             f"choice(v1,v2,...) (got '{echo(text)}')")
        self.key, self.name = key, match.group(1)
        args = split_values(match.group(2))
        if self.name == "choice":
            self.args = parse_grid([f"{key}={match.group(2)}"])[0][1]
            return
        if len(args) != 2:
            raise UsageError(f"--random {echo(key)}: {self.name} takes two numbers a,b (got '{echo(text)}')")
        try:
            convert = int if self.name == "randint" else float
            low, high = (convert(arg) for arg in args)
        except ValueError:
            kind = "integers" if self.name == "randint" else "numbers"
            raise UsageError(f"--random {echo(key)}: {self.name} takes two {kind} (got '{echo(text)}')") from None
        if not (math.isfinite(low) and math.isfinite(high)) or low > high or (self.name != "randint" and low == high):
            raise UsageError(f"--random {echo(key)}: {self.name}(a,b) needs a < b (got '{echo(text)}')")
        if self.name == "randint" and not -(2**63) <= low <= high < 2**63:
            raise UsageError(f"--random {echo(key)}: randint(a,b) needs whole numbers within 64 bits "
                             f"(got '{echo(text)}')")
        if self.name == "loguniform" and low <= 0:
            raise UsageError(f"--random {echo(key)}: loguniform(a,b) needs 0 < a < b (got '{echo(text)}')")
        self.args = (low, high)

    def draw(self, rng):
        """One value, as the YAML text of a ``--set`` override."""
        if self.name == "choice":
            return self.args[int(rng.integers(len(self.args)))]
        low, high = self.args
        if self.name == "randint":
            return str(int(rng.integers(low, high, endpoint=True)))
        if self.name == "uniform":
            return yaml_text(float(rng.uniform(low, high)))
        return yaml_text(float(math.exp(rng.uniform(math.log(low), math.log(high)))))


def yaml_text(value):
    """A value as YAML that reads back exactly (``1e-05`` is a string to YAML, ``1.0e-05`` a number)."""
    import yaml

    text = yaml.safe_dump(value, default_flow_style=True, width=1 << 30).strip()
    return text[: -len("...")].strip() if text.endswith("...") else text


def parse_random(items):
    distributions = []
    for item in items:
        key, text = _key_value("--random", item)
        distributions.append(Distribution(key, text))
    return distributions


def make_plan(config_path, grid=(), random=(), trials=None, seeds=None, sets=(), sweep_seed=None):
    """Expand the options into a Plan (the config is loaded to learn its seeds; nothing is trained).

    ``seeds``: replicate every point with training seeds ``seed``, ``seed + 1``, ...,
    ``seed + seeds - 1`` (``seed`` from the config after ``--set``).  ``data.seed`` stays
    what the config says: when it is null it is pinned to the config's ``seed``, so every
    trial sees the same data and split.  ``sweep_seed`` (default: the config's seed) seeds
    the ``--random`` draws.
    """
    import numpy as np

    from ..config import load_config

    grid, random = parse_grid(grid), parse_random(random)
    swept = [key for key, _ in grid] + [d.key for d in random]
    repeated = sorted({key for key in swept if swept.count(key) > 1})
    if repeated:
        raise UsageError(f"{repeated[0]} is swept twice; give each key one --grid or --random")
    if random and trials is None:
        raise UsageError("--random needs --trials N (how many random draws)")
    if trials is not None and not random:
        raise UsageError("--trials counts --random draws; give a --random KEY=DIST")
    if trials is not None and trials < 1 or seeds is not None and seeds < 1:
        raise UsageError("--trials and --seeds must be at least 1")
    if "seed" in swept and (seeds or 1) > 1:
        raise UsageError("seed is swept by --grid/--random; --seeds does not apply")
    if sweep_seed is not None and sweep_seed < 0:
        raise UsageError(f"--sweep-seed must be a whole number >= 0 (got {echo(str(sweep_seed))})")
    count = math.prod(len(values) for _, values in grid) * (trials or 1) * (seeds or 1)
    if count > MAX_TRIALS:
        raise UsageError(f"this sweep has {count} trials, more than the limit of {MAX_TRIALS}; "
                         "sweep fewer values (or split it into several sweeps)")
    base = load_config(config_path, sets)
    fixed = list(sets)
    if base.data.seed is None and "data.seed" not in swept:
        fixed.append(f"data.seed={base.seed}")  # the training seed varies, the data stays
    rng = np.random.default_rng(base.seed if sweep_seed is None else sweep_seed)
    draws = [[f"{d.key}={d.draw(rng)}" for d in random] for _ in range(trials or 1)]
    points = [list(point) + draw for point in itertools.product(*[[f"{k}={v}" for v in vs] for k, vs in grid])
              for draw in draws]
    replicas = range(seeds or 1)
    width = max(4, len(str(len(points) * len(replicas) - 1)))
    plan_trials = []
    for point in points:
        for k in replicas:
            seed = _swept_seed(point) if "seed" in swept else base.seed + k
            plan_trials.append(Trial(f"t{len(plan_trials):0{width}d}", point, seed))
    return Plan(str(config_path), fixed, plan_trials, swept)


def _swept_seed(point):
    import yaml

    return yaml.safe_load(next(item for item in point if item.startswith("seed="))[len("seed="):])

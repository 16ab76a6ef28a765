"""Sweep plans: --grid bracket splitting, --random distributions and reproducible draws, --seeds."""

import math

import pytest
import yaml

from nncli.errors import ConfigError, UsageError
from nncli.sweep.plan import make_plan, split_values, yaml_text

CONFIG = """
seed: 3
data:
  dataset: xor
  params: {n_samples: 100}
  val_size: 0.2
model: {hidden: [4]}
training: {epochs: 2}
"""


def test_commas_inside_brackets_braces_and_quotes_do_not_split():
    assert split_values("[8],[16,16]") == ["[8]", "[16,16]"]
    assert split_values("{type: step, gamma: 0.5},cosine") == ["{type: step, gamma: 0.5}", "cosine"]
    assert split_values("'a,b', c") == ["'a,b'", "c"]
    assert split_values("0.1, 0.01") == ["0.1", "0.01"]
    with pytest.raises(UsageError):
        split_values("[8,16")


def test_grid_is_the_product_in_order_with_seeds_innermost(write_config):
    config = write_config(CONFIG)
    plan = make_plan(config, grid=["training.lr=0.1,0.01", "model.hidden=[8],[16,16]"], seeds=2)
    assert [t.id for t in plan.trials] == [f"t{i:04d}" for i in range(8)]
    assert [t.overrides for t in plan.trials[::2]] == [
        ["training.lr=0.1", "model.hidden=[8]"], ["training.lr=0.1", "model.hidden=[16,16]"],
        ["training.lr=0.01", "model.hidden=[8]"], ["training.lr=0.01", "model.hidden=[16,16]"]]
    assert [t.seed for t in plan.trials] == [3, 4] * 4  # seed + k
    # data.seed is pinned to the config's seed: the data and split stay while the training seed varies
    assert plan.fixed == ["data.seed=3"]
    assert plan.overrides(plan.trials[1]) == ["data.seed=3", "training.lr=0.1", "model.hidden=[8]", "seed=4"]


def test_an_explicit_data_seed_is_kept_and_set_comes_first(write_config):
    config = write_config(CONFIG.replace("val_size: 0.2", "val_size: 0.2\n  seed: 11"))
    plan = make_plan(config, seeds=3, sets=["training.epochs=1"])
    assert plan.fixed == ["training.epochs=1"]
    assert [t.seed for t in plan.trials] == [3, 4, 5]
    assert all(t.overrides == [] for t in plan.trials)


@pytest.mark.parametrize("text, check", [
    ("uniform(0.1,0.5)", lambda v: isinstance(v, float) and 0.1 <= v <= 0.5),
    ("loguniform(1e-4,1e-1)", lambda v: isinstance(v, float) and 1e-4 <= v <= 1e-1),
    ("randint(2,4)", lambda v: isinstance(v, int) and 2 <= v <= 4),
    ("choice(0.5,[1,2],cosine)", lambda v: v in (0.5, [1, 2], "cosine")),
])
def test_random_draws_stay_in_bounds_and_read_back_as_yaml(write_config, text, check):
    plan = make_plan(write_config(CONFIG), random=[f"training.momentum={text}"], trials=200)
    values = [yaml.safe_load(t.overrides[0].split("=", 1)[1]) for t in plan.trials]
    assert all(check(v) for v in values), values
    if text.startswith("randint"):
        assert set(values) == {2, 3, 4}  # b is included
    if text.startswith("loguniform"):  # spread evenly over the decades, not bunched near b
        assert 0.2 < sum(v < 1e-2 for v in values) / len(values) < 0.9


def test_random_draws_are_reproducible_and_follow_the_sweep_seed(write_config):
    config = write_config(CONFIG)
    args = dict(random=["training.lr=loguniform(1e-4,1e-1)", "model.hidden=choice([4],[8,8])"], trials=5)
    first, again = make_plan(config, **args), make_plan(config, **args)
    other = make_plan(config, sweep_seed=99, **args)
    assert [t.overrides for t in first.trials] == [t.overrides for t in again.trials]
    assert [t.overrides for t in first.trials] != [t.overrides for t in other.trials]


def test_floats_are_written_so_yaml_reads_the_same_number():
    for value in (1e-5, 0.1, 123456.789, 2.5e-12, 1.0):
        text = yaml_text(value)
        assert yaml.safe_load(text) == value and isinstance(yaml.safe_load(text), float)
    assert math.isclose(yaml.safe_load(yaml_text(1 / 3)), 1 / 3, rel_tol=0, abs_tol=0)


@pytest.mark.parametrize("options, message", [
    (dict(random=["training.lr=uniform(1,0.1)"], trials=2), "needs a < b"),
    (dict(random=["training.lr=loguniform(0,1)"], trials=2), "0 < a < b"),
    (dict(random=["training.lr=normal(0,1)"], trials=2), "expected one of"),
    (dict(random=["training.lr=uniform(0.1,1)"]), "--random needs --trials"),
    (dict(trials=3), "--trials counts --random draws"),
    (dict(grid=["training.lr=0.1", "training.lr=0.2"]), "swept twice"),
    (dict(grid=["seed=1,2"], seeds=2), "--seeds does not apply"),
    (dict(grid=["training.lr"]), "KEY=VALUES"),
])
def test_bad_sweep_options_are_one_line_usage_errors(write_config, options, message):
    with pytest.raises(UsageError, match=message):
        make_plan(write_config(CONFIG), **options)


def test_a_bad_key_in_the_config_is_a_config_error(write_config):
    with pytest.raises(ConfigError, match="unknown key"):
        make_plan(write_config(CONFIG), sets=["training.lrr=1"])

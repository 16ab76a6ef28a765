"""Configs as hostile input (issue 13, classes 2, 7, 8 and 9): files that are not files or
never end, YAML that expands or nests without bound, numbers that are not finite, absurd
networks, and values that would flood the terminal.  Each is refused with exit 2, one short
line per problem and no traceback, before anything big is read or built."""

import os
import textwrap

import pytest

from nncli.config import load_config, parse_value
from nncli.config.network_size import network_size
from nncli.config.yaml_text import MAX_CONFIG_BYTES, MAX_DEPTH, MAX_VALUES
from nncli.errors import ConfigError, UsageError

GOOD = "data: {dataset: circles, params: {n_samples: 100}}\nmodel: {hidden: [3]}\ntraining: {epochs: 1}\n"
LINE_LIMIT = 300  # no message line of these cases needs more


def _bomb(levels=9, width=9):
    """'Billion laughs': each level an anchored list of ``width`` aliases of the level below."""
    lines = ['l0: &l0 ["lol"]']
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def _flow_nesting(depth):
    return "[" * depth + "]" * depth


def _block_nesting(depth):
    return "data:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, depth)) + "  " * depth + "x: 1\n"


def _refused(result, *expected, lines=1):
    assert result.exit_code == 2, (result.exit_code, result.stderr)
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    errors = result.stderr.strip().splitlines()
    assert len(errors) == lines, result.stderr
    assert all(len(line) < LINE_LIMIT for line in errors), [len(line) for line in errors]
    for text in expected:
        assert text in result.stderr, result.stderr
    return result.stderr


# --- class 2: configs that are not regular files, or too big ----------------------------------

def test_a_device_is_refused_without_reading_it(cli):
    _refused(cli("config", "/dev/zero"), "/dev/zero: a config must be a regular file, not a device")


def test_a_fifo_is_refused_without_opening_it(cli, tmp_path):
    fifo = tmp_path / "config.yaml"
    os.mkfifo(fifo)  # opening it to read would block until a writer came
    _refused(cli("config", fifo), "not a FIFO (named pipe)")


def test_a_directory_is_refused(cli, tmp_path):
    _refused(cli("train", tmp_path, "--runs-root", tmp_path / "runs"), "not a directory")
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("size", [MAX_CONFIG_BYTES + 1, 100 * 1024 * 1024, 5 * 1024**3])
def test_a_file_over_the_size_limit_is_refused_by_its_size(cli, tmp_path, size):
    path = tmp_path / "huge.yaml"
    with open(path, "wb") as handle:
        handle.truncate(size)  # sparse: the test writes nothing, and nncli must not read it
    _refused(cli("config", path), f"config file too large ({size} bytes; the limit is {MAX_CONFIG_BYTES} bytes)")


def test_a_config_just_under_the_limit_is_read(cli, tmp_path):
    path = tmp_path / "padded.yaml"
    padding = "# " + "x" * 98 + "\n"
    path.write_text(GOOD + padding * ((MAX_CONFIG_BYTES - len(GOOD)) // len(padding)))
    assert path.stat().st_size <= MAX_CONFIG_BYTES
    result = cli("config", path)
    assert result.exit_code == 0, result.stderr
    assert "n_samples: 100" in result.stdout


def test_a_config_is_parsed_once(monkeypatch, write_config):
    from nncli.config import yaml_text

    calls = []
    original = yaml_text._BoundedLoader.get_single_node
    monkeypatch.setattr(yaml_text._BoundedLoader, "get_single_node",
                        lambda self: calls.append(1) or original(self))
    load_config(write_config(GOOD))
    assert len(calls) == 1


def test_binary_garbage_is_refused_as_not_utf8(cli, tmp_path):
    path = tmp_path / "garbage.yaml"
    path.write_bytes(b"data: \xff\xfe\x00" * 5000)
    _refused(cli("config", path), "not UTF-8 text (byte 6 cannot be decoded)")


# --- class 2: YAML that expands -------------------------------------------------------------

@pytest.mark.parametrize("levels, width", [(9, 9), (30, 2), (5, 20)])
def test_an_alias_bomb_in_a_config_is_refused(cli, write_config, levels, width):
    path = write_config(GOOD + _bomb(levels, width))
    _refused(cli("config", path), f"expands to more than {MAX_VALUES} values")


def test_an_alias_bomb_in_a_runs_config_yaml_is_refused(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.yaml").write_text(GOOD + _bomb())
    with pytest.raises(ConfigError, match="alias bomb"):
        load_config(run / "config.yaml", run_file=True)


def _flow_bomb():
    return "{" + ", ".join(_bomb().strip().splitlines()) + "}"


def test_an_alias_bomb_in_a_set_value_is_refused(cli, write_config):
    _refused(cli("config", write_config(GOOD), "--set", f"data.params={_flow_bomb()}"), "--set data.params",
             "alias bomb")


def test_an_alias_bomb_in_a_sweep_grid_value_is_refused():
    from nncli.sweep.plan import parse_grid

    with pytest.raises(UsageError, match="--grid data.params.*alias bomb"):
        parse_grid([f"data.params=[{_flow_bomb()}]"])


@pytest.mark.parametrize("body", ["x: [" + "1, " * 20_000 + "1]",
                                  "x:\n" + "".join(f"  k{i}: {i}\n" for i in range(12_000))])
def test_a_config_holding_too_many_values_is_refused_while_it_is_read(cli, write_config, body):
    _refused(cli("config", write_config(GOOD + body + "\n")), f"holds more than {MAX_VALUES} values")


def test_a_recursive_alias_is_refused(cli, write_config):
    _refused(cli("config", write_config(GOOD + "loop: &loop [1, *loop]\n")), "refers to a value that contains it")


def test_aliases_within_the_limits_still_work(write_config):
    config = load_config(write_config("data: {dataset: circles, params: &p {n_samples: 100}}\n"
                                      "model: {hidden: &h [3, 3]}\n"))
    assert config.model.hidden == [3, 3] and config.data.params["n_samples"] == 100


# --- class 7: nesting ----------------------------------------------------------------------

@pytest.mark.parametrize("text", [_flow_nesting(1000), _block_nesting(500), "data: " + _flow_nesting(100_000),
                                  "{a: " * 1000 + "1" + "}" * 1000, "- " * 1000 + "x\n"])
def test_deep_nesting_is_one_line_exit_2(cli, write_config, text):
    _refused(cli("train", write_config(text), "--runs-root", "unused"), f"nested deeper than {MAX_DEPTH} levels")


def test_deep_nesting_in_a_set_value_or_key(cli, write_config):
    path = write_config(GOOD)
    _refused(cli("config", path, "--set", f"data.params={_flow_nesting(1000)}"),
             "--set data.params: nested deeper than")
    _refused(cli("config", path, "--set", "a" + ".a" * 5000 + "=1"), "the key is nested deeper than")


def test_nesting_within_the_limit_is_only_an_unknown_key(cli, write_config):
    _refused(cli("config", write_config(GOOD + "deep: " + _flow_nesting(MAX_DEPTH - 1) + "\n")),
             "unknown key 'deep'")


# --- class 8: numbers that are not finite, networks that cannot fit ----------------------------

@pytest.mark.parametrize("text, expected", [
    ("training: {eps: .inf}", "config.yaml:2: training.eps must be a finite number (got inf)"),
    ("training: {lr: .nan}", "config.yaml:2: training.lr must be a finite number (got nan)"),
    ("training:\n  lr: .inf", "config.yaml:3: training.lr must be a finite number"),
    ("training: {beta2: -.inf}", "config.yaml:2: training.beta2 must be a finite number (got -inf)"),
    ("training: {weight_decay: .inf}", "config.yaml:2: training.weight_decay must be a finite number"),
    ("training: {schedule: {type: cosine, min_lr: .inf}}", "training.schedule.min_lr must be a finite number"),
    ("training: {early_stopping: {min_delta: .inf}}", "training.early_stopping.min_delta must be a finite"),
    ("data: {dataset: moons, params: {noise: .inf}}", "config.yaml:2: data.params.noise must be a finite number"),
    ("data: {dataset: blobs, params: {cluster_std: .nan}}", "data.params.cluster_std must be a finite number"),
])
def test_non_finite_numbers_are_refused_with_key_and_line(cli, write_config, text, expected):
    head = "" if text.startswith("data") else "data: {dataset: circles}\n"
    path = write_config("seed: 1\n" + head + text + "\n" if text.startswith("data") else head + text + "\n")
    _refused(cli("train", path, "--runs-root", "unused"), expected)


def test_a_non_finite_set_value_names_the_set(cli, write_config):
    _refused(cli("config", write_config(GOOD), "--set", "training.eps=.inf"),
             "--set training.eps must be a finite number (got inf)")


ABSURD_NETWORKS = [
    ("ocr", "- {type: conv2d, filters: 4096, kernel: 64}\n- {type: conv2d, filters: 4096, kernel: 64}"),
    ("digits", "- {type: conv2d, filters: 4096, kernel: 512, padding: same}\n- {type: dense, units: 100000}"),
    ("ocr", "- {type: reshape, shape: [32, 32]}\n- {type: lstm, units: 100000}\n- {type: dense, units: 100000}"),
    ("circles", "- {type: dense, units: 100000}\n- {type: dense, units: 100000}\n- {type: dense, units: 100000}"),
    ("ocr", "- {type: residual, layers: [{type: conv2d, filters: 4096, kernel: 32}]}\n- {type: flatten}"),
]


@pytest.mark.parametrize("dataset, layers", ABSURD_NETWORKS)
def test_an_absurd_long_form_network_is_sized_before_it_is_built(cli, write_config, tmp_path, dataset, layers):
    text = f"data: {{dataset: {dataset}}}\ntraining: {{dtype: float64}}\nmodel:\n  layers:\n" + textwrap.indent(
        layers, "    ") + "\n"
    _refused(cli("train", write_config(text), "--runs-root", tmp_path / "runs"), "this config needs about",
             "but only", "make data.params or the network smaller")


@pytest.mark.parametrize("name", ["ocr-conv", "ocr-lstm", "ocr-residual"])
def test_the_size_estimate_counts_the_parameters_the_built_network_has(name):
    from conftest import CONFIGS

    from nncli.nn.build import build_model

    config = load_config(CONFIGS / f"{name}.yaml")
    model, _ = build_model(config, (1, 32, 32), "classification", 26, 0, 0)
    parameters, per_sample = network_size(config.model.layers, (1, 32, 32), 26)
    assert parameters == model.n_params
    assert per_sample > 26


def test_a_network_that_does_not_fit_its_data_is_left_to_the_builder():
    from nncli.config import validate

    config = validate({"data": {"dataset": "circles"}, "model": {"layers": [{"type": "conv2d", "filters": 2}]}})
    assert network_size(config.model.layers, (2,), 2) is None


# --- class 9: values echoed in messages are capped ----------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("data: {dataset: circles}\n? " + "k" * 10_000 + "\n: 1\n", "unknown key 'kkkk"),
    ("data: {dataset: " + "x" * 10_000 + "}\n", "data.dataset must be one of"),
    ("data: {dataset: circles}\ntraining: {lr: '" + "9" * 10_000 + "'}\n", "training.lr"),
    ("data: {dataset: circles}\nname: '" + "\\x1b[31m" * 2000 + "'\n", "name may hold only"),
    ("data:\n  dataset: circles\n  params:\n    ? " + "z" * 5000 + "\n    : 1\n", "unknown key 'zzz"),
    ("data: {dataset: \"a\\nb\\x07" + "c" * 500 + "\"}\n", "a\\nb\\x07"),
])
def test_long_or_odd_values_are_cut_and_escaped(cli, write_config, text, expected):
    message = _refused(cli("config", write_config(text)), expected)
    assert "…" in message or len(message) < 200
    assert "\x1b" not in message and "\x07" not in message


def test_a_long_set_value_is_not_echoed_whole(cli, write_config):
    for value in ("x" * 20_000, "[" + "1," * 10_000, "'" + "y" * 20_000):
        _refused(cli("config", write_config(GOOD), "--set", f"training.lr={value}"), "--set training.lr")


@pytest.mark.parametrize("value, expected", [
    ("[1, 2", "--set training.lr (column 6): invalid YAML: expected ',' or ']'"),
    ("{a: 1, a: 2}", "--set training.lr: duplicate key 'a'"),
    ("a:\n  - [", "--set training.lr (line 2, column 6): invalid YAML"),
])
def test_a_set_value_that_is_not_yaml_says_where_in_the_value(cli, write_config, value, expected):
    _refused(cli("config", write_config(GOOD), "--set", f"training.lr={value}"), expected)


def test_a_set_value_over_the_size_limit_is_refused():
    with pytest.raises(ConfigError, match="value too long"):
        parse_value("1" * (MAX_CONFIG_BYTES + 1), "--set seed")

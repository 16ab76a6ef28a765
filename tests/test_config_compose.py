"""`base: other.yaml`: configs built on others (issue 14, Configs)."""

import textwrap

import pytest
import yaml
from conftest import train_run

from nncli import runs
from nncli.config import load_config
from nncli.config.compose import MAX_BASES, merge
from nncli.errors import ConfigError

COMMON = """\
seed: 3
data: {dataset: circles, params: {n_samples: 120, noise: 0.2}}
model: {hidden: [5, 5], activation: tanh}
training: {epochs: 9, lr: 0.02, optimizer: sgd}
output: {plots: false}
"""


def _write(folder, name, text):
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def _lines(result):
    assert result.exit_code == 2, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    return result.stderr.strip().splitlines()


def test_a_file_overrides_its_base_key_by_key_and_lists_whole(tmp_path):
    _write(tmp_path, "common/base.yaml", COMMON)
    child = _write(tmp_path, "experiments/wide.yaml",
                   "base: ../common/base.yaml\nmodel: {hidden: [16]}\ntraining: {lr: 0.1}\n"
                   "data: {params: {noise: 0.05}}\n")
    config = load_config(child)
    assert config.model.hidden == [16]  # a list is replaced, not merged
    assert config.model.activation == "tanh"  # from the base
    assert config.training.lr == 0.1 and config.training.epochs == 9 and config.training.optimizer == "sgd"
    assert config.data.params == {"n_samples": 120, "noise": 0.05, "factor": 0.1}
    assert config.seed == 3 and config.name == "wide"  # the name is the file's, not the base's


def test_chains_of_bases_merge_in_order(tmp_path):
    _write(tmp_path, "a.yaml", "name: shared\n" + COMMON)
    _write(tmp_path, "b.yaml", "base: a.yaml\ntraining: {epochs: 4, lr: 0.5}\n")
    c = _write(tmp_path, "c.yaml", "base: b.yaml\ntraining: {lr: 0.25}\n")
    config = load_config(c, ["training.epochs=2"])
    assert (config.training.epochs, config.training.lr, config.seed) == (2, 0.25, 3)
    assert config.name == "c"  # a base's name is not inherited
    assert load_config(tmp_path / "a.yaml").name == "shared"


def test_merge_leaves_its_arguments_alone():
    base = {"training": {"lr": 1, "epochs": 2}, "model": {"hidden": [1, 2]}}
    merged = merge(base, {"training": {"lr": 3}, "model": {"hidden": [4]}})
    assert merged == {"training": {"lr": 3, "epochs": 2}, "model": {"hidden": [4]}}
    assert base == {"training": {"lr": 1, "epochs": 2}, "model": {"hidden": [1, 2]}}


def test_the_run_keeps_a_self_contained_config(cli, tmp_path):
    _write(tmp_path, "base.yaml", COMMON)
    child = _write(tmp_path, "child.yaml", "base: base.yaml\ntraining: {epochs: 2}\n")
    printed = cli("config", child)
    assert printed.exit_code == 0, printed.stderr
    run = train_run(cli, child, tmp_path / "runs")
    text = (run / runs.CONFIG).read_text()
    assert text == printed.stdout and "base" not in yaml.safe_load(text)
    (tmp_path / "base.yaml").unlink()  # the run no longer needs it
    again = load_config(run / runs.CONFIG, run_file=True)
    assert again.training.epochs == 2 and again.model.activation == "tanh"


def test_a_relative_data_path_in_a_base_is_relative_to_the_base(tmp_path):
    _write(tmp_path, "shared/table.csv", "a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n")
    _write(tmp_path, "shared/base.yaml", "data: {dataset: csv, path: table.csv, target: label}\n")
    child = _write(tmp_path, "runs-configs/child.yaml", "base: ../shared/base.yaml\nseed: 1\n")
    assert load_config(child).data.path == str(tmp_path / "shared" / "table.csv")


@pytest.mark.parametrize("files, start, expected", [
    ({"a.yaml": "base: a.yaml\n"}, "a.yaml", "a.yaml:1: base configs form a cycle: {d}/a.yaml -> {d}/a.yaml"),
    ({"a.yaml": "base: b.yaml\n", "b.yaml": "seed: 1\nbase: ./a.yaml\n"}, "a.yaml",
     "b.yaml:2: base configs form a cycle: {d}/a.yaml -> {d}/b.yaml -> {d}/a.yaml"),
    ({"a.yaml": "data: {dataset: circles}\nbase: missing.yaml\n"}, "a.yaml",
     "a.yaml:2: base config not found: {d}/missing.yaml"),
    ({"a.yaml": "base: [x.yaml]\n"}, "a.yaml", "a.yaml:1: base must be the path of a config file (got ['x.yaml'])"),
    ({"a.yaml": "base: b.yaml\n", "b.yaml": "- a list\n"}, "a.yaml", "b.yaml: the top level must be a mapping"),
    ({"a.yaml": "base: b.yaml\ndata: {dataset: circles}\n", "b.yaml": "training:\n  lr: -1\n"}, "a.yaml",
     "b.yaml:2: training.lr must be greater than 0.0 (got -1)"),
    ({"a.yaml": "base: b.yaml\n", "b.yaml": "data: {dataset: circles}\nmodle: {}\n"}, "a.yaml",
     "b.yaml:2: unknown key 'modle' (did you mean 'model'?)"),
    ({"a.yaml": "base: b.yaml\n", "b.yaml": "data: {dataset: circles}\nx: &x [*x]\n"}, "a.yaml",
     "b.yaml:2: a YAML alias refers to a value that contains it"),
])
def test_base_problems_name_the_file_and_line(cli, tmp_path, files, start, expected):
    for name, text in files.items():
        _write(tmp_path, name, text)
    lines = _lines(cli("config", tmp_path / start))
    assert len(lines) == 1 and expected.format(d=tmp_path) in lines[0], lines


def test_a_key_the_file_overrides_is_blamed_on_the_file(cli, tmp_path):
    _write(tmp_path, "b.yaml", "data: {dataset: circles}\ntraining: {lr: 0.1}\n")
    a = _write(tmp_path, "a.yaml", "base: b.yaml\ntraining:\n  lr: -3\n")
    assert _lines(cli("config", a)) == [f"nncli: error: {a}:3: training.lr must be greater than 0.0 (got -3)"]


def test_a_base_that_is_not_a_regular_file_is_refused(cli, tmp_path):
    a = _write(tmp_path, "a.yaml", "base: /dev/zero\n")
    assert "/dev/zero: a config must be a regular file, not a device" in _lines(cli("config", a))[0]


def test_a_chain_longer_than_the_limit_is_refused(tmp_path):
    _write(tmp_path, "c0.yaml", COMMON)
    for index in range(1, MAX_BASES + 2):
        _write(tmp_path, f"c{index}.yaml", f"base: c{index - 1}.yaml\n")
    assert load_config(tmp_path / f"c{MAX_BASES}.yaml").seed == 3
    with pytest.raises(ConfigError, match=f"more than {MAX_BASES} base configs"):
        load_config(tmp_path / f"c{MAX_BASES + 1}.yaml")


def test_base_null_is_no_base(tmp_path):
    config = load_config(_write(tmp_path, "a.yaml", "base: null\ndata: {dataset: moons}\n"))
    assert config.data.dataset == "moons"


def test_base_is_not_a_command_line_key(cli, tmp_path):
    a = _write(tmp_path, "a.yaml", COMMON)
    lines = _lines(cli("config", a, "--set", "base=other.yaml"))
    assert lines == ["nncli: error: --set base: a base config is named in the config file (base: other.yaml), "
                     "not on the command line"]

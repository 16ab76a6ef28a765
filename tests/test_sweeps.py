"""Sweeps from the shell: --set for any key, --quiet/--json output, and the documented recipes run as written."""

import json
import os
import re
import shutil
import stat
import subprocess
import sys

import yaml
from conftest import CONFIGS, ROOT

DOC = ROOT / "README.md"


def sh_blocks(text):
    """The ```sh code blocks of a markdown text, in order."""
    return re.findall(r"^```sh\n(.*?)^```", text, flags=re.S | re.M)


def test_set_works_for_lists_nested_keys_and_names(cli, tmp_path):
    result = cli("train", CONFIGS / "circles.yaml", "--runs-root", tmp_path, "--quiet", "--name", "wide",
                 "--set", "model.hidden=[16,16]", "--set", "training.epochs=2",
                 "--set", "training.schedule=cosine", "--set", "data.params.noise=0.2",
                 "--set", "training.early_stopping.patience=5")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1  # --quiet: nothing but the run directory
    run = tmp_path / os.path.basename(lines[0])
    assert run.name.startswith("wide-") and run.is_dir()
    config = yaml.safe_load((run / "config.yaml").read_text())
    assert config["model"]["hidden"] == [16, 16]
    assert config["training"]["schedule"]["type"] == "cosine"
    assert config["data"]["params"]["noise"] == 0.2
    assert config["training"]["early_stopping"]["patience"] == 5
    assert config["name"] == "wide"


def test_set_on_a_shorthand_value_and_switching_model_forms(cli, write_config, tmp_path):
    config = write_config("data: {dataset: circles, params: {n_samples: 100}}\n"
                          "model: {hidden: [3]}\ntraining: {epochs: 1, schedule: cosine}\n")
    result = cli("train", config, "--runs-root", tmp_path / "runs", "--quiet",
                 "--set", "training.schedule.min_lr=0.001", "--set", "training.lr=1e-3")
    assert result.exit_code == 0, result.stderr
    with open(os.path.join(result.stdout.strip(), "config.yaml")) as handle:
        resolved = yaml.safe_load(handle)
    assert resolved["training"]["schedule"] == {"type": "cosine", "min_lr": 0.001}
    assert resolved["training"]["lr"] == 0.001
    layers = "model.layers=[{type: dense, units: 4}]"
    result = cli("train", config, "--runs-root", tmp_path / "runs", "--quiet", "--set", layers)
    assert result.exit_code == 2 and "--set model.hidden=null" in result.stderr
    result = cli("train", config, "--runs-root", tmp_path / "runs", "--quiet", "--set", layers,
                 "--set", "model.hidden=null", "--set", "training.lr=0.01")
    assert result.exit_code == 0, result.stderr
    result = cli("train", config, "--runs-root", tmp_path / "runs", "--set", "training.schedule=null",
                 "--set", "training.schedule.gamma=0.5")
    assert result.exit_code == 2 and "training.schedule needs a 'type' key" in result.stderr
    listed = json.loads(cli("runs", tmp_path / "runs", "--json", "--filter", "training.lr=1e-3").stdout)
    assert len(listed) == 1


def test_json_output(cli, tmp_path):
    result = cli("train", CONFIGS / "blobs.yaml", "--runs-root", tmp_path, "--json", "--set", "training.epochs=2")
    assert result.exit_code == 0
    out = json.loads(result.stdout)
    assert set(out) == {"run_dir", "metrics"} and os.path.isdir(out["run_dir"])
    assert out["metrics"]["epochs_run"] == 2 and "test_auc" in out["metrics"]


def test_the_documented_recipes_run_as_written(tmp_path):
    readme = DOC.read_text()
    text = readme[readme.index("## Using a trained run"):readme.index("## Pictures")]
    sweeps = text[text.index("## Sweeps"):]
    assert len(sh_blocks(sweeps)) >= 4
    # a fresh directory with the example configs, and `nncli` meaning this checkout
    shutil.copytree(CONFIGS, tmp_path / "configs")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "nncli"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m nncli "$@"\n')
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    script = "set -euo pipefail\n" + "\n".join(sh_blocks(text))
    result = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=600)  # two nncli sweep recipes among them
    assert result.returncode == 0, result.stdout + result.stderr
    for root in ("lr-grid", "lr-grid-parallel"):
        names = sorted(p.name.rsplit("-", 3)[0] for p in (tmp_path / "runs" / root).iterdir())
        assert names == ["circles-lr0.001", "circles-lr0.01", "circles-lr0.1"]
    assert len(list((tmp_path / "runs" / "seeds").iterdir())) == 3
    assert len((tmp_path / "seeds.csv").read_text().splitlines()) == 4
    assert re.search(r"test AUC \d\.\d{3} ± \d\.\d{3} over 3 seeds", result.stdout)
    assert (tmp_path / "predictions.csv").read_text().startswith("prediction,p_apple,p_lemon,p_orange\n")
    assert (tmp_path / "from-stdin.csv").read_text() == (tmp_path / "predictions.csv").read_text()
    assert json.loads((tmp_path / "scores.json").read_text())["classes"] == ["apple", "lemon", "orange"]
    assert "training.lr" in result.stdout and "test_auc" in result.stdout
    sweep = json.loads((tmp_path / "sweep.json").read_text())  # the nncli sweep recipes
    assert sweep["selected"] is not None and len(sweep["configurations"]) == 3
    assert len((tmp_path / "runs" / "sweeps" / "circles" / "trials.csv").read_text().splitlines()) == 9

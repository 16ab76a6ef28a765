"""Shared fixtures: run the CLI in-process or as a real process, write configs."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nncli.cli import app

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ROOT / "configs"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """The hostile tests' tiny config and its uninterrupted run (the reference every resumed run
    must equal), trained once per test module."""
    from hostile_support import TINY, train_reference  # it imports this file: imported when first used

    return train_reference(tmp_path_factory.mktemp("tiny"), TINY)


@pytest.fixture
def cli():
    """``cli(*args)`` runs nncli in this process; returns a result with
    ``exit_code``, ``stdout`` and ``stderr``."""
    runner = CliRunner()

    def run(*args, input=None):
        return runner.invoke(app, [str(a) for a in args], input=input, catch_exceptions=False)

    return run


@pytest.fixture
def nncli_process():
    """``nncli_process(*args, cwd=...)`` runs ``python -m nncli`` as a real process."""

    def run(*args, cwd=None, timeout=300, **kwargs):
        env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        return subprocess.run([sys.executable, "-m", "nncli", *map(str, args)], cwd=cwd, env=env,
                              capture_output=True, text=True, timeout=timeout, **kwargs)

    return run


@pytest.fixture
def write_config(tmp_path):
    """``write_config(yaml_text, name="config.yaml")`` -> path of the written file."""

    def write(text, name="config.yaml"):
        path = tmp_path / name
        path.write_text(textwrap.dedent(text))
        return path

    return write


def train_run(cli, config, runs_root, *extra):
    """Train quietly and return the run directory (the last stdout line)."""
    result = cli("train", config, "--runs-root", runs_root, "--quiet", *extra)
    assert result.exit_code == 0, result.stderr
    return Path(result.stdout.strip().splitlines()[-1])

"""The README's first screen and .ci/run stay true to each other."""

from conftest import ROOT

INSTALL_AND_TRAIN = "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/nncli train configs/circles.yaml"
INSTALL_AND_TEST = "python3 -m venv .venv && .venv/bin/pip install '.[test]' && .venv/bin/python -m pytest"


def test_readme_first_screen_has_the_two_commands():
    first_screen = "\n".join((ROOT / "README.md").read_text().splitlines()[:30])
    assert INSTALL_AND_TRAIN in first_screen
    assert INSTALL_AND_TEST in first_screen


def test_ci_runs_the_readme_test_command():
    assert INSTALL_AND_TEST in (ROOT / ".ci" / "run").read_text()

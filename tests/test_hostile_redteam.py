"""A red-team pass over the defences of issue 13: each case here misbehaved once (a flood of
text, an internal error, a write where none belongs) and is kept so it never does again.
The tables hold the command line (built in ``tmp_path``) and a text its one line must hold."""

import pytest
from conftest import CONFIGS

LINE_LIMIT = 300  # no message line of these cases needs more
LONG = "a" * 3000
TINY = """\
seed: 4
data: {dataset: circles, params: {n_samples: 200}}
model: {hidden: [6], activation: tanh}
training: {epochs: 2, lr: 0.05, batch_size: 16, dtype: float64}
output: {plots: false}
"""


def _refused(result, expected, code=2):
    assert result.exit_code == code, (result.exit_code, result.stderr)
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 1, result.stderr
    assert len(errors[0]) < LINE_LIMIT, len(errors[0])
    assert expected in errors[0], errors[0]


# --- class 9: a long --set key was echoed whole (1000 characters) -----------------------------

@pytest.mark.parametrize("override, expected", [
    (f"{LONG}=1", "unknown key"),
    (f"{LONG}.b=1", "unknown key"),
    (f"data.params.{LONG}=1", "in data.params"),
    (f"seed.{LONG}=1", "--set seed.aaa"),
])
def test_a_long_set_key_is_cut(cli, override, expected):
    _refused(cli("config", CONFIGS / "xor.yaml", "--set", override), expected)

"""The example layer of docs/adding-a-layer.md and its tests, run from the page itself."""

import re

from conftest import ROOT

DOC = ROOT / "docs" / "adding-a-layer.md"
BLOCKS = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)

_namespace = {"__name__": "adding_a_layer"}
for _block in BLOCKS:
    exec(compile(_block, str(DOC), "exec"), _namespace)

test_layernorm_gradients_match_finite_differences = _namespace["test_layernorm_gradients_match_finite_differences"]
test_layernorm_in_a_network = _namespace["test_layernorm_in_a_network"]


def test_the_example_layer_implements_only_the_four_methods_in_under_60_lines():
    layer_block = BLOCKS[0]
    assert len(layer_block.splitlines()) < 60
    methods = set(re.findall(r"^    def (\w+)", layer_block, flags=re.M))
    assert methods == {"__init__", "_build", "forward", "backward", "describe"}

"""The shape of the code: no import cycle inside nncli/ (imports inside functions
count too), no module over 400 lines."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "nncli"
MAX_LINES = 400


def module_name(path):
    """``nncli/runs/load.py`` -> ``nncli.runs.load``; a package's ``__init__.py`` -> the package."""
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules():
    """``{module name: path}`` of every module in nncli/."""
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imported(path, name, known):
    """The nncli modules a module imports anywhere in its file (top level, inside
    functions, under ``if``/``try``), relative imports resolved."""
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                # the package the import is relative to: a module's own package, minus one per extra dot
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module
            # `from package import module` imports that module; `from module import name` the module
            targets = [f"{source}.{alias.name}" if f"{source}.{alias.name}" in known else source
                       for alias in node.names]
        else:
            continue
        for target in targets:
            if target in known and target != name:
                found.add(target)
            # importing a.b.c runs a/__init__ and a/b/__init__ first; a module's own
            # packages are initialised before it anyway, so those are no edge
            parts = target.split(".")
            for end in range(1, len(parts)):
                prefix = ".".join(parts[:end])
                if prefix in known and prefix != name and not name.startswith(prefix + "."):
                    found.add(prefix)
    return found


def import_graph():
    known = modules()
    return {name: imported(path, name, known) for name, path in known.items()}


def find_cycle(graph):
    """One import cycle as a list of modules ``[a, b, ..., a]``, or None."""
    state = {}  # absent: not seen; 1: on the current path; 2: done
    path = []

    def visit(node):
        state[node] = 1
        path.append(node)
        for successor in sorted(graph[node]):
            if state.get(successor) == 1:
                return path[path.index(successor):] + [successor]
            if successor not in state:
                cycle = visit(successor)
                if cycle:
                    return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_no_import_cycle_in_nncli():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_the_cycle_finder_finds_cycles_and_resolves_relative_imports(tmp_path, monkeypatch):
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    package = tmp_path / "nncli"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "top.py").write_text("def late():\n    from .sub import low\n")
    (package / "sub" / "__init__.py").write_text("from . import low\n")
    (package / "sub" / "low.py").write_text("from ..top import late\n")
    monkeypatch.setattr(__import__(__name__), "PACKAGE", package)
    graph = import_graph()
    assert graph["nncli.top"] == {"nncli.sub", "nncli.sub.low"}
    assert graph["nncli.sub.low"] == {"nncli.top"}
    assert graph["nncli.sub"] == {"nncli.sub.low"}
    assert find_cycle(graph) is not None


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_is_over_400_lines(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(PACKAGE.parent)} has {lines} lines (at most {MAX_LINES})"

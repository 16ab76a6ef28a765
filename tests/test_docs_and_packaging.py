"""What a fresh user reads and installs (issue 14, "Packaging and docs" and "The README
documents every new command and key"): every command and option in the README, every
config key in its config reference, every third-party import a declared dependency,
shell completion that completes."""

import ast
import importlib.metadata
import os
import re
import shlex
import subprocess
import sys

import pytest
import typer
import yaml
from conftest import CONFIGS, ROOT

from nncli.cli import app

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands():
    return typer.main.get_command(app).commands


def _section(title):
    """The README text from ``## title`` to the next ``## ``."""
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start:end if end != -1 else len(README)]


# ---- commands and options ---------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(_commands()))
def test_every_command_has_a_row_in_the_commands_table(name):
    rows = [line for line in _section("Commands").splitlines() if line.startswith(f"| `nncli {name} ")]
    assert rows, f"no row for nncli {name} in the README's commands table"


@pytest.mark.parametrize("name", sorted(_commands()))
def test_every_option_of_every_command_is_in_the_readme(name):
    missing = []
    for param in _commands()[name].params:
        names = [opt for opt in param.opts + param.secondary_opts
                 if opt.startswith("-") and opt not in ("--help", "-h")]
        # documented under any of its spellings, as an option of this command (`--output` as `-o`)
        if names and not any(re.search(re.escape(opt) + r"(?![\w-])", README) for opt in names):
            missing.append("/".join(names))
    assert missing == [], f"nncli {name}: options missing from the README: {missing}"


def test_the_new_options_of_issue_14_are_in_the_commands_table():
    table = _section("Commands")
    for command, option in (("train", "--no-plots"), ("train --resume", "training.epochs"),
                            ("evaluate", "--split"), ("config", "--schema"), ("predict", "--keep"),
                            ("predict", "--delimiter")):
        rows = [line for line in table.splitlines() if line.startswith(f"| `nncli {command} ")]
        assert any(option in row for row in rows), f"{option} not in the row of nncli {command}"


# ---- config keys ------------------------------------------------------------------------


def _keys(mapping):
    """``section.key`` of every key (the values of schedule, params, ... are documented beside them)."""
    for section, value in mapping.items():
        yield section
        if isinstance(value, dict):
            yield from (f"{section}.{key}" for key in value)


def _reference_block():
    """The YAML block at the top of "The config file", comments made keys again."""
    section = _section("The config file")
    block = section[section.index("```yaml\n") + 8: section.index("```\n", section.index("```yaml\n") + 8)]
    return re.sub(r"^(\s*)# (\w+:)", r"\1\2", block, flags=re.M)


def test_the_config_reference_shows_every_key_nncli_config_prints(cli):
    printed = cli("config", CONFIGS / "circles.yaml")
    assert printed.exit_code == 0, printed.stderr
    resolved = set(_keys(yaml.safe_load(printed.stdout)))
    assert {"model.init_from", "training.class_weight", "training.checkpoint_seconds", "output.plots"} <= resolved
    documented = set()
    path = []
    for line in _reference_block().splitlines():
        found = re.match(r"^( *)(\w+):", line)
        if found:
            depth = len(found.group(1)) // 2
            path = path[:depth] + [found.group(2)]
            documented.add(".".join(path))
    missing = sorted(resolved - documented)
    assert missing == [], f"keys nncli config prints but the README's config reference does not show: {missing}"
    assert "base" in documented  # composition, which nncli config resolves away


def test_every_schema_section_key_is_named_in_the_readme():
    from nncli.config.schema import Config

    for section, model in Config.model_fields.items():
        assert re.search(rf"\b{section}\b", README), section
        fields = getattr(model.annotation, "model_fields", {})
        for key in fields:
            assert re.search(rf"\b{key}\b", README), f"{section}.{key} is not in the README"


# ---- packaging ----------------------------------------------------------------------------


def _declared():
    """Distribution names (normalised) of nncli's dependencies and extras, and those they bring along."""
    def norm(name):
        return re.sub(r"[-_.]+", "-", name).lower()

    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    try:
        import tomllib
    except ImportError:  # Python 3.10
        pytest.skip("tomllib needs Python 3.11")
    project = tomllib.loads(text)["project"]
    requirements = list(project["dependencies"]) + [r for extra in project["optional-dependencies"].values()
                                                    for r in extra]
    parsed = [re.match(r"([A-Za-z0-9_.\-]+)(?:\[([^\]]*)\])?", r).groups() for r in requirements]
    direct = {norm(name) for name, _ in parsed}
    indirect = set()
    for name, extras in parsed:
        try:
            requires = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:
            continue
        wanted = {norm(e) for e in (extras or "").split(",") if e.strip()}
        for requirement in requires:
            extra = re.search(r"extra\s*==\s*['\"]([^'\"]+)", requirement)
            # dask[distributed] brings distributed; pydantic pins its pydantic-core exactly. A looser
            # requirement of a dependency (matplotlib's pillow>=8) is no declaration of nncli's own.
            if (extra is not None and norm(extra.group(1)) in wanted) or (extra is None and "==" in requirement):
                indirect.add(norm(re.match(r"[A-Za-z0-9_.\-]+", requirement).group(0)))
    return direct, indirect, norm


def test_every_third_party_import_is_a_declared_dependency():
    direct, indirect, norm = _declared()
    providers = importlib.metadata.packages_distributions()
    undeclared = {}
    for path in sorted((ROOT / "nncli").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if top in sys.stdlib_module_names or top == "nncli":
                    continue
                dists = {norm(d) for d in providers.get(top, [top])}
                if not dists & (direct | indirect):
                    undeclared.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    assert undeclared == {}, f"imported but not declared in pyproject.toml: {undeclared}"


# ---- shell completion -------------------------------------------------------------------------


def _complete(*words):
    """What bash completion offers after ``nncli words...`` (the last word being completed)."""
    env = dict(os.environ, _NNCLI_COMPLETE="complete_bash", COMP_WORDS=" ".join(("nncli",) + words),
               COMP_CWORD=str(len(words)), PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run([sys.executable, "-m", "nncli"], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def test_show_completion_prints_a_bash_script():
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    # the shell is found among the process's ancestors, as when a user types it: run from bash (a
    # test runner started without any shell above it would otherwise find none)
    command = f"{shlex.quote(sys.executable)} -m nncli --show-completion; exit $?"  # bash stays (no exec)
    out = subprocess.run(["bash", "-c", command], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "_NNCLI_COMPLETE=complete_bash" in out.stdout and "complete -o default -F" in out.stdout


def test_completion_completes_commands_options_and_values():
    assert _complete("tr") == ["train"]
    assert "config" in _complete("")
    assert _complete("train", "--no") == ["--no-plots"]
    assert _complete("evaluate", "run", "--split", "") == ["train", "val", "test"]
    assert _complete("export", "run", "--format", "s") == ["safetensors"]
    assert {"metrics", "roc", "residuals"} <= set(_complete("plot", "run", "--only", ""))

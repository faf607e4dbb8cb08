"""Documentation that cannot drift: the README names every provider, setting, exit code
and command the code has, and its two set-up commands are the ones CI runs."""

from __future__ import annotations

import re

from click import Group

from harness.cli import main
from harness.errors import EXIT_GATE_FAILED, EXIT_OK, EXIT_RUNTIME, EXIT_USAGE
from harness.run.config import _SETTING_KEYS
from harness.run.registry import Registry
from tests.helpers import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_every_first_party_provider_is_documented() -> None:
    built_in = [e.name for e in Registry().entries() if e.origin == "built-in"]
    assert built_in
    for name in built_in:
        assert f"`{name}`" in README, f"provider {name} is missing from the README"


def test_every_config_key_is_documented() -> None:
    for key in sorted(_SETTING_KEYS | {"adapter", "options"}):
        assert re.search(rf"^\s*{key}\s*=|`{key}`", README, re.M), f"config key {key}"


def test_every_exit_code_is_documented() -> None:
    for code in (EXIT_OK, EXIT_GATE_FAILED, EXIT_USAGE, EXIT_RUNTIME):
        assert re.search(rf"^\| {code} \|", README, re.M), f"exit code {code}"


def test_every_command_is_documented() -> None:
    def walk(group: Group, prefix: str) -> list[str]:
        names = []
        for name, command in group.commands.items():
            names.append(f"{prefix} {name}")
            if isinstance(command, Group):
                names += walk(command, f"{prefix} {name}")
        return names

    for command in walk(main, "harness"):
        assert f"`{command}" in README, f"{command} is missing from the README"


def test_ci_runs_the_readme_test_command() -> None:
    commands = re.findall(r"^(\.ci/setup.*)$", README, re.M)
    assert commands == [
        ".ci/setup && .venv/bin/harness run",
        ".ci/setup --test && .venv/bin/python -m pytest",
    ]
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert ".ci/setup --test\n.venv/bin/python -m pytest" in ci

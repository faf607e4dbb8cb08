"""``harness --help`` lists commands without importing them; each loads when it runs."""

from __future__ import annotations

import json
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from harness.cli import COMMANDS, main

# What the commands need and the listing must not pay for.
HEAVY = (
    "babel",
    "sacrebleu",
    "rapidfuzz",
    "rich",
    "httpx",
    "pydantic",
    "pydantic_core",
    "jsonlines",
    "anyascii",
    "harness.run",
    "harness.compare",
    "harness.fidelity",
    "providers",
)

PROBE = """
import json, sys
from harness.cli import main
try:
    main(sys.argv[1:], prog_name="harness")
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)))
"""


def imported_by(*args: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return set(json.loads(result.stdout.splitlines()[-1]))


@pytest.mark.parametrize("args", [(), ("--help",), ("--version",)])
def test_listing_imports_no_command_and_no_heavy_library(args: tuple[str, ...]) -> None:
    modules = imported_by(*args)
    loaded = sorted(
        m
        for m in modules
        if m.split(".")[0] in HEAVY or any(m == h or m.startswith(h + ".") for h in HEAVY)
    )
    assert loaded == []
    assert not any(m.startswith("harness.cli.") and m.endswith("_cmd") for m in modules)


def test_running_a_command_loads_it() -> None:
    modules = imported_by("providers", "--help")
    assert "harness.cli.providers_cmd" in modules
    assert "harness.cli.compare_cmd" not in modules


def test_help_lists_every_command_with_its_summary() -> None:
    result = CliRunner().invoke(main, ["--help"], terminal_width=120)
    assert result.exit_code == 0, result.output
    listing = result.output.split("Commands:", 1)[1]
    for name, (_, summary) in COMMANDS.items():
        assert f"  {name} " in listing and summary in listing


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_lazy_command_resolves_to_its_click_command(name: str) -> None:
    command = main.get_command(click.Context(main), name)
    assert isinstance(command, click.Command) and command.name == name
    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Usage: main {name} ")

"""The "Writing a provider plugin" documentation is the example plugin, byte for byte.

The section (``tests/plugin_example/README-section.md``, pasted into the README) shows
the plugin's ``pyproject.toml``, its module and its conformance test; the real files
next to it are installed and run by ``test_plugins.py`` and collected as tests, so the
documented code is code that works.
"""

from __future__ import annotations

import re

import pytest

from tests.helpers import REPO

EXAMPLE = REPO / "tests" / "plugin_example"
SECTION = (EXAMPLE / "README-section.md").read_text(encoding="utf-8")
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.M | re.S)


def blocks(language: str) -> list[str]:
    return [body for lang, body in FENCE.findall(SECTION) if lang == language]


def test_section_shows_the_example_files_exactly() -> None:
    python, toml = blocks("python"), blocks("toml")
    assert python == [
        (EXAMPLE / "harness_yandex.py").read_text(encoding="utf-8"),
        (EXAMPLE / "test_yandex_conformance.py").read_text(encoding="utf-8"),
    ]
    assert toml == [(EXAMPLE / "pyproject.toml").read_text(encoding="utf-8")]


@pytest.mark.parametrize("index", [0, 1])
def test_documented_python_compiles(index: int) -> None:
    compile(blocks("python")[index], f"README python block {index}", "exec")


def test_readme_carries_the_section() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert SECTION.strip() in readme

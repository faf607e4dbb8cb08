"""``harness providers show NAME`` for the first-party adapters."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cli import main


def test_show_lists_options_limits_credentials_and_languages(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    secret = "sk-show-0123456789abcdef"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    result = CliRunner().invoke(main, ["providers", "show", "openai"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "model (str, required): Model name" in out
    assert "temperature (float, default 0.0)" in out
    assert "max_tokens_field (Literal['max_completion_tokens', 'max_tokens']" in out
    assert "1 segment(s), 8000 characters" in out
    assert "OPENAI_API_KEY: optional, set" in out and secret not in out
    assert re.search(r"\n  \d{3} languages, e\.g\. aa, ab, ", out)


def test_show_reports_an_unset_required_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    result = CliRunner().invoke(main, ["providers", "show", "anthropic"])
    assert result.exit_code == 0, result.output
    assert "ANTHROPIC_API_KEY: required, not set" in result.output


def test_show_without_options_or_languages() -> None:
    result = CliRunner().invoke(main, ["providers", "show", "echo"])
    assert result.exit_code == 0, result.output
    assert (
        "options:\n  none" in result.output
        and "credentials (environment variables):\n  none" in result.output
    )


def test_show_misspelt_name_suggests() -> None:
    result = CliRunner().invoke(main, ["providers", "show", "antropic"])
    assert result.exit_code == 2
    assert "Did you mean: anthropic" in result.output


def test_show_prints_the_limits_the_adapter_computes_from_its_options() -> None:
    # LibreTranslate sends up to batch_limit (default 25) texts per request.
    result = CliRunner().invoke(main, ["providers", "show", "libretranslate"])
    assert result.exit_code == 0, result.output
    assert "limits per request:\n  25 segment(s), 5000 characters" in result.output


CONFIG = """
[providers.libre-small]
adapter = "libretranslate"
options = { base_url = "http://127.0.0.1:5000", batch_limit = 5 }
"""


@pytest.mark.parametrize("where", ["group", "command"])
def test_show_accepts_a_configured_instance_that_providers_lists(
    tmp_path: Path,
    where: str,
) -> None:
    config = tmp_path / "harness.toml"
    config.write_text(CONFIG, encoding="utf-8")
    listed = CliRunner().invoke(main, ["providers", "--config", str(config)])
    assert listed.exit_code == 0 and "libre-small" in listed.output
    args = (
        ["providers", "--config", str(config), "show", "libre-small"]
        if where == "group"
        else ["providers", "show", "libre-small", "--config", str(config)]
    )
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith("libre-small: LibreTranslate server")
    assert "instance of libretranslate, configured in" in out
    assert "configured options:\n  base_url = 'http://127.0.0.1:5000'\n  batch_limit = 5" in out
    assert "limits per request:\n  5 segment(s), 5000 characters" in out


def test_show_finds_harness_toml_in_the_working_directory(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / "harness.toml").write_text(CONFIG, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["providers", "show", "libre-small"])
    assert result.exit_code == 0, result.output
    assert "5 segment(s)" in result.output

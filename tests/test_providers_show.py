"""``harness providers show NAME`` for the first-party adapters."""

from __future__ import annotations

import re

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
    assert "options:\n  none" in result.output and "credentials (environment variables):\n  none" \
        in result.output


def test_show_misspelt_name_suggests() -> None:
    result = CliRunner().invoke(main, ["providers", "show", "antropic"])
    assert result.exit_code == 2
    assert "Did you mean: anthropic" in result.output

"""End to end: ``harness run --provider <name> -o base_url=...`` against each fake API server.

The key comes from the adapter's environment variable, as a user would set it;
the run file must hold 88 segment lines (11 paragraphs x 2 variants x 4
languages), each with the fake's translation. Rate limits are waited out and
retried; a refused key stops the run with exit code 3 and never shows the key.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from harness.cli import main
from tests.fakes.amazon_server import TEST_ACCESS_KEY, TEST_SECRET_KEY, AmazonFake
from tests.fakes.azure_server import AzureFake
from tests.fakes.deepl_server import DeepLFake
from tests.fakes.google_server import GoogleV2Fake
from tests.fakes.google_v3_server import GoogleV3Fake
from tests.fakes.libretranslate_server import LibreTranslateFake
from tests.fakes.loopback import serve
from tests.fakes.recording import FakeApi
from tests.helpers import only_run_file, read_jsonl

TARGETS = ("de", "fr", "uk", "zh-Hans")


@dataclass
class Case:
    make_fake: Callable[[], FakeApi]
    env: dict[str, str]
    bad_env: dict[str, str]
    codes: dict[str, str]  # BCP-47 target -> the backend's code (the fake tags outputs with it)
    rate_limit: tuple[int, Any, dict[str, str]]  # the backend's documented 429-like answer
    refusal: str  # what the backend says to a bad key, repeated in the message
    options: list[str] = field(default_factory=list)


def _google_status(code: int, status: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "status": status, "message": message}}


CASES = {
    "deepl": Case(
        DeepLFake,
        {"DEEPL_API_KEY": "deepl-test-key"},
        {"DEEPL_API_KEY": "bad-deepl-key-1"},
        {"de": "DE", "fr": "FR", "uk": "UK", "zh-Hans": "ZH-HANS"},
        (429, {"message": "Too many requests"}, {"Retry-After": "1"}),
        "Authorization failure",
    ),
    "google": Case(
        GoogleV2Fake,
        {"GOOGLE_API_KEY": "google-test-key"},
        {"GOOGLE_API_KEY": "AIzaBAD-google-key"},
        {"de": "de", "fr": "fr", "uk": "uk", "zh-Hans": "zh-CN"},
        (
            403,
            _google_status(403, "PERMISSION_DENIED", "User Rate Limit Exceeded"),
            {"Retry-After": "1"},
        ),
        "API key not valid",
    ),
    "google-v3": Case(
        GoogleV3Fake,
        {"GOOGLE_ACCESS_TOKEN": "ya29.test-token"},
        {"GOOGLE_ACCESS_TOKEN": "ya29.bad-token-77"},
        {"de": "de", "fr": "fr", "uk": "uk", "zh-Hans": "zh-CN"},
        (429, _google_status(429, "RESOURCE_EXHAUSTED", "Quota exceeded"), {"Retry-After": "1"}),
        "invalid authentication credentials",
        ["-o", "project=demo-project"],
    ),
    "azure": Case(
        AzureFake,
        {"AZURE_TRANSLATOR_KEY": "azure-test-key"},
        {"AZURE_TRANSLATOR_KEY": "bad-azure-key-99"},
        {"de": "de", "fr": "fr", "uk": "uk", "zh-Hans": "zh-Hans"},
        (429, {"error": {"code": 429000, "message": "Too many requests"}}, {"Retry-After": "1"}),
        "401000",
    ),
    "amazon": Case(
        lambda: AmazonFake(region="us-east-1"),
        {"AWS_ACCESS_KEY_ID": TEST_ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": TEST_SECRET_KEY},
        {"AWS_ACCESS_KEY_ID": TEST_ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": "bad-aws-secret-55"},
        {"de": "de", "fr": "fr", "uk": "uk", "zh-Hans": "zh"},
        (400, {"__type": "TooManyRequestsException", "message": "Rate exceeded"}, {}),
        "InvalidSignatureException",
    ),
    "libretranslate": Case(
        lambda: LibreTranslateFake(api_keys={"lt-test-key"}),
        {"LIBRETRANSLATE_API_KEY": "lt-test-key"},
        {"LIBRETRANSLATE_API_KEY": "bad-lt-key-31"},
        {"de": "de", "fr": "fr", "uk": "uk", "zh-Hans": "zh-Hans"},
        (429, {"error": "Slowdown: 10 per 1 minute"}, {"Retry-After": "1"}),
        "Invalid API key",
    ),
}


def _run(provider: str, case: Case, url: str, runs: Path, env: dict[str, str]) -> Result:
    args = [
        "run",
        "--provider",
        provider,
        "-o",
        f"base_url={url}",
        *case.options,
        "--to",
        ",".join(TARGETS),
        "--runs-dir",
        str(runs),
    ]
    return CliRunner().invoke(main, args, env=env, catch_exceptions=False)


def _segments(runs: Path) -> list[dict[str, Any]]:
    return [r for r in read_jsonl(only_run_file(runs)) if r["type"] == "segment"]


@pytest.mark.parametrize("provider", list(CASES))
def test_run_translates_every_segment(provider: str, tmp_path: Path) -> None:
    case = CASES[provider]
    fake = case.make_fake()
    with serve(fake.app) as url:
        result = _run(provider, case, url, tmp_path, case.env)
    assert result.exit_code == 0, result.output
    records = read_jsonl(only_run_file(tmp_path))
    assert records[0]["provider"]["adapter"] == provider
    assert records[-1]["type"] == "footer"
    segments = _segments(tmp_path)
    assert len(segments) == 88
    assert {r["target_lang"] for r in segments} == set(TARGETS)
    for record in segments:
        code = case.codes[record["target_lang"]]
        assert record["error"] is None
        assert record["output"] == f"[{code}] {record['source']}", record["id"]
        assert record["usage"]["characters"] >= len(record["source"]) > 0
    text = only_run_file(tmp_path).read_text(encoding="utf-8")
    for secret in case.env.values():
        assert secret not in text


@pytest.mark.parametrize("provider", list(CASES))
def test_rate_limit_is_waited_out_and_retried(provider: str, tmp_path: Path) -> None:
    case = CASES[provider]
    fake = case.make_fake()
    fake.fail_next(*case.rate_limit)
    with serve(fake.app) as url:
        result = _run(provider, case, url, tmp_path, case.env)
    assert result.exit_code == 0, result.output
    segments = _segments(tmp_path)
    assert len(segments) == 88 and all(r["output"] for r in segments)
    assert max(r["attempts"] for r in segments) == 2


@pytest.mark.parametrize("provider", list(CASES))
def test_refused_key_stops_the_run_without_showing_it(provider: str, tmp_path: Path) -> None:
    case = CASES[provider]
    fake = case.make_fake()
    with serve(fake.app) as url:
        result = _run(provider, case, url, tmp_path, case.bad_env)
    assert result.exit_code == 3, result.output
    assert case.refusal in result.output and "the run stopped" in result.output
    records = read_jsonl(only_run_file(tmp_path))
    assert records[-1]["type"] != "footer"  # stopped: resumable once the key is fixed
    everything = result.output + json.dumps(records)
    for secret in case.bad_env.values():
        assert secret not in everything


@pytest.mark.parametrize("provider", list(CASES))
def test_dry_run_needs_no_key_and_sends_nothing(provider: str, tmp_path: Path) -> None:
    case = CASES[provider]
    fake = case.make_fake()
    unset: dict[str, str | None] = dict.fromkeys(case.env, None)
    runs = tmp_path / "runs"
    with serve(fake.app) as url:
        args = [
            "run",
            "--provider",
            provider,
            "-o",
            f"base_url={url}",
            *case.options,
            "--to",
            ",".join(TARGETS),
            "--runs-dir",
            str(runs),
            "--dry-run",
            "--no-cache",
        ]
        result = CliRunner().invoke(main, args, env=unset, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    row = result.output.splitlines()[1].split()
    assert row[0] == provider and row[2] == "88"  # segments it would send
    assert fake.requests == [] and not runs.exists()

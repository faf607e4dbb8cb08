"""The real APy server, started by the tests on 127.0.0.1 and stopped with its process group."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from harness.errors import TransientError, UnsupportedLanguageError
from harness.models import LangPair, Segment
from harness.references.article import load_article
from harness.run.config import RunSettings
from harness.run.runner import Runner, WorkItem
from harness.runfile import RunHeader, RunWriter
from harness.testing.apy_server import ApyServer
from providers.apertium import ApertiumProvider
from providers.apertium_apy import ApertiumApyProvider, ApyOptions
from tests.helpers import (
    APY_MISSING,
    APY_SKIP_REASON,
    REFERENCES,
    REPO,
    SEED_ID,
    only_run_file,
    read_jsonl,
)

pytestmark = [pytest.mark.apertium, pytest.mark.skipif(APY_MISSING, reason=APY_SKIP_REASON)]


@pytest.fixture(scope="module")
def apy() -> Iterator[ApyServer]:
    with ApyServer() as server:
        yield server


def _listening_addresses(port: int) -> set[str]:
    """Local addresses with a socket listening on ``port`` (from /proc/net/tcp and tcp6)."""
    found: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        with open(table, encoding="ascii") as fh:
            next(fh)
            for line in fh:
                local, state = line.split()[1], line.split()[3]
                address, port_hex = local.split(":")
                if int(port_hex, 16) == port and state == "0A":  # 0A = LISTEN
                    found.add(address)
    return found


@pytest.mark.skipif(not os.path.exists("/proc/net/tcp"), reason="needs Linux /proc/net/tcp")
def test_server_listens_on_loopback_only(apy: ApyServer) -> None:
    # 0100007F is 127.0.0.1 in /proc's little-endian hex; all interfaces would be 00000000.
    assert _listening_addresses(apy.port) == {"0100007F"}


def _provider(apy: ApyServer, **options: object) -> ApertiumApyProvider:
    client = httpx.AsyncClient(timeout=30)
    return ApertiumApyProvider(ApyOptions(base_url=apy.base_url, **options), client=client)


@pytest.mark.anyio
async def test_pairs_are_listed_and_checked(apy: ApyServer) -> None:
    provider = _provider(apy)
    await provider.prepare()
    pairs = provider.supported_pairs() or []
    assert {LangPair("en", t) for t in ("es", "ca", "gl", "eo")} <= set(pairs)
    with pytest.raises(UnsupportedLanguageError, match="has no pair en->fr"):
        provider.check_pair(LangPair("en", "fr"))
    assert provider.client is not None
    await provider.client.aclose()


@pytest.mark.anyio
async def test_apy_and_command_line_agree(apy: ApyServer) -> None:
    article = load_article(SEED_ID, REFERENCES)
    segments = [Segment(s.id, s.restored) for s in article.segments[:4]]
    provider = _provider(apy)
    via_http = await provider.translate(segments, LangPair("en", "es"))
    via_cli = await ApertiumProvider().translate(segments, LangPair("en", "es"))
    assert [t.text for t in via_http] == [t.text for t in via_cli]
    assert via_http[0].engine == "apertium-apy eng|spa"
    assert provider.client is not None
    await provider.client.aclose()


@pytest.mark.anyio
async def test_long_paragraph_survives_whole(apy: ApyServer, tmp_path: Path) -> None:
    """APy cuts long inputs and still answers 200; the runner keeps requests under max_chars."""
    article = load_article(SEED_ID, REFERENCES)
    long_text = " ".join([s.restored for s in article.segments] * 3)  # one ~6,000-char paragraph
    assert len(long_text) > 5000
    from dataclasses import replace

    segment = replace(article.segments[0], spun=long_text, restored=long_text)
    item = WorkItem(SEED_ID, segment, 0, "restored", "en", "es")
    provider = _provider(apy, max_chars=1500)
    path = tmp_path / "long.jsonl"
    with RunWriter(path) as writer:
        writer.header(RunHeader(run_id="long"))
        await Runner(provider, RunSettings(concurrency=1), writer).run([item])
    record = read_jsonl(path)[1]
    assert "split" in record["flags"]
    # Apertium translates sentence by sentence, so the paragraphs sent one by one (each short,
    # far from where APy cuts) give the expected text: every sentence back, in order.
    paragraphs = [Segment(str(i), s.restored) for i, s in enumerate(article.segments)] * 3
    expected = [t.text for t in await provider.translate(paragraphs, LangPair("en", "es"))]
    assert record["output"] == " ".join(expected)
    assert provider.client is not None
    await provider.client.aclose()


@pytest.mark.anyio
async def test_unreachable_server_is_transient() -> None:
    provider = ApertiumApyProvider(
        ApyOptions(base_url="http://127.0.0.1:9"), client=httpx.AsyncClient(timeout=5)
    )
    with pytest.raises(TransientError, match="cannot reach"):
        await provider.translate([Segment("a", "Hello.")], LangPair("en", "es"))
    assert provider.client is not None
    await provider.client.aclose()


def test_harness_run_through_apy_writes_88_segments(apy: ApyServer, tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "harness",
            "run",
            "--provider",
            "apertium-apy",
            "-o",
            f"base_url={apy.base_url}",
            "--to",
            "es,ca,gl,eo",
            "--runs-dir",
            str(tmp_path),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    segments = [r for r in read_jsonl(only_run_file(tmp_path)) if r["type"] == "segment"]
    assert len(segments) == 88 and all(r["output"] and r["error"] is None for r in segments)


def test_stop_ends_the_whole_process_group() -> None:
    server = ApyServer().start()
    assert server.process is not None
    group = os.getpgid(server.process.pid)
    server.stop()
    with pytest.raises(ProcessLookupError):
        os.killpg(group, 0)  # signal 0 only checks that some process of the group exists


def test_apy_defaults_to_apertiums_targets_and_is_never_cached(
    apy: ApyServer, tmp_path: Path
) -> None:
    env = {**os.environ, "HARNESS_CACHE_DIR": str(tmp_path / "cache")}
    headers, segments = [], []
    for attempt in ("first", "second"):
        out = tmp_path / attempt
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "harness",
                "run",
                "--provider",
                "apertium-apy",
                "-o",
                f"base_url={apy.base_url}",
                "--variant",
                "restored",
                "--runs-dir",
                str(out),
            ],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        lines = read_jsonl(only_run_file(out))
        headers.append(lines[0])
        segments += [r for r in lines if r["type"] == "segment"]
    # The same languages as the command-line adapter: the four installed pairs (.ci/setup),
    # each once, without the ca-valencia variant the Catalan package also installs.
    assert all(header["targets"] == ["ca", "eo", "es", "gl"] for header in headers)
    # A second identical run asks the engine again: an upgrade must show at once.
    assert segments and not any(record["cached"] for record in segments)

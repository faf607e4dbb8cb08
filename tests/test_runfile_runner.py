"""Run files (shape, torn tails) and the runner (batching, splitting, failures recorded)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from harness.errors import (
    AuthError,
    BadResponseError,
    RateLimitError,
    RunFileError,
    TransientError,
)
from harness.models import LangPair, Segment, Translation
from harness.provider import Limits, Provider
from harness.references.article import load_article
from harness.run.config import RunSettings
from harness.run.runner import Runner, RunStoppedError, plan_items
from harness.run.splitting import join_pieces, split_text
from harness.runfile import RunFile, RunHeader, RunWriter, repair_torn_tail
from tests.engine_helpers import FakeTime
from tests.helpers import REFERENCES, SEED_ID, read_jsonl


class ScriptedProvider(Provider):
    """Uppercases text; fails on segments whose text contains a trigger word."""

    name = "scripted"
    uses_http = False
    limits = Limits(max_batch=3, max_chars=400)

    def __init__(
        self,
        *,
        transient_failures: int = 0,
        fatal_on: str | None = None,
        garbage_on: str | None = "Kremlin",
    ) -> None:
        super().__init__()
        self.garbage_on = garbage_on
        self.calls: list[list[str]] = []
        self.transient_failures = transient_failures
        self.fatal_on = fatal_on

    async def translate(self, batch: Sequence[Segment], pair: LangPair) -> list[Translation]:
        self.calls.append([s.text for s in batch])
        if self.fatal_on and any(self.fatal_on in s.text for s in batch):
            raise AuthError("key refused")
        if self.garbage_on and any(self.garbage_on in s.text for s in batch):
            raise BadResponseError("backend answered garbage")
        if self.transient_failures:
            self.transient_failures -= 1
            raise TransientError("overloaded", status=503)
        return [Translation(s.text.upper()) for s in batch]


async def _no_sleep(_: float) -> None:
    return None


def _run(tmp_path: Path, provider: Provider, targets: list[str], **settings: int) -> Path:
    article = load_article(SEED_ID, REFERENCES)
    items = plan_items([article], ["spun", "restored"], targets, "en")
    path = tmp_path / "run.jsonl"
    import asyncio

    with RunWriter(path) as writer:
        writer.header(RunHeader(run_id="t"))
        runner = Runner(provider, RunSettings(**settings), writer, sleep=_no_sleep)
        asyncio.run(runner.run(items))
        writer.footer(runner.tally.footer())
    return path


def test_every_segment_written_once_and_failures_recorded(tmp_path: Path) -> None:
    provider = ScriptedProvider()
    path = _run(tmp_path, provider, ["de", "fr"])
    records = read_jsonl(path)
    segments = [r for r in records if r["type"] == "segment"]
    assert len(segments) == 2 * 2 * 11
    assert len({r["id"] for r in segments}) == len(segments)
    failed = [r for r in segments if r["error"] is not None]
    # Batches holding a "Kremlin" paragraph fail as a whole; everything else is translated.
    assert failed and all(r["output"] is None for r in failed)
    assert all(r["error"]["type"] == "BadResponseError" for r in failed)
    ok = [r for r in segments if r["error"] is None]
    assert all(r["output"] == r["source"].upper() for r in ok)
    assert records[-1]["counts"] == {"segments": 44, "ok": len(ok), "errors": len(failed)}
    assert all(len(call) <= 3 and sum(map(len, call)) <= 400 for call in provider.calls)


def test_transient_errors_are_retried_and_attempts_counted(tmp_path: Path) -> None:
    provider = ScriptedProvider(transient_failures=2, garbage_on=None)
    records = [
        r
        for r in read_jsonl(_run(tmp_path, provider, ["de"], concurrency=1))
        if r["type"] == "segment"
    ]
    assert records[0]["attempts"] == 3  # the first batch failed twice, then passed
    assert {r["attempts"] for r in records[1:]} == {1}
    assert all(r["error"] is None for r in records)


def test_fatal_error_stops_the_run_without_footer(tmp_path: Path) -> None:
    provider = ScriptedProvider(fatal_on="Bastrykin")
    with pytest.raises(RunStoppedError, match="key refused"):
        _run(tmp_path, provider, ["de"], concurrency=1)
    assert not any(r["type"] == "footer" for r in read_jsonl(tmp_path / "run.jsonl"))


def test_long_paragraph_is_split_under_max_chars_and_rejoined(tmp_path: Path) -> None:
    sentence = "The Kremlin said 20,000 people left. "
    text = (sentence.replace("Kremlin", "office") * 40).strip()
    pieces = split_text(text, 400)
    assert all(len(p) <= 400 for p in pieces) and len(pieces) > 1
    assert join_pieces(pieces, "de") == text
    assert "".join(split_text("一二三。四五六。", 4)) == "一二三。四五六。"


def test_runfile_reader_checks_shape_and_finds_footer(tmp_path: Path) -> None:
    path = _run(tmp_path, ScriptedProvider(), ["de"])
    run = RunFile(path)
    assert run.run_id == "t"
    assert sum(1 for _ in run.segments()) == 22
    footer = run.footer()
    assert footer is not None and footer.counts.segments == 22


def test_torn_last_line_is_reported_then_repaired(tmp_path: Path) -> None:
    path = _run(tmp_path, ScriptedProvider(), ["de"])
    data = path.read_bytes()
    torn = data[: data.rfind(b"\n", 0, len(data) - 1) + 40]  # cut the footer line short
    path.write_bytes(torn)
    with pytest.raises(RunFileError, match=r"run\.jsonl:24: last line is cut short"):
        list(RunFile(path).segments())
    assert repair_torn_tail(path) is True
    assert sum(1 for _ in RunFile(path).segments()) == 22
    assert RunFile(path).footer() is None
    assert repair_torn_tail(path) is False


@pytest.mark.parametrize(
    "content, message",
    [
        ("", "empty file"),
        ('{"type":"segment"}\n', "starts with a header"),
        ('{"type":"header","schema":1}\nnot json\n{"type":"footer"}\n', ":2: not valid JSON"),
        ('{"type":"header","schema":99}\n', "schema 99"),
        ('{"type":"header","schema":1}\n{"type":"segment","id":"x"}\n', ":2: segment line lacks"),
    ],
)
def test_malformed_run_files_get_clear_errors(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RunFileError, match=message):
        list(RunFile(path).segments())


def test_writer_refuses_to_overwrite_a_run(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps({"type": "header"}) + "\n", encoding="utf-8")
    with pytest.raises(FileExistsError):
        RunWriter(path)


class TimedProvider(Provider):
    """Takes ``seconds`` of (fake) backend time per request; the first answer is a 429."""

    name = "timed"
    uses_http = False
    limits = Limits(max_batch=1, max_chars=10_000)

    def __init__(self, time: FakeTime, seconds: float) -> None:
        super().__init__()
        self.time, self.seconds, self.calls = time, seconds, 0

    async def translate(self, batch: Sequence[Segment], pair: LangPair) -> list[Translation]:
        self.calls += 1
        self.time.now += self.seconds
        if self.calls == 1:
            raise RateLimitError("slow down", retry_after=5.0)
        return [Translation(s.text.upper()) for s in batch]


def test_latency_is_the_backend_time_without_pacing_backoff_or_retry_after(
    tmp_path: Path,
) -> None:
    import asyncio

    time = FakeTime()
    provider = TimedProvider(time, 0.25)
    article = load_article(SEED_ID, REFERENCES)
    items = plan_items([article], ["spun"], ["de"], "en")[:4]
    with RunWriter(tmp_path / "run.jsonl") as writer:
        writer.header(RunHeader(run_id="t"))
        # One request a second: the pacing waits between requests, and the 429 adds 5 s.
        runner = Runner(
            provider,
            RunSettings(concurrency=1, rate_limit=1.0),
            writer,
            sleep=time.sleep,
            clock=time.clock,
        )
        asyncio.run(runner.run(items))
    segments = [r for r in read_jsonl(tmp_path / "run.jsonl") if r["type"] == "segment"]
    assert len(segments) == 4 and sum(time.sleeps) >= 5.0 + 3 * 0.75
    assert [r["attempts"] for r in segments] == [2, 1, 1, 1]
    assert [r["latency_ms"] for r in segments] == [250.0] * 4

"""The run engine's fast paths give the same results as the plain ones.

Cache lookups are grouped (one ``SELECT ... IN`` per chunk), cache keys are built
from a per-pair prefix, and a request's run-file lines go out in one write; a
cached re-run and a dry run must see exactly what the slow paths saw.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from harness.models import Translation, Usage
from harness.run.cache import CACHE_FORMAT, RequestKeys, TranslationCache, request_key
from harness.run.estimate import estimate_run
from harness.run.execution import RunResult, execute_run
from harness.runfile import RunWriter, SegmentRecord
from tests.engine_helpers import FakeTime, batch_plan, seed_article, segment_lines
from tests.fakes.fault_server import FaultServer
from tests.fakes.loopback import serve
from tests.helpers import read_jsonl

# 11 segments x 2 variants x 30 targets = 660 items: more than one lookup chunk (500).
TARGETS = [
    "de",
    "fr",
    "es",
    "it",
    "pt",
    "nl",
    "pl",
    "sv",
    "da",
    "fi",
    "cs",
    "sk",
    "sl",
    "hr",
    "hu",
    "ro",
    "bg",
    "el",
    "et",
    "lv",
    "lt",
    "uk",
    "tr",
    "ja",
    "zh",
    "ko",
    "ar",
    "he",
    "hi",
    "id",
]
IDENTITY = {"adapter": "x", "adapter_version": "1", "options": {"model": "m", "z": [1, "é"]}}


def canonical_key(source: str, target: str, text: str) -> str:
    """The documented key: sha256 of the whole request as sorted, compact JSON."""
    document = {
        "format": CACHE_FORMAT,
        **IDENTITY,
        "source_lang": source,
        "target_lang": target,
        "text": text,
    }
    return hashlib.sha256(
        json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode(
            "utf-8"
        )
    ).hexdigest()


def test_request_keys_are_the_documented_canonical_json() -> None:
    keys = RequestKeys(IDENTITY)
    texts = ["Hello", 'quote " and \\ backslash', "line\nbreak\ttab", "é 😀 \u2028", "", "}{"]
    for text in texts:
        for source, target in (("en", "de"), ("de", "en")):
            assert keys(source, target, text) == canonical_key(source, target, text)
            assert request_key(IDENTITY, source, target, text) == keys(source, target, text)
    assert len({keys("en", "de", t) for t in texts}) == len(texts)


def test_grouped_lookups_find_stored_and_pending_entries(tmp_path: Path) -> None:
    with TranslationCache(tmp_path / "c.sqlite3") as cache:
        for n in range(1200):
            cache.put(f"k{n}", Translation(f"text {n}", Usage(characters=n), "e1", ("a",)))
        cache.flush()
        cache.batch = 10_000  # keep the next puts pending, not yet in SQLite
        cache.flush_seconds = 3600
        for n in range(1200, 1300):
            cache.put(f"k{n}", Translation(f"text {n}"))
        wanted = [f"k{n}" for n in range(1305)]  # five are missing
        found = cache.get_many(wanted)
        held = cache.held(wanted)
    assert sorted(found) == sorted(held) == sorted(f"k{n}" for n in range(1300))
    assert found["k7"] == Translation("text 7", Usage(characters=7), "e1", ("a",))
    assert found["k1250"].text == "text 1250"
    assert (cache.hits, cache.misses) == (1300, 5)


def test_lines_of_one_request_are_written_as_one_by_one(tmp_path: Path) -> None:
    records = [
        SegmentRecord(
            id=f"a/s{n}/spun/de",
            article="a",
            segment=f"s{n}",
            variant="spun",
            index=n,
            source_lang="en",
            target_lang="de",
            source=f"s {n}",
            output=f'é {n}\n"x"',
            error=None,
            attempts=1,
            latency_ms=1.5,
            cached=False,
            usage={"characters": n},
        )
        for n in range(3)
    ]
    with RunWriter(tmp_path / "one.jsonl") as writer:
        for record in records:
            writer.segment(record)
    with RunWriter(tmp_path / "many.jsonl") as writer:
        writer.segments(records)
        writer.segments([])
    assert (tmp_path / "many.jsonl").read_bytes() == (tmp_path / "one.jsonl").read_bytes()
    assert read_jsonl(tmp_path / "many.jsonl")[1]["output"] == 'é 1\n"x"'


@pytest.mark.anyio
async def test_cached_rerun_sends_nothing_and_writes_the_same_outputs(tmp_path: Path) -> None:
    server = FaultServer()
    article = seed_article()
    with serve(server.app) as url, TranslationCache(tmp_path / "c.sqlite3") as cache:
        plan = batch_plan(url, max_batch=4, concurrency=8)

        async def run(folder: str) -> RunResult:
            return await execute_run(
                plan,
                [article],
                targets=TARGETS,
                variants=["spun", "restored"],
                runs_dir=tmp_path / folder,
                cache=cache,
                control=FakeTime().control(),
            )

        before = await estimate_run(
            plan, [article], targets=TARGETS, variants=["spun", "restored"], cache=cache
        )
        first = await run("first")
        sent = server.count
        again = await run("again")
        estimate = await estimate_run(
            plan, [article], targets=TARGETS, variants=["spun", "restored"], cache=cache
        )
    total = len(article.segments) * 2 * len(TARGETS)
    assert total > 500 and first.counts.ok == total and first.cached == 0
    assert before.requests == sent and before.cached == 0
    assert server.count == sent  # the re-run and the dry run sent nothing
    assert again.cached == total and again.requests == 0 and again.counts.ok == total
    assert (estimate.segments, estimate.cached, estimate.requests) == (total, total, 0)

    def outputs(result: RunResult) -> dict[str, tuple[object, ...]]:
        return {
            r["id"]: (r["output"], r["source"], r["usage"], r["engine"], r["flags"])
            for r in segment_lines(result.path)
        }

    assert outputs(again) == outputs(first)
    assert len(segment_lines(again.path)) == total  # every segment exactly once
    assert all(r["cached"] and r["attempts"] == 0 for r in segment_lines(again.path))
    footer = read_jsonl(again.path)[-1]
    assert footer["type"] == "footer" and footer["counts"]["ok"] == total

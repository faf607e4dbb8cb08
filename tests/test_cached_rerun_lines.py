"""A cached re-run writes exactly the run-file lines it always wrote.

Cache hits take a short path (no per-segment record objects); these tests pin its
output byte for byte against lines written by the general path
(``tests/data/cached_rerun_lines.jsonl``), for cache values of every odd shape:
flags, details, usage in any order, missing keys, lone surrogates, outputs that
look cut short or are far too long, and misses in between. Every line must also
read back through the strict reader and serialize to the same bytes.
"""

from __future__ import annotations

import asyncio
import json
import math
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from harness.models import LangPair, Segment, Translation, Usage
from harness.provider import Limits, Provider
from harness.references.article import ArticleSegment
from harness.run.cache import RequestKeys, TranslationCache
from harness.run.cache_hits import HitLines
from harness.run.config import RunSettings
from harness.run.plan import WorkItem
from harness.run.runner import Runner
from harness.run.truncation import default_rule
from harness.runfile import (
    RunHeader,
    RunWriter,
    SegmentRecord,
    Tally,
    cached_segment_line,
    dump_record,
    parse_record,
)
from tests.engine_helpers import FakeTime

GOLDEN = Path(__file__).parent / "data" / "cached_rerun_lines.jsonl"
LONG = "The council said on May 20 that 20,000 people had registered for the programme."

#: (source text, target language, the cache's stored JSON or None for a miss); each
#: source gets its case number appended, so that no two cases share a cache key.
CASES: list[tuple[str, str, str | None]] = [
    (
        LONG,
        "de",
        '{"text":"Der Rat sagte am 20. Mai, 20.000 Menschen hätten sich angemeldet.",'
        '"usage":{"characters":80},"engine":"e 1","flags":[],"detail":{}}',
    ),
    (
        'Он сказал: "да" — 😀 and \\ backslash\tin text, and a line that is long enough.',
        "de",
        json.dumps(
            {
                "text": 'Il a dit : « oui » — 😀 \\ \n "x" \u2028 and enough more text here',
                "usage": {"input_tokens": 3, "output_tokens": 4},
                "engine": None,
                "flags": ["chatter", "wrong_language"],
                "detail": {"raw": "é", "n": 1.5, "list": [1, None, True], "deep": {"a": []}},
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ),
    ),
    ("Yes.", "de", '{"text":"Ja."}'),  # only the text: every other field defaults
    (LONG, "de", '{"text":"Kurz.","usage":{"characters":5},"engine":"e 1"}'),  # cut short
    (LONG, "de", '{"text":"   ","engine":"e 1"}'),  # blank: cut short too
    ("Hi.", "fr", json.dumps({"text": "x" * 20_000, "engine": "e 1"})),  # far too long
    (LONG, "fr", '{"text":"bad \\ud83d half of a pair, and long enough to pass","engine":"e"}'),
    (LONG, "fr", '{"text":"' + "ok " * 20 + '","detail":{"raw":"\\udc00"},"engine":"e"}'),
    (
        LONG,
        "fr",
        '{"text":"' + "usage out of order " * 3 + '","usage":{"output_tokens":1,"characters":2}}',
    ),
    (LONG, "fr", '{"text":"' + "usage with a null " * 3 + '","usage":{"characters":null}}'),
    (LONG, "fr", '{"text":"' + "detail is a list " * 3 + '","detail":[]}'),
    (LONG, "fr", '{"text":"' + "detail is a string " * 3 + '","detail":""}'),
    (LONG, "fr", '{"text":"' + "an empty engine " * 3 + '","engine":""}'),
    (LONG, "fr", '{"text":"' + "keys it does not know " * 3 + '","format":2,"x":[1]}'),
    (LONG, "fr", ' {"text":"' + "leading blank " * 4 + '","engine":"e 2"}'),
    (LONG, "fr", '{"text":"' + "flagged before " * 4 + '","flags":["suspect_truncation"]}'),
    (LONG, "fr", None),  # a miss: sent, answered, written among the hits
    (LONG, "zh", '{"text":"理事会说，五月二十日有两万人登记。","engine":"e 1"}'),  # zh: low ratio
    (LONG, "zh", '{"text":"短。","engine":"e 1"}'),  # below even zh's ratio
    (LONG + " Again.", "de", None),
    (LONG, "de-CH", '{"text":"' + "a regional target " * 3 + '","usage":{"characters":9}}'),
]


class Echo(Provider):
    """Reached over HTTP (so the cache applies); answers a miss with a tagged copy."""

    name = "echo"
    limits = Limits(max_batch=4, max_chars=1000)

    async def translate(self, batch: Sequence[Segment], pair: LangPair) -> list[Translation]:
        return [Translation(f"<{pair.target}> {s.text}", engine="echo 1") for s in batch]


def cases_items() -> list[WorkItem]:
    return [
        WorkItem(
            "art",
            ArticleSegment(f"p{n:02d}", n + 1, f"{text} [{n}]", f"{text} [{n}]"),
            n,
            "spun" if n % 2 else "restored",
            "en",
            target,
        )
        for n, (text, target, _) in enumerate(CASES)
    ]


def fill_cache(path: Path, items: list[WorkItem]) -> None:
    """Store each case's value as given (raw SQL: the JSON is exactly the case's)."""
    keys = RequestKeys(Echo().identity())
    TranslationCache(path).close()  # the schema
    db = sqlite3.connect(path)
    with db:
        db.executemany(
            "INSERT INTO translations (key, value, created) VALUES (?, ?, 0)",
            [
                (keys(item.source_lang, item.target_lang, item.text), value)
                for item, (_, _, value) in zip(items, CASES, strict=True)
                if value is not None
            ],
        )
    db.close()


def rerun(
    tmp_path: Path, name: str, *, with_records: bool
) -> tuple[Path, Runner, list[SegmentRecord], list[int]]:
    items = cases_items()
    cache_path = tmp_path / f"{name}.sqlite3"
    fill_cache(cache_path, items)
    path = tmp_path / f"{name}.jsonl"
    seen: list[SegmentRecord] = []
    counts: list[int] = []
    fake = FakeTime()
    with TranslationCache(cache_path) as cache, RunWriter(path) as writer:
        writer.header(RunHeader(run_id="t"))
        runner = Runner(
            Echo(),
            RunSettings(),
            writer,
            cache=cache,
            sleep=fake.sleep,
            clock=fake.clock,
            on_record=seen.append if with_records else None,
            on_progress=counts.append,
        )
        asyncio.run(runner.run(items))
    return path, runner, seen, counts


def lines_of(path: Path) -> list[str]:
    # Not splitlines(): an output may hold U+2028, which is no line break in a run file.
    return [line + "\n" for line in path.read_text(encoding="utf-8").split("\n")[:-1]]


@pytest.mark.parametrize("with_records", [False, True])
def test_cached_rerun_lines_are_byte_for_byte_the_pinned_ones(
    tmp_path: Path, with_records: bool
) -> None:
    path, runner, seen, counts = rerun(tmp_path, "r", with_records=with_records)
    lines = lines_of(path)[1:]  # the header is the test's own
    assert lines == lines_of(GOLDEN)
    # One count for the hits of the lookup (fast and general path alike), one per request.
    assert counts[0] == len(CASES) - 2 and sum(counts) == len(lines)
    counts = runner.tally.counts.as_dict()
    assert counts == {"segments": len(CASES), "ok": len(CASES) - 1, "errors": 1}
    assert {t: c.as_dict() for t, c in runner.tally.by_target.items()} == {
        "de": {"segments": 6, "ok": 6, "errors": 0},
        "fr": {"segments": 12, "ok": 11, "errors": 1},
        "zh": {"segments": 2, "ok": 2, "errors": 0},
        "de-CH": {"segments": 1, "ok": 1, "errors": 0},
    }
    assert sorted(runner.tally.engines) == ["e", "e 1", "e 2", "echo 1"]
    if with_records:  # what on_record gets is what the lines say
        assert [dump_record(r) + "\n" for r in seen] == lines


def test_pinned_lines_read_back_strictly_to_the_same_bytes() -> None:
    for number, line in enumerate(lines_of(GOLDEN), start=2):
        record = parse_record(json.loads(line), GOLDEN, number)
        assert isinstance(record, SegmentRecord)
        assert dump_record(record) + "\n" == line


@pytest.mark.parametrize("with_progress", [False, True])
def test_an_ordinary_rerun_builds_no_record_per_hit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, with_progress: bool
) -> None:
    items = [
        WorkItem(
            "art", ArticleSegment(f"p{n}", n, f"{LONG} {n}", f"{LONG} {n}"), n, "spun", "en", t
        )
        for n in range(30)
        for t in ("de", "fr")
    ]
    cache_path = tmp_path / "c.sqlite3"
    keys = RequestKeys(Echo().identity())
    with TranslationCache(cache_path) as cache:
        for item in items:
            usage = Usage(characters=len(item.text), input_tokens=None, output_tokens=3)
            cache.put(
                keys(item.source_lang, item.target_lang, item.text),
                Translation(f"«{item.text}»", usage, "e 1", ("chatter",), {"n": item.index}),
            )

    def no_records(*args: object, **kwargs: object) -> SegmentRecord:
        raise AssertionError("a cache hit went through a SegmentRecord")

    path = tmp_path / "run.jsonl"
    with TranslationCache(cache_path) as cache, RunWriter(path) as writer:
        writer.header(RunHeader(run_id="t"))
        counts: list[int] = []
        runner = Runner(
            Echo(),
            RunSettings(),
            writer,
            cache=cache,
            on_progress=counts.append if with_progress else None,
        )
        monkeypatch.setattr(runner, "_record", no_records)
        asyncio.run(runner.run(items))
    lines = lines_of(path)[1:]
    assert len(lines) == len(items) and runner.cached == len(items)
    assert counts == ([len(items)] if with_progress else [])  # one lookup, one write
    assert runner.tally.counts.as_dict() == {"segments": 60, "ok": 60, "errors": 0}
    first = parse_record(json.loads(lines[0]), path, 2)
    assert isinstance(first, SegmentRecord)
    assert (first.output, first.usage, first.flags, first.detail) == (
        f"«{items[0].text}»",
        {"characters": len(items[0].text), "output_tokens": 3},
        ["chatter"],
        {"n": 0},
    )
    for number, line in enumerate(lines, start=2):
        assert dump_record(parse_record(json.loads(line), path, number)) + "\n" == line


#: Field values for a cache hit's record, each to be written as dump_record writes it.
LINE_CASES: list[dict[str, object]] = [
    {},
    {"usage": {"characters": 12}, "engine": "e 1"},
    {"usage": {"input_tokens": 0, "output_tokens": 10**20}, "flags": ["a", 'é "q"']},
    {"usage": {"100% odd": 1, "é": 2}, "engine": "モデル \\ \u2028"},
    {"detail": {"raw": "x\ny", "f": 1.5e16, "deep": [{"a": None}, True, -0.0]}},
    {"source": 'quote " back \\ tab \t nul \x00 emoji 😀', "output": "\x7f\u0085 \ud7ff"},
]


@pytest.mark.parametrize("case", LINE_CASES)
def test_cached_segment_line_is_what_dump_record_writes(case: dict[str, object]) -> None:
    fields: dict[str, Any] = {
        "source": "Source text.",
        "output": "Texte.",
        "usage": {},
        "engine": None,
        "flags": [],
        "detail": None,
        **case,
    }
    record = SegmentRecord(
        id="a-1/p07/spun/pt-BR",
        article="a-1",
        segment="p07",
        variant="spun",
        index=6,
        source_lang="en",
        target_lang="pt-BR",
        error=None,
        attempts=0,
        latency_ms=0.0,
        cached=True,
        **fields,
    )
    line = cached_segment_line(
        "a-1/p07/spun/pt-BR",
        "a-1",
        "p07",
        "spun",
        6,
        "en",
        "pt-BR",
        fields["source"],
        fields["output"],
        fields["usage"],
        fields["engine"],
        fields["flags"],
        fields["detail"],
    )
    assert line == dump_record(record) + "\n"


def test_a_nan_in_the_detail_is_refused_as_dump_record_refuses_it() -> None:
    with pytest.raises(ValueError):
        cached_segment_line(
            "i", "a", "s", "v", 0, "en", "de", "x", "y", {}, None, [], {"n": math.nan}
        )


PLAIN = (
    '{"text":"'
    + "Ein Satz. " * 9
    + '","usage":{"characters":90},"engine":"e","flags":[],"detail":{}}'
)


@pytest.mark.parametrize(
    "raw",
    [
        PLAIN[:-1],  # not JSON
        PLAIN + " ",  # text after the document
        "[1]",
        '{"usage":{}}',  # no text
        PLAIN.replace('"text":"', '"text":["').replace('","usage"', '"],"usage"'),
        PLAIN.replace('"engine":"e"', '"engine":7'),
        PLAIN.replace('"usage":{"characters":90}', '"usage":null'),
        PLAIN.replace('"usage":{"characters":90}', '"usage":{"characters":true}'),
        PLAIN.replace('"usage":{"characters":90}', '"usage":{"characters":9.0}'),
        PLAIN.replace('"usage":{"characters":90}', '"usage":{"tokens":9}'),
        PLAIN.replace('"flags":[]', '"flags":"x"'),
        PLAIN.replace('"flags":[]', '"flags":[1]'),
        PLAIN.replace('"flags":[]', '"flags":null'),
        PLAIN.replace('"detail":{}', '"detail":[1]'),
        PLAIN.replace('"detail":{}', '"detail":{"x":NaN}'),
        PLAIN.replace("Ein Satz. ", "\\udc00 ", 1),
        PLAIN.replace("Ein Satz. " * 9, "Kurz."),  # looks cut short
    ],
)
def test_hits_the_general_path_must_write_are_left_to_it(raw: str) -> None:
    item = WorkItem("a", ArticleSegment("p01", 1, LONG, LONG), 0, "spun", "en", "de")
    hits = HitLines(default_rule())
    line = hits.line(item, PLAIN)
    assert line is not None and line[1] == "e"
    assert hits.line(item, raw) is None


def test_bulk_counts_are_the_counts_of_one_by_one() -> None:
    one, bulk = Tally(), Tally()
    for target, engine in [("de", "e"), ("de", ""), ("fr", "f"), ("de", "e")]:
        one.add(
            SegmentRecord.model_validate(
                {**json.loads(lines_of(GOLDEN)[0]), "target_lang": target, "engine": engine}
            )
        )
    bulk.add_ok({"de": 3, "fr": 1}, {"e", "f"})
    assert bulk.counts == one.counts and bulk.by_target == one.by_target
    assert bulk.engines == one.engines == {"e", "f"}


def test_thresholds_are_the_same_when_asked_again() -> None:
    rule = default_rule()
    pairs = [("en", "zh"), ("zh", "en"), ("en", "zh-Hant"), ("en", "de-CH"), ("en", "ja")]
    first = [rule.threshold(s, t) for s, t in pairs]
    assert first == [rule.threshold(s, t) for s, t in pairs] == [0.15, 1.0, 0.15, 0.5, 0.18]

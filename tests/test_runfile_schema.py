"""The typed run file: one writer and one reader that round-trip every record exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.errors import RunFileError
from harness.runfile import (
    ArticleEntry,
    Footer,
    RunFile,
    RunHeader,
    RunWriter,
    SegmentError,
    SegmentRecord,
    Tally,
    iter_records,
)


def _header() -> RunHeader:
    return RunHeader(
        run_id="20260101T000000Z-fake-0123456789ab",
        created="2026-01-01T00:00:00.000Z",
        harness_version="0.1.0",
        provider={"name": "fake", "adapter": "fake", "adapter_version": "1", "options": {}},
        settings={"concurrency": 4, "timeout": 30.0, "max_attempts": 5, "rate_limit": None},
        articles=[
            ArticleEntry(
                id="a", title="T", language="en", segments=2, digests={"spun": "s", "restored": "r"}
            )
        ],
        source_lang="en",
        targets=["de", "fr"],
        variants=["spun"],
        shard=None,
    )


def _segment(key: str, target: str, *, ok: bool = True, engine: str | None = None) -> SegmentRecord:
    return SegmentRecord(
        id=key,
        article="a",
        segment="p01",
        variant="spun",
        index=0,
        source_lang="en",
        target_lang=target,
        source="Hello",
        output="Hallo" if ok else None,
        error=None if ok else SegmentError(type="TransientError", message="503", status=503),
        attempts=1,
        latency_ms=12.5,
        cached=False,
        usage={"characters": 5},
        engine=engine,
        flags=["split"] if ok else [],
        detail={"stop_reason": "end_turn"} if ok else None,
    )


def test_records_round_trip_through_writer_and_reader(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    header = _header()
    segments = [
        _segment("a/p01/spun/de", "de", engine="e-1"),
        _segment("a/p01/spun/fr", "fr", ok=False),
    ]
    tally = Tally()
    with RunWriter(path) as writer:
        writer.header(header)
        for segment in segments:
            writer.segment(segment)
            tally.add(segment)
        footer = tally.footer()
        writer.footer(footer)
    run = RunFile(path)
    assert run.header == header
    assert list(run.segments()) == segments
    assert run.footer() == footer
    assert footer.counts.as_dict() == {"segments": 2, "ok": 1, "errors": 1}
    assert footer.engines == ["e-1"]
    assert {t: c.as_dict() for t, c in tally.by_target.items()} == {
        "de": {"segments": 1, "ok": 1, "errors": 0},
        "fr": {"segments": 1, "ok": 0, "errors": 1},
    }
    raw = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert raw[0]["schema"] == 1 and "retry_of" not in raw[0]
    assert raw[1]["engine"] == "e-1" and raw[1]["flags"] == ["split"]


def test_unknown_keys_are_kept_on_read_and_write(tmp_path: Path) -> None:
    source = tmp_path / "newer.jsonl"
    header = {
        **_header().to_dict(),
        "queue": {"kind": "texts", "files": ["x.txt"]},
        "pipeline": {"job": "b-1"},
    }
    segment = {**_segment("a/p01/spun/de", "de").to_dict(), "judge": {"score": 3}}
    source.write_text(json.dumps(header) + "\n" + json.dumps(segment) + "\n", encoding="utf-8")
    copy = tmp_path / "copy.jsonl"
    with RunWriter(copy) as writer:
        for _, record in iter_records(source):
            writer.write(record)
    lines = [json.loads(line) for line in copy.read_text(encoding="utf-8").splitlines()]
    assert lines == [header, segment]
    read = RunFile(copy).header
    assert read.model_extra == {"queue": header["queue"], "pipeline": header["pipeline"]}


@pytest.mark.parametrize(
    "change, message",
    [
        ({"latency_ms": "abc"}, r":2: segment field latency_ms: .*'abc'"),
        ({"attempts": "3"}, ":2: segment field attempts"),
        ({"latency_ms": -1}, ":2: segment field latency_ms"),
        ({"flags": "split"}, ":2: segment field flags"),
        ({"error": {"type": "E", "status": "503"}}, ":2: segment field error.status"),
        ({"cached": 1}, ":2: segment field cached"),
    ],
)
def test_fields_of_the_wrong_type_name_line_and_field(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    path = tmp_path / "bad.jsonl"
    segment = {**_segment("a/p01/spun/de", "de").to_dict(), **change}
    path.write_text(
        json.dumps(_header().to_dict()) + "\n" + json.dumps(segment) + "\n", encoding="utf-8"
    )
    with pytest.raises(RunFileError, match=message):
        list(RunFile(path).segments())


def test_footer_counts_are_typed(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text(
        json.dumps(_header().to_dict())
        + "\n"
        + json.dumps(Footer().to_dict() | {"counts": {"segments": "x"}})
        + "\n",
        encoding="utf-8",
    )
    with pytest.raises(RunFileError, match=r":2: footer field counts\.segments"):
        list(iter_records(path))

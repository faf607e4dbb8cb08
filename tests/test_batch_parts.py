"""Batch parts: cut under both limits, framing counted, ranges exact; safe resubmission."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from harness.errors import TransientError, UsageError
from harness.run.batch.api import BatchLimits
from harness.run.batch.driver import BatchWork, Poller
from harness.run.batch.parts import from_ranges, split_parts, to_ranges
from harness.run.runner import RunStoppedError


def jsonl_framing(count: int) -> int:
    return count


def array_framing(count: int) -> int:
    return len(b'{"requests":[]}') + max(count - 1, 0)


def test_parts_are_cut_by_count_and_by_bytes_with_framing() -> None:
    entries = [(n, b"x" * 10) for n in range(10)]
    by_count = list(split_parts(entries, BatchLimits(4, 10_000), jsonl_framing))
    assert [p.positions for p in by_count] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert [p.size for p in by_count] == [44, 44, 22]
    # 33 bytes hold three 10-byte lines with their newlines, not a fourth.
    by_bytes = list(split_parts(entries, BatchLimits(100, 33), jsonl_framing))
    assert [len(p.positions) for p in by_bytes] == [3, 3, 3, 1]
    assert all(p.size <= 33 for p in by_bytes)
    assert b"\n".join(by_bytes[0].entries) == b"x" * 10 + b"\n" + b"x" * 10 + b"\n" + b"x" * 10
    # A JSON array: 15 bytes of brackets, one comma between entries.
    array = list(split_parts(entries, BatchLimits(100, 15 + 30 + 2), array_framing))
    assert [len(p.positions) for p in array] == [3, 3, 3, 1]
    assert array[0].size == 47 and array[-1].size == 25


def test_sizes_only_mode_keeps_no_entries() -> None:
    parts = list(
        split_parts(((n, b"abc") for n in range(5)), BatchLimits(2, 100), jsonl_framing, keep=False)
    )
    assert [p.entries for p in parts] == [[], [], []]
    assert [p.size for p in parts] == [8, 8, 4]


def test_one_request_larger_than_a_batch_is_refused() -> None:
    with pytest.raises(UsageError, match="larger than a whole batch"):
        list(split_parts([(0, b"x" * 50)], BatchLimits(10, 40), jsonl_framing))


def test_ranges_round_trip() -> None:
    positions = [7, 0, 1, 2, 5, 8, 9, 12]
    ranges = to_ranges(positions)
    assert ranges == [[0, 3], [5, 6], [7, 10], [12, 13]]
    assert list(from_ranges(ranges)) == sorted(positions)
    assert to_ranges(range(50_000)) == [[0, 50_000]]


@pytest.mark.anyio
async def test_creating_a_batch_is_not_retried_when_it_may_have_happened() -> None:
    """A create that timed out may have created the batch: stop rather than pay twice.
    A create the service refused with a 5xx is retried; status polls are always retried."""
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    runner = SimpleNamespace(settings=SimpleNamespace(max_attempts=3))
    api = SimpleNamespace(name="fake-batch")
    work = BatchWork(
        SimpleNamespace(identity=dict),
        api,
        runner,
        None,
        [],
        None,
        None,
        Poller(first=2.0, sleep=sleep),
    )
    attempts = 0

    async def dropped() -> None:
        nonlocal attempts
        attempts += 1
        raise TransientError("fake-batch: connection failed (ReadTimeout)")

    with pytest.raises(RunStoppedError, match="may have been created"):
        await work.call(dropped, creates=True)
    assert attempts == 1 and slept == []
    with pytest.raises(RunStoppedError):
        await work.call(dropped)  # a poll: retried up to max_attempts
    assert attempts == 1 + 3 and slept == [2.0, 3.0]

    answers = iter([TransientError("HTTP 503", status=503), "created"])

    async def refused_once() -> str:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert await work.call(refused_once, creates=True) == "created"

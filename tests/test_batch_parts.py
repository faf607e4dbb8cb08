"""Batch parts: cut under both limits, framing counted, ranges exact."""

from __future__ import annotations

import pytest

from harness.errors import UsageError
from harness.run.batch.api import BatchLimits
from harness.run.batch.parts import from_ranges, split_parts, to_ranges


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
    parts = list(split_parts(((n, b"abc") for n in range(5)), BatchLimits(2, 100),
                             jsonl_framing, keep=False))
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

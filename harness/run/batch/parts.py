"""Split batch entries into parts that each fit the service's limits.

A part is one batch: at most ``max_requests`` entries and ``max_bytes`` bytes of
upload, counting the framing the upload puts around the entries (newlines of a
JSONL file, the brackets and commas of a JSON array). Parts are filled in plan
order and cut as soon as the next entry would not fit, so every part but the
last is full by one limit or the other.

The segments of a part are recorded in the run file as ranges of plan positions
(``[[0, 50000]]`` for a fresh run), which keeps the record small however many
segments a batch holds; the plan is rebuilt from the run header on resume.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from harness.errors import UsageError
from harness.run.batch.api import BatchLimits


@dataclass
class Part:
    """One batch's worth of entries: their plan positions, and the upload size."""

    positions: list[int] = field(default_factory=list)
    entries: list[bytes] = field(default_factory=list)
    size: int = 0


def split_parts(entries: Iterable[tuple[int, bytes]], limits: BatchLimits,
                framing: Callable[[int], int], *, keep: bool = True) -> Iterator[Part]:
    """Parts of ``(position, entry)`` pairs under ``limits``; ``keep=False`` drops the
    entries' bytes (sizes only, for estimates of very large plans)."""
    part = Part(size=framing(0))
    for position, entry in entries:
        count = len(part.positions)
        grown = part.size + len(entry) + framing(count + 1) - framing(count)
        if count and (count >= limits.max_requests or grown > limits.max_bytes):
            yield part
            part = Part(size=framing(0))
            grown = part.size + len(entry) + framing(1) - framing(0)
        if grown > limits.max_bytes:
            raise UsageError(f"one request of {len(entry):,} bytes is larger than a whole "
                             f"batch may be ({limits.max_bytes:,} bytes)")
        part.positions.append(position)
        if keep:
            part.entries.append(entry)
        part.size = grown
    if part.positions:
        yield part


def to_ranges(positions: Sequence[int]) -> list[list[int]]:
    """Sorted positions as ``[start, stop)`` ranges: ``[0, 1, 2, 5]`` -> ``[[0, 3], [5, 6]]``."""
    ranges: list[list[int]] = []
    for position in sorted(positions):
        if ranges and ranges[-1][1] == position:
            ranges[-1][1] = position + 1
        else:
            ranges.append([position, position + 1])
    return ranges


def from_ranges(ranges: Iterable[Sequence[int]]) -> Iterator[int]:
    for start, stop in ranges:
        yield from range(int(start), int(stop))

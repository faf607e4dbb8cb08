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


class Packer:
    """Fills parts one entry at a time; :func:`split_parts` for a whole stream.

    Push-style, so that one pass over a plan can fill several packers at once
    (the whole run's batches and each shard's, in the scale benchmark).
    """

    def __init__(
        self, limits: BatchLimits, framing: Callable[[int], int], *, keep: bool = True
    ) -> None:
        self.limits, self.framing, self.keep = limits, framing, keep
        self.part = Part(size=framing(0))

    def add(self, position: int, entry: bytes) -> Part | None:
        """Add one entry; returns the part it closed, if it did not fit there any more."""
        closed: Part | None = None
        count = len(self.part.positions)
        grown = self.part.size + len(entry) + self.framing(count + 1) - self.framing(count)
        if count and (count >= self.limits.max_requests or grown > self.limits.max_bytes):
            closed = self.part
            self.part = Part(size=self.framing(0))
            grown = self.part.size + len(entry) + self.framing(1) - self.framing(0)
        if grown > self.limits.max_bytes:
            raise UsageError(
                f"one request of {len(entry):,} bytes is larger than a whole "
                f"batch may be ({self.limits.max_bytes:,} bytes)"
            )
        self.part.positions.append(position)
        if self.keep:
            self.part.entries.append(entry)
        self.part.size = grown
        return closed

    def finish(self) -> Part | None:
        """The last, partly filled part (None if empty)."""
        part, self.part = self.part, Part(size=self.framing(0))
        return part if part.positions else None


def split_parts(
    entries: Iterable[tuple[int, bytes]],
    limits: BatchLimits,
    framing: Callable[[int], int],
    *,
    keep: bool = True,
) -> Iterator[Part]:
    """Parts of ``(position, entry)`` pairs under ``limits``; ``keep=False`` drops the
    entries' bytes (sizes only, for estimates of very large plans)."""
    packer = Packer(limits, framing, keep=keep)
    for position, entry in entries:
        closed = packer.add(position, entry)
        if closed is not None:
            yield closed
    last = packer.finish()
    if last is not None:
        yield last


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

"""Group work items into requests within a provider's limits.

Consecutive items of one language pair share a request while it stays within
``max_batch`` segments and ``max_chars`` characters. A segment longer than
``max_chars`` is split at sentence boundaries (:mod:`harness.run.splitting`) and
travels alone; its pieces are grouped into as few requests as the limits allow.
The dry run counts requests with the same functions the runner sends them with.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from harness.provider import Limits
from harness.run.plan import WorkItem
from harness.run.splitting import split_text


@dataclass
class Batch:
    items: list[WorkItem]
    pieces: list[list[str]] = field(default_factory=list)  # per item, its text pieces

    @property
    def split(self) -> bool:
        return len(self.items) == 1 and len(self.pieces[0]) > 1


def make_batches(items: Iterable[WorkItem], limits: Limits) -> Iterator[Batch]:
    current: Batch | None = None
    size = 0
    for item in items:
        text = item.text
        if len(text) > limits.max_chars:
            # A long segment travels alone; its pieces are grouped by piece_groups.
            yield Batch([item], [split_text(text, limits.max_chars, item.source_lang)])
            continue
        length = len(text)
        if (
            current is None
            or current.items[0].target_lang != item.target_lang
            or current.items[0].source_lang != item.source_lang
            or len(current.items) >= limits.max_batch
            or size + length > limits.max_chars
        ):
            if current is not None:
                yield current
            current, size = Batch([], []), 0
        current.items.append(item)
        current.pieces.append([text])
        size += length
    if current is not None and current.items:
        yield current


def piece_groups(pieces: list[str], limits: Limits) -> list[list[int]]:
    """Indices of ``pieces`` grouped into requests within ``limits``."""
    groups: list[list[int]] = []
    size = 0
    for number, piece in enumerate(pieces):
        full = bool(groups) and (
            len(groups[-1]) >= limits.max_batch or size + len(piece) > limits.max_chars
        )
        if not groups or full:
            groups.append([])
            size = 0
        groups[-1].append(number)
        size += len(piece)
    return groups


def request_count(batch: Batch, limits: Limits) -> int:
    return len(piece_groups(batch.pieces[0], limits)) if batch.split else 1

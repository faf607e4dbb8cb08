"""The work of a run: one item per (article, target language, variant, segment), and shards.

A plan is rebuilt identically from a run file's header (articles, targets,
variants, shard), which is what makes ``--resume`` and ``harness merge`` work.

Sharding (``--shard i/n``, ``i`` from 1 to ``n``): an item belongs to shard
``1 + (first 8 bytes of sha256(segment id) as a big-endian integer) mod n``.
The segment id (``<article>/<segment>/<variant>/<target>``) does not involve the
provider, so every provider splits the same way, the split does not depend on
the order of articles or languages on the command line, and shards stay
balanced even for a single article and language.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from harness.errors import UsageError
from harness.references.article import Article, ArticleSegment

_SHARD_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


def segment_key(article: str, segment: str, variant: str, target: str) -> str:
    return f"{article}/{segment}/{variant}/{target}"


@dataclass(frozen=True, slots=True)
class WorkItem:
    """One segment of one article variant, to be translated into one language."""

    article: str
    segment: ArticleSegment
    index: int
    variant: str
    source_lang: str
    target_lang: str

    @property
    def key(self) -> str:
        return segment_key(self.article, self.segment.id, self.variant, self.target_lang)

    @property
    def text(self) -> str:
        return self.segment.text(self.variant)


def plan_items(
    articles: Sequence[Article],
    variants: Sequence[str],
    targets: Sequence[str],
    source_lang: str | None = None,
) -> list[WorkItem]:
    """Every (article, target, variant, segment) in a stable order.

    ``source_lang`` defaults to each article's own language. An article is sent
    only in the variants it has (a plain text has one, ``original``).
    """
    items: list[WorkItem] = []
    for article in articles:
        language = source_lang or article.language  # properties: read once per article
        sendable = [variant for variant in variants if variant in article.variants]
        items += [
            WorkItem(article.id, seg, index, variant, language, target)
            for target in targets
            for variant in sendable
            for index, seg in enumerate(article.segments)
        ]
    return items


@dataclass(frozen=True, slots=True)
class Shard:
    """Shard ``index`` of ``count`` (1-based, as in ``--shard 2/4``)."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def holds(self, key: str) -> bool:
        return shard_of(key, self.count) == self.index

    def as_dict(self) -> dict[str, int]:
        return {"index": self.index, "count": self.count}

    @classmethod
    def from_header(cls, value: Any) -> Shard | None:
        if value is None:
            return None
        return cls(int(value["index"]), int(value["count"]))


def shard_of(key: str, count: int) -> int:
    """The 1-based shard a segment id falls into."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def parse_shard(text: str) -> Shard:
    """``"2/4"`` -> ``Shard(2, 4)``; a clear error for anything else."""
    match = _SHARD_RE.match(text)
    if not match:
        raise UsageError(f"--shard {text!r}: expected i/n, e.g. --shard 2/4")
    index, count = int(match.group(1)), int(match.group(2))
    if count < 1 or not 1 <= index <= count:
        raise UsageError(f"--shard {text!r}: i must be between 1 and n (n >= 1)")
    return Shard(index, count)


def in_shard(items: Iterable[WorkItem], shard: Shard | None) -> Iterator[WorkItem]:
    if shard is None or shard.count == 1:
        yield from items
        return
    for item in items:
        if shard.holds(item.key):
            yield item

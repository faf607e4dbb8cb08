"""``harness run --batch --dry-run``: the batches a run would make, and their price.

Builds every request exactly as the run would (nothing is sent), splits them
into parts under the service's limits (leaving out what the cache holds and
what is too long for one request, as the run would) and reports the parts' sizes next to the
limits, and the synchronous estimate's cost at the batch price.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from harness.models import LangPair
from harness.references.article import Article
from harness.run.batch.api import BatchLimits, BatchRequest, load_batch_api
from harness.run.batch.driver import has_batch_api
from harness.run.batch.parts import split_parts
from harness.run.cache import RequestKeys, TranslationCache
from harness.run.estimate import Estimate, estimate_run
from harness.run.execution import open_provider
from harness.run.instances import ProviderPlan
from harness.run.plan import Shard, WorkItem, in_shard, plan_items


@dataclass
class BatchEstimate:
    base: Estimate
    api: str
    limits: BatchLimits
    price_factor: float
    #: (requests, bytes) of every part, in order.
    parts: list[tuple[int, int]]

    @property
    def cost(self) -> float | None:
        return None if self.base.cost is None else self.base.cost * self.price_factor


async def estimate_batch_run(
    plan: ProviderPlan,
    articles: Sequence[Article],
    *,
    targets: Sequence[str] | None,
    variants: Sequence[str],
    shard: Shard | None = None,
    cache: TranslationCache | None = None,
) -> BatchEstimate:
    has_batch_api(plan)
    base = await estimate_run(
        plan, articles, targets=targets, variants=variants, shard=shard, cache=cache
    )
    async with open_provider(plan) as provider:
        api = load_batch_api(provider)
        identity = provider.identity()
        items = in_shard(plan_items(articles, variants, base.targets), shard)
        entries = (
            (
                position,
                api.entry(
                    BatchRequest(
                        api.custom_id(item.key),
                        item.text,
                        LangPair(item.source_lang, item.target_lang),
                    )
                ),
            )
            for position, item in _uncached(enumerate(items), cache, RequestKeys(identity))
            if len(item.text) <= provider.limits.max_chars
        )
        parts = [
            (len(part.positions), part.size)
            for part in split_parts(entries, api.limits, api.framing, keep=False)
        ]
    return BatchEstimate(base, api.name, api.limits, api.price_factor, parts)


def _uncached(
    items: Iterable[tuple[int, WorkItem]], cache: TranslationCache | None, keys: RequestKeys
) -> Iterator[tuple[int, WorkItem]]:
    """The items the cache cannot serve, looked up a chunk of keys at a time (the plan
    may hold millions of segments, so it is streamed, not listed)."""
    if cache is None:
        yield from items
        return
    chunk: list[tuple[int, WorkItem]] = []
    for entry in items:
        chunk.append(entry)
        if len(chunk) >= _LOOKUP_CHUNK:
            yield from _drop_held(chunk, cache, keys)
            chunk = []
    yield from _drop_held(chunk, cache, keys)


def _drop_held(
    chunk: list[tuple[int, WorkItem]], cache: TranslationCache, keys: RequestKeys
) -> list[tuple[int, WorkItem]]:
    wanted = [keys(item.source_lang, item.target_lang, item.text) for _, item in chunk]
    held = cache.held(wanted)
    return [entry for key, entry in zip(wanted, chunk, strict=True) if key not in held]


# Keys per cache query while estimating (SQLite's default limit is 32,766 variables).
_LOOKUP_CHUNK = 500

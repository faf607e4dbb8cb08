"""``harness run --dry-run``: what a run would send and cost, without sending anything.

Requests are counted with the batching the runner uses (:mod:`harness.run.batching`);
segments already in the cache are left out, as the run would serve them from
there. Characters are code points of the source text. Tokens are estimated at
four characters per token (the usual rule of thumb for English with the common
byte-pair tokenizers; prompts that LLM adapters wrap around the text are not
counted), and output tokens are assumed equal to input tokens. Prices come from
the instance's config (``price_per_million_chars``,
``price_per_million_input_tokens``, ``price_per_million_output_tokens``); the
cost is printed only when one of them is set.

The provider's ``prepare()`` (asking a backend which pairs it has) is called only
when no ``--to`` is given, since the default targets come from its answer, or when
the adapter is a local engine (asking it sends nothing over the network).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from harness.models import LangPair
from harness.references.article import Article
from harness.run.batching import make_batches, request_count
from harness.run.cache import RequestKeys, TranslationCache
from harness.run.execution import choose_targets, open_provider
from harness.run.instances import ProviderPlan
from harness.run.plan import Shard, WorkItem, in_shard, plan_items
from harness.run.prices import price_table

CHARS_PER_TOKEN = 4


@dataclass
class Estimate:
    provider: str
    targets: list[str]
    segments: int
    cached: int
    requests: int
    characters: int
    cost: float | None
    price_source: str | None = None  # "config", or the price table's date

    @property
    def tokens(self) -> int:
        return math.ceil(self.characters / CHARS_PER_TOKEN)


async def estimate_run(
    plan: ProviderPlan,
    articles: Sequence[Article],
    *,
    targets: Sequence[str] | None,
    variants: Sequence[str],
    shard: Shard | None = None,
    cache: TranslationCache | None = None,
) -> Estimate:
    async with open_provider(plan) as provider:
        if targets and provider.uses_http:
            chosen = list(targets)
            for article in articles:
                for target in chosen:
                    provider.check_pair(LangPair(article.language, target))
        else:
            chosen = await choose_targets(provider, plan, articles, targets)
        identity = provider.identity()
        items = list(in_shard(plan_items(articles, variants, chosen), shard))
        to_send = items if cache is None else _not_cached(items, cache, identity)
        requests = sum(
            request_count(batch, provider.limits)
            for batch in make_batches(to_send, provider.limits)
        )
    characters = sum(len(item.text) for item in to_send)
    cost, source = price(plan, characters, identity)
    return Estimate(
        plan.instance.name,
        chosen,
        len(items),
        len(items) - len(to_send),
        requests,
        characters,
        cost,
        source,
    )


def _not_cached(
    items: list[WorkItem], cache: TranslationCache, identity: dict[str, Any]
) -> list[WorkItem]:
    """The items the cache does not hold: one grouped lookup, no values read."""
    keys = RequestKeys(identity)
    wanted = [keys(item.source_lang, item.target_lang, item.text) for item in items]
    held = cache.held(wanted)
    return [item for item, key in zip(items, wanted, strict=True) if key not in held]


def price(
    plan: ProviderPlan, characters: int, identity: Mapping[str, Any] | None = None
) -> tuple[float | None, str | None]:
    """The cost and where its prices came from: the instance's own prices, else the
    shipped table's for the adapter and model (:mod:`harness.run.prices`)."""
    prices: Mapping[str, float] | None = plan.instance.prices
    source: str | None = "config"
    if not prices:
        table = price_table()
        model = ((identity or {}).get("options") or {}).get("model")
        prices = table.lookup(plan.instance.adapter, model if isinstance(model, str) else None)
        source = f"price table of {table.as_of}, {table.currency}"
    if not prices:
        return None, None
    tokens = math.ceil(characters / CHARS_PER_TOKEN)
    return (
        characters * prices.get("price_per_million_chars", 0.0)
        + tokens * prices.get("price_per_million_input_tokens", 0.0)
        + tokens * prices.get("price_per_million_output_tokens", 0.0)
    ) / 1_000_000, source

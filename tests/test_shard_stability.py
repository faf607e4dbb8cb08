"""Shard keys stay put when the plan grows: adding articles or languages moves no segment.

A nightly matrix keeps its shard count while articles and languages are added;
if an existing segment changed shard, yesterday's shard files and today's
would no longer line up (and caches and baselines per shard would churn).
"""

from __future__ import annotations

import dataclasses

from harness.references.article import Article
from harness.run.plan import Shard, in_shard, plan_items, shard_of
from tests.engine_helpers import seed_article

VARIANTS = ["spun", "restored"]


def other_article(base: Article, article_id: str) -> Article:
    return dataclasses.replace(base, id=article_id, meta={**base.meta, "id": article_id})


def shards(articles: list[Article], targets: list[str], count: int) -> dict[str, int]:
    return {item.key: shard_of(item.key, count) for item in plan_items(articles, VARIANTS, targets)}


def test_adding_articles_and_languages_moves_no_existing_segment() -> None:
    seed = seed_article()
    before = shards([seed], ["de", "fr"], 4)
    grown = shards(
        [other_article(seed, "a-2026-01-01-new"), seed, other_article(seed, "z-2026-02-02-later")],
        ["uk", "de", "ja", "fr"],
        4,
    )
    assert len(grown) == 6 * len(before)
    assert {key: grown[key] for key in before} == before
    # And the grown plan still spreads over every shard.
    assert set(grown.values()) == {1, 2, 3, 4}


def test_a_shard_of_the_grown_plan_holds_its_old_members() -> None:
    seed = seed_article()
    old = {i.key for i in in_shard(plan_items([seed], VARIANTS, ["de"]), Shard(2, 3))}
    new = {
        i.key
        for i in in_shard(
            plan_items([seed, other_article(seed, "b-extra")], VARIANTS, ["es", "de"]), Shard(2, 3)
        )
    }
    assert old and old <= new
    everything_old = {i.key for i in plan_items([seed], VARIANTS, ["de"])}
    assert new & everything_old == old  # nothing from another shard moved in either

"""What ``harness run`` translates with when no ``--provider`` is given: the real local engines.

Apertium (rule-based, Debian packages) takes its installed pairs and Bergamot
(neural, ``harness[neural]``) takes Portuguese, so the default run shows both
kinds of engine on the same article. With ``--to``, each engine takes the
languages it offers and a language neither offers is a usage error. An engine
that is not installed is left out with a one-line note, unless no engine is left.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import click

from harness.errors import UnsupportedLanguageError, UsageError
from harness.models import LangPair
from harness.provider import Provider
from harness.references.article import Article
from harness.run.execution import open_provider
from harness.run.instances import ProviderPlan

DEFAULT_PROVIDERS = ("apertium", "bergamot")


@dataclass(frozen=True)
class DefaultRun:
    """One default engine and the targets it takes (``None``: its own defaults)."""

    plan: ProviderPlan
    targets: list[str] | None


def _offers(provider: Provider, sources: Sequence[str], target: str) -> bool:
    try:
        for source in sources:
            provider.check_pair(LangPair(source, target))
    except UnsupportedLanguageError:
        return False
    return True


async def _assign(
    plan: ProviderPlan, sources: Sequence[str], targets: Sequence[str]
) -> list[str] | None:
    """The targets ``plan``'s engine takes, or None (its defaults); UsageError if not installed."""
    async with open_provider(plan) as provider:
        await provider.prepare()
        if targets:
            return [t for t in targets if _offers(provider, sources, t)]
        if not any(provider.default_targets(source) for source in sources):
            raise UsageError(f"{plan.instance.name}: translates from none of {list(sources)}")
        return None


async def default_runs(
    plans: Sequence[ProviderPlan], articles: Sequence[Article], targets: Sequence[str]
) -> list[DefaultRun]:
    """Share the targets among the installed default engines (see the module docstring)."""
    sources = sorted({article.language for article in articles})
    runs: list[DefaultRun] = []
    left_out: list[UsageError] = []
    for plan in plans:
        try:
            mine = await _assign(plan, sources, targets)
        except UsageError as exc:
            left_out.append(exc)
            continue
        if mine is None or mine:
            runs.append(DefaultRun(plan, mine))
    taken = {t for run in runs for t in (run.targets or [])}
    unserved = [t for t in targets if t not in taken]
    if unserved:
        names = ", ".join(plan.instance.name for plan in plans)
        why = "".join(f"; {reason}" for reason in left_out)
        raise UsageError(
            f"no default engine ({names}) translates {', '.join(sources)} -> "
            f"{', '.join(unserved)}{why}; name one with --provider (see `harness providers`)"
        )
    if not runs:
        raise left_out[0]
    for reason in left_out:
        click.echo(f"harness: left out of the default run: {reason}", err=True)
    return runs

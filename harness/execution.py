"""Execute one provider run end to end: check, write the header, run, write the footer.

Kept apart from the command line so that tests, benchmarks and library users
run exactly what ``harness run`` runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness import __version__
from harness.errors import UsageError
from harness.instances import ProviderPlan, build_client
from harness.models import LangPair
from harness.references import Article
from harness.runfile import RunWriter, new_run_id, utc_now
from harness.runner import RunCounts, Runner, plan_items


@dataclass
class RunResult:
    run_id: str
    path: Path
    provider: str
    counts: RunCounts
    seconds: float
    by_target: dict[str, RunCounts]


async def execute_run(
    plan: ProviderPlan,
    articles: Sequence[Article],
    *,
    targets: Sequence[str] | None,
    variants: Sequence[str],
    runs_dir: Path,
    on_start: Callable[[str, int], None] | None = None,
    on_record: Callable[[str, dict[str, Any]], None] | None = None,
) -> RunResult:
    """Run ``plan`` over ``articles``; every check happens before the run file exists."""
    client = build_client(plan.settings) if plan.cls.uses_http else None
    provider = plan.cls(plan.options, client=client, secrets=plan.secrets)
    try:
        await provider.prepare()
        sources = sorted({article.language for article in articles})
        chosen = list(targets or [])
        if not chosen:
            for source in sources:
                chosen += [t for t in provider.default_targets(source) if t not in chosen]
        if not chosen:
            raise UsageError(
                f"{plan.instance.name}: no target languages; give them with --to (e.g. --to de,fr)"
            )
        for source in sources:
            for target in chosen:
                provider.check_pair(LangPair(source, target))
        items = [
            item
            for article in articles
            for item in plan_items([article], variants, chosen, article.language)
        ]
        run_id = new_run_id(plan.instance.name)
        path = runs_dir / f"{run_id}.jsonl"
        by_target: dict[str, RunCounts] = {t: RunCounts() for t in chosen}

        def record(rec: dict[str, Any]) -> None:
            counts = by_target[rec["target_lang"]]
            counts.segments += 1
            if rec["error"] is None:
                counts.ok += 1
            else:
                counts.errors += 1
            if on_record is not None:
                on_record(plan.instance.name, rec)

        started = time.monotonic()
        with RunWriter(path) as writer:
            writer.header({
                "run_id": run_id,
                "created": utc_now(),
                "harness_version": __version__,
                "provider": plan.identity(provider),
                "settings": {
                    "concurrency": plan.settings.concurrency,
                    "timeout": plan.settings.timeout,
                    "max_attempts": plan.settings.max_attempts,
                    "rate_limit": plan.settings.rate_limit,
                },
                "articles": [
                    {"id": a.id, "title": a.title, "language": a.language,
                     "segments": len(a.segments),
                     "digests": {"spun": a.digest("spun"), "restored": a.digest("restored")}}
                    for a in articles
                ],
                "source_lang": sources[0] if len(sources) == 1 else sources,
                "targets": chosen,
                "variants": list(variants),
            })
            if on_start is not None:
                on_start(plan.instance.name, len(items))
            runner = Runner(provider, plan.settings, writer,
                            on_record=record)
            counts = await runner.run(items)
            writer.footer(counts.as_dict(), engines=sorted(runner.engines))
        return RunResult(run_id, path, plan.instance.name, counts,
                         time.monotonic() - started, by_target)
    finally:
        await provider.aclose()
        if client is not None:
            await client.aclose()

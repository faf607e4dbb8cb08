"""Helpers for the run-engine tests: a fake clock, plans for the fault-batch plugin."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.references.article import Article, load_article
from harness.run.config import Config, RunSettings
from harness.run.execution import RunControl
from harness.run.instances import ProviderPlan, plan_provider
from tests.fakes import batch_provider
from tests.helpers import REFERENCES, SEED_ID, read_jsonl


class FakeTime:
    """A clock that only moves when someone sleeps; every sleep is recorded."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)

    def control(self) -> RunControl:
        return RunControl(sleep=self.sleep, clock=self.clock)


def seed_article() -> Article:
    return load_article(SEED_ID, REFERENCES)


def batch_plan(
    base_url: str, *, environ: dict[str, str] | None = None, **settings: Any
) -> ProviderPlan:
    options = {"base_url": base_url}
    for key in ("max_batch", "max_chars", "check_languages"):
        if key in settings:
            options[key] = settings.pop(key)
    config = Config(None, RunSettings(), {})
    return plan_provider(
        batch_provider.NAME,
        config=config,
        registry=batch_provider.registry(),
        overrides=options,
        settings=settings,
        environ=environ or {},
    )


def segment_lines(path: Path) -> list[dict[str, Any]]:
    return [r for r in read_jsonl(path) if r["type"] == "segment"]


def expected_output(record: dict[str, Any]) -> str:
    return f"[{record['target_lang']}] {record['source']}"

"""Pick up an existing run file: what it holds, and the plan that rebuilds the rest.

The header holds everything the plan needs: the provider instance, adapter,
adapter version and options (never a secret: the key is read from the
environment again), the articles with the digests of their texts, the target
languages, the variants and the shard. An article whose text changed since
the run started, or an adapter whose version changed, is refused: the rest of
the run would not be comparable with what is already in the file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from harness.errors import ArticleError, ConfigError, RunFileError
from harness.inputs.content import rebuild_inputs
from harness.references.article import Article, load_article
from harness.run.config import Config, ProviderInstance, collect_secrets
from harness.run.instances import ProviderPlan
from harness.run.plan import Shard, WorkItem, in_shard, plan_items
from harness.run.registry import Registry
from harness.runfile import (
    RunCounts,
    RunHeader,
    SegmentRecord,
    Tally,
    iter_records,
    repair_torn_tail,
)


@dataclass
class RunState:
    """What an existing run file holds, read in one streaming pass."""

    path: Path
    header: RunHeader
    complete: bool
    repaired: bool
    done: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)
    tally: Tally = field(default_factory=Tally)

    @property
    def run_id(self) -> str:
        return self.header.run_id or self.path.stem

    @property
    def counts(self) -> RunCounts:
        return self.tally.counts

    @property
    def by_target(self) -> dict[str, RunCounts]:
        return self.tally.by_target

    def add(self, segment: SegmentRecord) -> None:
        self.done.add(segment.id)
        if not segment.ok:
            self.failed.add(segment.id)
        self.tally.add(segment)


def find_run(reference: str, runs_dir: Path) -> Path:
    """A run file from a path or a run id (looked up in ``runs_dir``)."""
    path = Path(reference)
    if path.is_file():
        return path
    for candidate in (runs_dir / reference, runs_dir / f"{reference}.jsonl"):
        if candidate.is_file():
            return candidate
    raise RunFileError(f"{reference}: no such run file (nor a run id in {runs_dir})")


def read_state(path: Path, *, repair: bool = True) -> RunState:
    """Repair a torn last line (when ``repair``), then count what the file holds."""
    repaired = repair_torn_tail(path) if repair else False
    state: RunState | None = None
    last_type = ""
    for number, record in iter_records(path):
        last_type = record.type
        if isinstance(record, RunHeader):
            state = RunState(path, record, False, repaired)
        elif isinstance(record, SegmentRecord) and state is not None:
            if record.id in state.done:
                raise RunFileError(f"{path}:{number}: segment {record.id} appears twice")
            state.add(record)
    if state is None:
        raise RunFileError(f"{path}: no header line")
    header = state.header
    for field_name in ("provider", "articles", "targets", "variants"):
        if field_name not in header.model_fields_set:
            raise RunFileError(f"{path}:1: header lacks {field_name!r}; cannot rebuild the plan")
    state.complete = last_type == "footer"
    return state


def rebuild_provider(
    header: RunHeader,
    *,
    config: Config,
    registry: Registry,
    settings: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> ProviderPlan:
    """The provider plan of a run, from its header; the key comes from the environment."""
    identity = header.provider
    name, adapter = str(identity["name"]), str(identity["adapter"])
    cls = registry.load(adapter)
    if str(identity.get("adapter_version")) != cls.version:
        raise RunFileError(
            f"the run was made with {adapter} adapter version {identity.get('adapter_version')}, "
            f"the installed one is version {cls.version}; start a new run instead"
        )
    try:
        options = cls.Options(**identity.get("options", {}))
    except ValidationError as exc:
        raise ConfigError(
            f"options of {adapter} in the run header no longer validate: {exc.errors()[0]['msg']}"
        ) from None
    configured = config.instances.get(name)
    if configured is not None and configured.adapter == adapter:
        instance = replace(configured, options=identity.get("options", {}))
    else:
        instance = ProviderInstance(
            name, adapter, identity.get("options", {}), config.defaults, "run header"
        )
    secrets = collect_secrets(cls, os.environ if environ is None else environ)
    run_settings = replace(
        instance.settings, **{k: v for k, v in (settings or {}).items() if v is not None}
    )
    return ProviderPlan(instance, cls, options, secrets, run_settings)


def rebuild_articles(header: RunHeader, root: Path) -> list[Article]:
    """The run's articles, checked against the digests recorded when it started.

    Articles read from the user's own files (header ``inputs``) are read from
    those files again, checked against their sha256."""
    own = rebuild_inputs(header.inputs or [])
    read = {article.id: article for article in own}
    articles = []
    for entry in header.articles:
        if entry.id in read:
            articles.append(read[entry.id])
            continue
        article = load_article(entry.id, root)
        for variant, digest in entry.digests.items():
            if article.digest(variant) != digest:
                raise ArticleError(
                    f"article {article.id!r}: the {variant} text changed since the run started "
                    "(its sha256 differs from the run header); start a new run instead"
                )
        articles.append(article)
    return articles


def remaining_items(header: RunHeader, articles: list[Article], skip: set[str]) -> list[WorkItem]:
    """The run's plan (shard applied) without the segments in ``skip``."""
    items = plan_items(articles, list(header.variants), list(header.targets))
    shard = Shard.from_header(header.shard)
    return [item for item in in_shard(items, shard) if item.key not in skip]

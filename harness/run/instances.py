"""Turn a ``--provider`` name into a ready adapter: registry, config, options, secrets, client.

(``build_client`` lives in :mod:`harness.run.http_client` and is re-exported here.)

This is the one place where the environment is read for keys and where HTTP
clients are built; adapters receive both.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from harness.provider import Provider, ProviderOptions
from harness.run.config import (
    Config,
    ProviderInstance,
    RunSettings,
    build_options,
    collect_secrets,
    resolve_instance,
)
from harness.run.http_client import build_client
from harness.run.registry import Registry


@dataclass(frozen=True)
class ProviderPlan:
    """Everything needed to construct a provider, checked before any work starts."""

    instance: ProviderInstance
    cls: type[Provider]
    options: ProviderOptions
    secrets: Mapping[str, str]
    settings: RunSettings

    def identity(self, provider: Provider) -> dict[str, Any]:
        return {"name": self.instance.name, **provider.identity()}


def plan_provider(
    name: str,
    *,
    config: Config,
    registry: Registry,
    overrides: Mapping[str, Any] | None = None,
    settings: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    require_keys: bool = True,
) -> ProviderPlan:
    """Resolve and validate a provider: unknown names, bad options and missing keys fail here.

    ``require_keys=False`` (a dry run, which sends nothing) takes the keys that are set
    and lets a missing one pass.
    """
    instance = resolve_instance(config, name, registry)
    cls = registry.load(instance.adapter)
    options = build_options(cls, instance, overrides or {})
    secrets = collect_secrets(
        cls, os.environ if environ is None else environ, required=require_keys, options=options
    )
    run_settings = replace(
        instance.settings, **{k: v for k, v in (settings or {}).items() if v is not None}
    )
    return ProviderPlan(instance, cls, options, secrets, run_settings)


__all__ = ["ProviderPlan", "build_client", "plan_provider"]

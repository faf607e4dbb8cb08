"""Find providers through the ``harness.providers`` entry-point group.

First-party adapters and third-party plugins are registered the same way, so
the plugin path never rots. Listing reads entry-point metadata only; a module
is imported when its provider is selected (or when ``harness providers`` asks
for status). A plugin that fails to import is reported as broken with the
reason, never skipped silently.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points

from harness.errors import UnknownProviderError, UsageError
from harness.provider import Provider

GROUP = "harness.providers"


class BrokenProviderError(UsageError):
    """A registered provider could not be loaded; the message says why."""


@dataclass(frozen=True)
class ProviderEntry:
    """A registered adapter, known from metadata alone."""

    name: str
    target: str  # "module:attr"
    distribution: str
    version: str

    @property
    def origin(self) -> str:
        """'built-in' for the adapters shipped with harness, else the plugin's distribution."""
        return "built-in" if self.distribution == "harness" else self.distribution


@dataclass(frozen=True)
class ProviderStatus:
    entry: ProviderEntry
    provider: type[Provider] | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.error is None


class Registry:
    """The set of providers visible through entry points (or given explicitly, for tests)."""

    def __init__(self, entries: list[EntryPoint] | None = None) -> None:
        eps = entries if entries is not None else list(entry_points(group=GROUP))
        self._eps: dict[str, EntryPoint] = {}
        for ep in eps:
            # The first registration of a name wins; a later duplicate is ignored so that an
            # installed copy and an editable copy of one distribution do not clash.
            self._eps.setdefault(ep.name, ep)
        self._loaded: dict[str, type[Provider]] = {}

    def names(self) -> list[str]:
        return sorted(self._eps)

    def entry(self, name: str) -> ProviderEntry:
        ep = self._entry_point(name)
        dist = ep.dist
        return ProviderEntry(
            name=ep.name,
            target=ep.value,
            distribution=dist.metadata["Name"] if dist is not None else "unknown",
            version=dist.version if dist is not None else "unknown",
        )

    def entries(self) -> list[ProviderEntry]:
        return [self.entry(name) for name in self.names()]

    def suggest(self, name: str, extra: list[str] | None = None) -> list[str]:
        candidates = self.names() + list(extra or [])
        return difflib.get_close_matches(name, candidates, n=3, cutoff=0.6)

    def _entry_point(self, name: str) -> EntryPoint:
        try:
            return self._eps[name]
        except KeyError:
            raise UnknownProviderError(name, self.suggest(name), self.names()) from None

    def load(self, name: str) -> type[Provider]:
        """Import and check the provider class registered as ``name``."""
        if name in self._loaded:
            return self._loaded[name]
        ep = self._entry_point(name)
        try:
            obj = ep.load()
        except Exception as exc:  # any import-time failure of a plugin makes it broken
            raise BrokenProviderError(
                f"provider {name!r} ({ep.value}) failed to import: {type(exc).__name__}: {exc}"
            ) from exc
        if not (isinstance(obj, type) and issubclass(obj, Provider)):
            raise BrokenProviderError(
                f"provider {name!r} ({ep.value}) is not a harness.provider.Provider subclass"
            )
        self._loaded[name] = obj
        return obj

    def status(self, name: str) -> ProviderStatus:
        entry = self.entry(name)
        try:
            return ProviderStatus(entry, self.load(name), None)
        except BrokenProviderError as exc:
            return ProviderStatus(entry, None, str(exc))

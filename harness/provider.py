"""The provider contract: what an adapter (first-party or plugin) implements.

An adapter is one class with one async method::

    class MyProvider(Provider[MyOptions]):
        name = "my-backend"
        Options = MyOptions                     # pydantic model, unknown keys refused
        credentials = (Credential("MY_API_KEY"),)
        limits = Limits(max_batch=50, max_chars=30_000)

        async def translate(self, batch, pair): ...

It receives its HTTP client and secrets from the core and never reads the
environment, builds clients, retries, caches or sleeps: those live once, in the
runner, for every provider. ``translate`` returns exactly one
:class:`~harness.models.Translation` per segment, in order, and raises the
errors of :mod:`harness.errors`.

``Provider`` is generic in its options type, so ``self.options`` has the
adapter's own fields for the type checker. Adapters that speak HTTP build on
the public adapter kit (:mod:`harness.kit`): one Retry-After parser, one secret
redactor, one send-and-map-status helper and a chat adapter template.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, cast

import httpx
from pydantic import BaseModel, ConfigDict
from typing_extensions import TypeVar

from harness.errors import UnsupportedLanguageError
from harness.models import LangPair, Segment, Translation


class ProviderOptions(BaseModel):
    """Base of every adapter's options: typed, immutable, unknown keys are an error."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class HttpOptions(ProviderOptions):
    """Options shared by adapters that speak HTTP: where the backend lives."""

    base_url: str


@dataclass(frozen=True, slots=True)
class Credential:
    """An environment variable the adapter needs (or may use) for its key."""

    env: str
    required: bool = True
    help: str = ""
    #: An option that stands in for the variable when set (e.g. a command printing a token).
    option: str = ""


@dataclass(frozen=True, slots=True)
class Limits:
    """What one request may carry: segments and characters (code points) in total."""

    max_batch: int = 1
    max_chars: int = 5_000


#: The options model of an adapter; a bare ``Provider`` takes the base options.
OptionsT = TypeVar("OptionsT", bound=ProviderOptions, default=ProviderOptions)


class Provider(ABC, Generic[OptionsT]):
    """Base class of adapters. Subclasses set the class attributes and ``translate``."""

    name: ClassVar[str]
    #: Bump when the adapter changes what it sends or how it reads answers: part of the cache key.
    version: ClassVar[str] = "1"
    Options: ClassVar[type[ProviderOptions]] = ProviderOptions
    credentials: ClassVar[tuple[Credential, ...]] = ()
    limits: Limits = Limits()
    #: False for adapters that need no HTTP client (command-line engines, the echo baseline).
    uses_http: ClassVar[bool] = True
    #: False for engines whose output follows what is installed (Apertium through APy):
    #: an upgrade under the same options must not be answered from the cache.
    cache_outputs: ClassVar[bool] = True
    description: ClassVar[str] = ""
    #: ``"module:attr"`` of the adapter's batch service wrapper (``harness run --batch``), if any.
    batch_api: ClassVar[str | None] = None

    def __init__(
        self,
        options: OptionsT | None = None,
        *,
        client: httpx.AsyncClient | None = None,
        secrets: Mapping[str, str] | None = None,
    ) -> None:
        self.options: OptionsT = (
            options if options is not None else cast("OptionsT", self.Options())
        )
        self.client = client
        self.secrets: Mapping[str, str] = dict(secrets or {})

    # -- what the core asks before any work -------------------------------------------

    async def prepare(self) -> None:
        """Learn what the backend offers (e.g. ask a server for its language pairs).

        Called once by the runner, with the client in place, before ``check_pair``.
        """

    def language_table(self) -> Mapping[str, str] | None:
        """BCP-47 code -> backend code for every language the backend takes, or None if unknown."""
        return None

    def supported_pairs(self) -> list[LangPair] | None:
        """Every direction the backend translates; None when any pair of known languages works."""
        return None

    def check_pair(self, pair: LangPair) -> None:
        """Raise :class:`UnsupportedLanguageError` before any request if ``pair`` cannot work."""
        pairs = self.supported_pairs()
        if pairs is not None:
            if pair not in pairs:
                offered = ", ".join(sorted(str(p) for p in pairs)) or "none"
                raise UnsupportedLanguageError(
                    f"{self.name} cannot translate {pair.source} -> {pair.target}; "
                    f"available pairs: {offered}"
                )
            return
        table = self.language_table()
        if table is None:
            return
        for role, code in (("source", pair.source), ("target", pair.target)):
            if code not in table:
                raise UnsupportedLanguageError(
                    f"{self.name} does not support {role} language {code!r}; "
                    f"supported: {', '.join(sorted(table))}"
                )

    def default_targets(self, source: str) -> list[str]:
        """Target languages used when the user gives no ``--to``: every pair from ``source``."""
        pairs = self.supported_pairs() or []
        return sorted({p.target for p in pairs if p.source == source})

    def identity(self) -> dict[str, Any]:
        """What goes into run-file headers and cache keys. Never holds a secret."""
        return {
            "adapter": self.name,
            "adapter_version": self.version,
            "options": self.options.model_dump(mode="json"),
        }

    @property
    def key(self) -> str | None:
        """The value of the first credential, for adapters with a single key."""
        if not self.credentials:
            return None
        return self.secrets.get(self.credentials[0].env) or None

    # -- the one method -----------------------------------------------------------------

    @abstractmethod
    async def translate(self, batch: Sequence[Segment], pair: LangPair) -> list[Translation]:
        """Translate ``batch`` (within ``limits``): one Translation per segment, in order."""

    async def aclose(self) -> None:
        """Release resources the adapter holds (processes, pipes); the core owns the client."""

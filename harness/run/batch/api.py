"""The batch capability an adapter can offer, and how the core finds it.

An adapter whose backend has a batch service (OpenAI Batch API, Anthropic
Message Batches) names a class in ``batch_api`` (``"module:attr"``, loaded only
when ``--batch`` is asked for, as the registry loads adapters). That class wraps
the adapter, so requests are built and answers checked by the very code of the
synchronous path; it only knows the batch service's own endpoints and formats.

The core drives every batch service the same way: build one entry per segment,
split the entries into parts under the service's limits, submit each part,
poll, read the results keyed by ``custom_id`` and turn each into a translation
or a segment error.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from harness.errors import ProviderError, UsageError
from harness.models import LangPair, Segment, Translation
from harness.provider import Provider


@dataclass(frozen=True, slots=True)
class BatchLimits:
    """What one batch may hold: requests, and bytes of the encoded upload."""

    max_requests: int
    max_bytes: int


@dataclass(frozen=True, slots=True)
class BatchStatus:
    """A batch as its service reports it, in a shape the core can act on."""

    id: str
    #: The service's own word for its state (``in_progress``, ``completed``, ``ended`` ...).
    state: str
    #: True once the service will do no more work on it (completed, expired, cancelled, failed).
    ended: bool
    #: Requests in total, finished ok, failed (as far as the service tells).
    total: int = 0
    succeeded: int = 0
    failed: int = 0
    #: Where results are (output/error file ids, results URL) and other fields worth keeping.
    detail: dict[str, Any] = field(default_factory=dict)

    def as_record(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "ended": self.ended,
            "total": self.total,
            "succeeded": self.succeeded,
            "failed": self.failed,
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class BatchRequest:
    """One segment to translate, as the batch service will see it."""

    custom_id: str
    text: str
    pair: LangPair


class BatchFailedError(ProviderError):
    """The batch service refused or lost a whole batch (failed validation, expired, cancelled)."""


class BatchApi(Protocol):
    """What a batch service wrapper offers the core."""

    #: Name for messages and the run file (``openai-batch``).
    name: str
    limits: BatchLimits
    #: Share of the synchronous price a batch costs (0.5 = half price).
    price_factor: float

    def custom_id(self, key: str) -> str:
        """The ``custom_id`` of a segment id, in the characters the service accepts."""

    def entry(self, request: BatchRequest) -> bytes:
        """One request, encoded as it appears in the upload (without separators)."""

    def framing(self, count: int) -> int:
        """Bytes the upload adds around ``count`` entries (brackets, commas, newlines)."""

    async def submit(self, entries: list[bytes], label: str) -> BatchStatus:
        """Upload and create one batch; ``label`` goes into the service's metadata if any."""

    async def status(self, batch_id: str) -> BatchStatus:
        """Ask the service how the batch is doing."""

    async def cancel(self, batch_id: str) -> BatchStatus:
        """Ask the service to stop the batch; results so far remain available."""

    def results(self, status: BatchStatus) -> AsyncIterator[tuple[str, Any]]:
        """Every result of an ended batch: ``(custom_id, raw result)``, in any order."""

    def translation(self, result: Any, segment: Segment, pair: LangPair) -> Translation:
        """A raw result as a translation, with the synchronous path's checks; or raise
        the :class:`~harness.errors.ProviderError` it stands for."""


def load_batch_api(provider: Provider) -> BatchApi:
    """The batch service of ``provider``; a clear usage error when it has none."""
    target = provider.batch_api
    if not target:
        raise UsageError(f"{provider.name}: this adapter has no batch API; run without --batch")
    module_name, _, attr = str(target).partition(":")
    cls = getattr(importlib.import_module(module_name), attr)
    api: BatchApi = cls(provider)
    return api

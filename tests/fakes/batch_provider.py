"""``fault-batch``: a small provider for the JSON batch protocol of the fault server.

A plugin in every sense: tests register it through the real entry-point
machinery, either with an explicit :class:`~importlib.metadata.EntryPoint` in a
:class:`~harness.run.registry.Registry` or with a ``.dist-info`` folder on
``sys.path`` (:func:`install_plugin`) so that a ``harness`` subprocess finds it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import httpx
from pydantic import Field

from harness.errors import (
    AuthError,
    BadResponseError,
    QuotaError,
    RateLimitError,
    TransientError,
)
from harness.models import LangPair, Segment, Translation, Usage
from harness.provider import Credential, HttpOptions, Limits, Provider
from harness.run.registry import GROUP, Registry
from tests.helpers import REPO

NAME = "fault-batch"
TARGET = "tests.fakes.batch_provider:BatchJsonProvider"
KEY_ENV = "FAULT_BATCH_KEY"


class BatchOptions(HttpOptions):
    base_url: str = Field("http://127.0.0.1:9", description="The fault server.")
    max_batch: int = Field(8, ge=1)
    max_chars: int = Field(4_000, ge=10)
    check_languages: bool = Field(False, description="Ask GET /languages before translating.")


class BatchJsonProvider(Provider):
    name = NAME
    description = "Test provider for the fault server's JSON batch protocol."
    Options = BatchOptions
    options: BatchOptions
    credentials = (Credential(KEY_ENV, required=False),)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = Limits(self.options.max_batch, self.options.max_chars)

    async def prepare(self) -> None:
        if not self.options.check_languages:
            return
        assert self.client is not None
        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        response = await self.client.get(
            self.options.base_url.rstrip("/") + "/languages", headers=headers
        )
        if response.status_code != 200:
            raise TransientError(
                f"{NAME}: languages: {response.text[:200]}", status=response.status_code
            )
        self.languages = [str(code) for code in response.json()]

    async def translate(self, batch: Sequence[Segment], pair: LangPair) -> list[Translation]:
        assert self.client is not None
        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        try:
            response = await self.client.post(
                self.options.base_url.rstrip("/") + "/translate",
                headers=headers,
                json={
                    "source": pair.source,
                    "target": pair.target,
                    "texts": [s.text for s in batch],
                },
            )
        except httpx.TimeoutException as exc:
            raise TransientError(f"{NAME}: timed out") from exc
        except httpx.TransportError as exc:
            raise TransientError(f"{NAME}: {type(exc).__name__}: {exc}") from exc
        status = response.status_code
        if status == 401:
            raise AuthError(f"{NAME}: key refused", status=status)
        if status == 456:
            raise QuotaError(f"{NAME}: quota exhausted", status=status)
        if status == 429:
            header = response.headers.get("retry-after")
            retry_after = float(header) if header and header.isdigit() else None
            raise RateLimitError(f"{NAME}: too many requests", retry_after=retry_after)
        if status >= 500:
            # Like most adapters, the backend's own words are kept, cut to a readable length.
            said = response.text[:200]
            raise TransientError(f"{NAME}: server error {status}: {said}", status=status)
        if status != 200:
            raise BadResponseError(f"{NAME}: HTTP {status}", status=status)
        try:
            outputs = response.json()["translations"]
        except (ValueError, KeyError, TypeError) as exc:
            raise BadResponseError(f"{NAME}: answer is not the expected JSON") from exc
        if not isinstance(outputs, list) or len(outputs) != len(batch):
            raise BadResponseError(f"{NAME}: {len(outputs)} translations for {len(batch)} texts")
        return [
            Translation(str(text), Usage(characters=len(seg.text)), engine="fault-batch 1")
            for seg, text in zip(batch, outputs, strict=True)
        ]


def entry_point() -> EntryPoint:
    return EntryPoint(name=NAME, value=TARGET, group=GROUP)


def registry() -> Registry:
    return Registry([entry_point()])


def install_plugin(site: Path) -> dict[str, str]:
    """Put a dist-info for the plugin in ``site``; returns the environment a subprocess needs."""
    dist = site / "harness_fault_batch-1.0.dist-info"
    dist.mkdir(parents=True, exist_ok=True)
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: harness-fault-batch\nVersion: 1.0\n", encoding="utf-8"
    )
    (dist / "entry_points.txt").write_text(f"[{GROUP}]\n{NAME} = {TARGET}\n", encoding="utf-8")
    return {"PYTHONPATH": f"{site}:{REPO}"}


def plugin_environ(base: Mapping[str, str], site: Path) -> dict[str, str]:
    return {**base, **install_plugin(site)}

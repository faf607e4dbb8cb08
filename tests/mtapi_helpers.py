"""Helpers for the tests of the hosted MT API adapters (not fixtures)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import httpx

from harness.errors import ProviderError
from harness.provider import Provider
from harness.testing import exception_texts

P = TypeVar("P", bound=Provider)

#: A port nothing listens on (discard): connections are refused at once.
CLOSED_URL = "http://127.0.0.1:9"


@asynccontextmanager
async def adapter(cls: type[P], secrets: Mapping[str, str], **options: Any) -> AsyncIterator[P]:
    """``cls`` built as the core builds it, with its own client, closed afterwards."""
    async with httpx.AsyncClient(timeout=10) as client:
        provider = cls(cls.Options(**options), client=client, secrets=secrets)
        try:
            yield provider
        finally:
            await provider.aclose()


def assert_no_secret(exc: ProviderError, *secrets: str) -> None:
    """No secret appears in the error, its causes, or their reprs."""
    for text in exception_texts(exc):
        for secret in secrets:
            assert secret not in text, f"secret leaked into {text!r}"

"""What the hosted machine-translation API adapters share: sending, error mapping, tables.

Each adapter (DeepL, Google, Azure, Amazon, LibreTranslate) knows its own wire
format; this module owns the parts that are the same for all of them:

* one request with transport failures (timeouts, refused connections, resets)
  turned into :class:`~harness.errors.TransientError`;
* ``Retry-After`` (seconds or an HTTP date) and the generic HTTP status classes
  that every backend-specific mapping falls back on;
* keeping secrets out of messages: backend text is scrubbed of every key the
  adapter holds, and URLs in messages never carry a query string;
* packing texts into requests that stay under a byte limit (``pack``), so
  outputs stay aligned to inputs exactly;
* language tables (BCP-47 -> backend code) checked in ``check_pair`` before
  any request is made.
"""

from __future__ import annotations

import email.utils
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

import httpx
from pydantic import field_validator

from harness.errors import (
    AuthError,
    BadResponseError,
    ProviderError,
    RateLimitError,
    TransientError,
)
from harness.models import LangPair, Segment, Translation, Usage
from harness.provider import HttpOptions, Provider
from providers.language_tables import LanguageTable, load_table

T = TypeVar("T")

#: Longest piece of a backend's error text repeated in our messages.
_MESSAGE_CHARS = 300


class ApiOptions(HttpOptions):
    """Options of every hosted adapter: ``base_url`` must be an http(s) URL."""

    @field_validator("base_url", check_fields=False)
    @classmethod
    def _http_url(cls, value: str) -> str:
        # "{region}" is a placeholder some adapters fill in (Amazon's regional hosts).
        url = httpx.URL(value.replace("{region}", "region"))
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError(f"{value!r} is not an http:// or https:// URL")
        if url.query:
            raise ValueError("base_url must not carry a query string (keys come from the "
                             "environment, never from options)")
        return value.rstrip("/")


def retry_after(response: httpx.Response) -> float | None:
    """Seconds the backend asked us to wait (``Retry-After`` as seconds or HTTP date)."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def pack(
    items: Sequence[T], size_of: Callable[[T], int], *, fixed: int, limit: int, gap: int = 1
) -> list[list[T]]:
    """Split ``items`` into runs whose total size (``fixed`` + sizes + gaps) is within ``limit``.

    Order is kept, so concatenating the answers of the runs realigns them with
    ``items``. An item too big even alone gets a run of its own; the caller
    decides what to do with it.
    """
    runs: list[list[T]] = []
    current: list[T] = []
    total = fixed
    for item in items:
        size = size_of(item)
        extra = size + (gap if current else 0)
        if current and total + extra > limit:
            runs.append(current)
            current, total, extra = [], fixed, size
        current.append(item)
        total += extra
    if current:
        runs.append(current)
    return runs


def json_bytes(value: Any) -> bytes:
    """The exact bytes sent for a JSON body (UTF-8, no padding), so sizes can be measured."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def code_points(text: str) -> Usage:
    """Usage for backends that bill source characters but do not report them."""
    return Usage(characters=len(text))


class HostedProvider(Provider):
    """Base of the hosted API adapters: table-driven language checks and safe requests."""

    #: Name of the language table in ``providers/languages/`` (without ``.toml``).
    table_name: ClassVar[str]

    # -- languages -------------------------------------------------------------------

    @property
    def table(self) -> LanguageTable:
        return load_table(self.table_name)

    def language_table(self) -> Mapping[str, str] | None:
        return self.table.target

    def check_pair(self, pair: LangPair) -> None:
        self.table.check(self.name, pair)

    def source_code(self, pair: LangPair) -> str:
        return self.table.source_code(pair.source)

    def target_code(self, pair: LangPair) -> str:
        return self.table.target_code(pair.target)

    # -- requests --------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        value: str = getattr(self.options, "base_url")  # noqa: B009 - every Options has it
        return value

    def scrub(self, text: str) -> str:
        """``text`` shortened and with every secret the adapter holds replaced by ``***``."""
        for secret in self.secrets.values():
            if secret:
                text = text.replace(secret, "***")
        return text[:_MESSAGE_CHARS]

    async def send(
        self,
        url: str,
        *,
        content: bytes,
        headers: Mapping[str, str],
        params: Sequence[tuple[str, str]] = (),
    ) -> httpx.Response:
        """POST ``content``; transport failures become :class:`TransientError`."""
        assert self.client is not None, f"{self.name}: the core must hand in an HTTP client"
        failure: httpx.HTTPError | None = None
        try:
            return await self.client.post(url, content=content, headers=headers,
                                          params=tuple(params) or None)
        except httpx.TimeoutException as exc:
            failure = exc
            message = f"{self.name}: no answer from {self.base_url} in time ({type(exc).__name__})"
        except httpx.TransportError as exc:
            failure = exc
            message = (f"{self.name}: cannot reach {self.base_url}: "
                       f"{type(exc).__name__}: {self.scrub(str(exc))}")
        # Raised outside the except block, so a cause that names a secret stays out of the chain.
        leaks = any(secret and secret in f"{failure!s} {failure!r}"
                    for secret in self.secrets.values())
        raise TransientError(message) from (None if leaks else failure)

    def read_json(self, response: httpx.Response) -> Any:
        """The JSON body of a success answer; anything else is a :class:`BadResponseError`."""
        try:
            return response.json()
        except ValueError as exc:
            snippet = self.scrub(response.text[:120])
            raise BadResponseError(
                f"{self.name}: HTTP {response.status_code} answer is not JSON: {snippet!r}",
                status=response.status_code,
            ) from exc

    def http_error(self, response: httpx.Response, message: str,
                   label: str | None = None) -> ProviderError:
        """The harness error for a failed answer, by HTTP status alone (the common fallback).

        ``label`` names the failure in the message (the backend's error code); default
        ``HTTP <status>``.
        """
        status = response.status_code
        text = (f"{self.name}: {label or f'HTTP {status}'}: "
                f"{self.scrub(message) or response.reason_phrase}")
        if status in (401, 403):
            return AuthError(f"{text} (check the key)", status=status)
        if status == 429:
            return RateLimitError(text, status=status, retry_after=retry_after(response))
        if status == 408 or status >= 500:
            return TransientError(text, status=status, retry_after=retry_after(response))
        return ProviderError(text, status=status)

    def aligned(self, batch: Sequence[Segment], outputs: Sequence[Any], what: str) -> None:
        """Refuse an answer whose number of items differs from the number of segments sent."""
        if len(outputs) != len(batch):
            raise BadResponseError(
                f"{self.name}: sent {len(batch)} texts, got {len(outputs)} {what} back"
            )

    def text_of(self, value: Any, where: str) -> str:
        if not isinstance(value, str):
            raise BadResponseError(f"{self.name}: {where} is not a string")
        return value

    def oversized(self, segment: Segment, size: int, limit: int, unit: str) -> ProviderError:
        """The error for one text that no request can carry."""
        return ProviderError(
            f"{self.name}: segment {segment.id} is {size} {unit} in the request; "
            f"the API takes at most {limit} {unit} per request"
        )

    async def send_json_batches(
        self,
        batch: Sequence[Segment],
        payload: Mapping[str, Any],
        texts_field: str,
        limit: int,
        request: Callable[[Sequence[Segment], bytes], Awaitable[list[Translation]]],
    ) -> list[Translation]:
        """Send ``batch`` as JSON bodies ``{**payload, texts_field: [...]}`` of at most
        ``limit`` bytes each, through ``request``; outputs stay aligned with ``batch``."""
        fixed = len(json_bytes(payload))
        results: list[Translation] = []
        for run in pack(batch, lambda seg: len(json_bytes(seg.text)), fixed=fixed, limit=limit):
            body = json_bytes({**payload, texts_field: [seg.text for seg in run]})
            if len(body) > limit:
                raise self.oversized(run[0], len(body), limit, "bytes")
            results += await request(run, body)
        return results

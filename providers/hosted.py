"""What the hosted machine-translation API adapters share beyond the kit: tables, packing.

Each adapter (DeepL, Google, Azure, Amazon, LibreTranslate) knows its own wire
format. Sending, Retry-After, the status mapping and secret redaction come from
the public adapter kit (:class:`harness.kit.HttpProvider`), as for any plugin;
this module adds what only these first-party adapters share:

* ``base_url`` options that must be http(s) URLs without a query string (keys
  come from the environment, never from options);
* packing texts into requests that stay under a byte limit (``pack``), so
  outputs stay aligned to inputs exactly;
* language tables (BCP-47 -> backend code) checked in ``check_pair`` before
  any request is made.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, ClassVar, TypeVar

import httpx
from pydantic import field_validator
from typing_extensions import TypeVar as DefaultTypeVar

from harness.errors import ProviderError
from harness.kit.adapter import HttpProvider
from harness.kit.http import error_text
from harness.models import LangPair, Segment, Translation, Usage
from harness.provider import HttpOptions
from providers.language_tables import LanguageTable, load_table

T = TypeVar("T")


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
            raise ValueError(
                "base_url must not carry a query string (keys come from the "
                "environment, never from options)"
            )
        return value.rstrip("/")


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


ApiOptionsT = DefaultTypeVar("ApiOptionsT", bound=ApiOptions, default=ApiOptions)


class HostedProvider(HttpProvider[ApiOptionsT]):
    """Base of the hosted API adapters: table-driven language checks, requests within limits."""

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
        return self.options.base_url

    async def post(
        self,
        url: str,
        *,
        content: bytes,
        headers: Mapping[str, str],
        params: Sequence[tuple[str, str]] = (),
    ) -> httpx.Response:
        """POST ``content`` and return a 200 answer; anything else raises :meth:`error_for`.

        Transport failures become TransientError (see the kit).
        """
        response = await self.send(
            self.request(
                "POST", url, content=content, headers=headers, params=tuple(params) or None
            )
        )
        if response.status_code != 200:
            raise self.error_for(response)
        return response

    def error_for(self, response: httpx.Response) -> ProviderError:
        """The harness error for a failed answer: the backend's own codes, then the status."""
        return self.status_error(response, error_text(response))

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

"""The base class of adapters that speak HTTP: the kit's helpers bound to one provider.

``HttpProvider`` is a :class:`~harness.provider.Provider` that knows its secrets'
redactor and sends through :mod:`harness.kit.http`, so an adapter writes only
its wire format::

    class MyProvider(HttpProvider[MyOptions]):
        async def translate(self, batch, pair):
            request = self.request("POST", url, json=body)
            response = await self.send_checked(request)  # or raises the mapped error
            data = self.read_json(response)
            ...

        def explain(self, response, message):  # optional: the backend's own error codes
            ...
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

import httpx

from harness.errors import BadResponseError, HarnessError, ProviderError
from harness.kit.http import Explain, read_json, send, send_checked, status_error
from harness.kit.redaction import Redactor
from harness.models import Segment
from harness.provider import OptionsT, Provider


class HttpProvider(Provider[OptionsT]):
    """An adapter that sends HTTP requests through the client the core hands in."""

    #: The backend's rate-limit reset headers, read when a 429 has no Retry-After.
    reset_headers: tuple[str, ...] = ()

    @cached_property
    def redactor(self) -> Redactor:
        """Removes every secret this adapter holds (in every spelling) from text."""
        return Redactor(self.secrets.values())

    @property
    def http(self) -> httpx.AsyncClient:
        if self.client is None:
            raise RuntimeError(f"{self.name}: the core must hand in an HTTP client")
        return self.client

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Request:
        """An :class:`httpx.Request` built by the client (its headers and timeouts apply)."""
        return self.http.build_request(method, url, **kwargs)

    async def send(self, request: httpx.Request) -> httpx.Response:
        """Send ``request``; timeouts and connection failures become TransientError."""
        return await send(self.client, request, backend=self.name, redactor=self.redactor)

    async def send_checked(
        self, request: httpx.Request, *, explain: Explain | None = None
    ) -> httpx.Response:
        """Send ``request``; a failed answer raises the mapped harness error."""
        return await send_checked(
            self.client,
            request,
            backend=self.name,
            redactor=self.redactor,
            explain=explain or self.explain,
        )

    def explain(self, response: httpx.Response, message: str) -> HarnessError | None:
        """This backend's own reading of a failed answer; None falls back on the status."""
        return None

    def status_error(
        self, response: httpx.Response, message: str, label: str | None = None
    ) -> ProviderError:
        """The status mapping every backend falls back on (``message`` is redacted here)."""
        return status_error(
            response,
            backend=self.name,
            message=message,
            label=label,
            redactor=self.redactor,
            reset_headers=self.reset_headers,
        )

    def read_json(self, response: httpx.Response) -> Any:
        """The JSON body of an answer; anything else is a BadResponseError."""
        return read_json(response, backend=self.name, redactor=self.redactor)

    def scrub(self, text: str) -> str:
        """``text`` redacted, then shortened to one line for a message."""
        return self.redactor.clean(text)

    def aligned(self, batch: Sequence[Segment], outputs: Sequence[Any], what: str) -> None:
        """Refuse an answer whose number of items differs from the number of segments sent."""
        if len(outputs) != len(batch):
            raise BadResponseError(
                f"{self.name}: sent {len(batch)} texts, got {len(outputs)} {what} back"
            )

    def text_of(self, value: Any, where: str) -> str:
        """``value`` if it is a string, else a BadResponseError naming ``where``."""
        if not isinstance(value, str):
            raise BadResponseError(f"{self.name}: {where} is not a string")
        return value

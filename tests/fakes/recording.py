"""What every fake API server shares: a record of the requests it got, and scripted answers.

A fake backend subclasses :class:`FakeApi`; its Starlette handlers call
:meth:`FakeApi.record` first (so tests can assert on exactly what an adapter
sent) and then :meth:`FakeApi.scripted`, which plays answers queued with
:meth:`FakeApi.fail_next` (a 429 with ``Retry-After``, a 500, ...) before the
normal behaviour takes over. Translations are deterministic: the backend's
target code in brackets, then the source text, so tests know which output
belongs to which input.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response


def fake_translation(text: str, target: str) -> str:
    """The fake's "translation" of ``text`` into ``target`` (the backend's own code)."""
    return f"[{target}] {text}"


@dataclass(frozen=True)
class Recorded:
    """One request as it arrived on the wire."""

    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]  # lower-case names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def param(self, name: str) -> str | None:
        for key, value in self.query:
            if key == name:
                return value
        return None


@dataclass
class Scripted:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)

    def response(self) -> Response:
        if isinstance(self.body, bytes | str):
            return Response(self.body, status_code=self.status, headers=self.headers)
        return JSONResponse(self.body, status_code=self.status, headers=self.headers)


class FakeApi:
    """Base of the fake backends: request log and a queue of scripted answers."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._script: deque[Scripted] = deque()
        self._lock = threading.Lock()

    def fail_next(
        self, status: int, body: Any, headers: dict[str, str] | None = None, *, times: int = 1
    ) -> None:
        """Answer the next ``times`` requests with this status, body and headers."""
        with self._lock:
            for _ in range(times):
                self._script.append(Scripted(status, body, dict(headers or {})))

    async def record(self, request: Request) -> Recorded:
        body = await request.body()
        recorded = Recorded(
            request.method,
            request.url.path,
            parse_qsl(request.url.query, keep_blank_values=True),
            {key.lower(): value for key, value in request.headers.items()},
            body,
        )
        with self._lock:
            self.requests.append(recorded)
        return recorded

    def scripted(self) -> Response | None:
        with self._lock:
            if not self._script:
                return None
            return self._script.popleft().response()

    def calls(self, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.path == path]

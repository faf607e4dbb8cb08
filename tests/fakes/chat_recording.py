"""What the fake chat servers share: a record of every request and a queue of scripted answers.

Tests read ``requests`` to assert on what an adapter sent (method, URL, headers,
JSON body), and push onto ``script`` to make the next answers fail or misbehave
in a chosen way. The default answer is a deterministic fake translation
(:func:`fake_translation`), so tests can check which output belongs to which input.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    url: str
    path: str
    headers: dict[str, str]
    body: Any


def fake_translation(text: str) -> str:
    """Every word spelt backwards: deterministic, and never the source's own words."""
    return " ".join(word[::-1] for word in text.split(" "))


@dataclass
class Scripted:
    """One queued answer: a callable that builds the response from the parsed request body."""

    build: Callable[[Any], Response]


@dataclass
class Recorder:
    requests: list[RecordedRequest] = field(default_factory=list)
    script: deque[Scripted] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def record(self, request: Request) -> tuple[RecordedRequest, Any, Scripted | None]:
        raw = await request.body()
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        recorded = RecordedRequest(
            method=request.method,
            url=str(request.url),
            path=request.url.path,
            headers={k.lower(): v for k, v in request.headers.items()},
            body=body,
        )
        with self._lock:
            self.requests.append(recorded)
            scripted = self.script.popleft() if self.script else None
        return recorded, body, scripted

    def then(self, build: Callable[[Any], Response], times: int = 1) -> None:
        """Answer the next ``times`` requests with ``build(body)``."""
        for _ in range(times):
            self.script.append(Scripted(build))

    @property
    def last(self) -> RecordedRequest:
        return self.requests[-1]

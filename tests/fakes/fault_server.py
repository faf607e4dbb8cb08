"""A fake batch-translation backend that injects faults, for the run-engine tests.

Protocol (spoken by :mod:`tests.fakes.batch_provider`): ``POST /translate`` with
``{"source": "en", "target": "de", "texts": [...]}`` answers
``{"translations": ["[de] <text>", ...]}``; ``GET /stats`` tells how many
requests arrived. With a ``key``, requests must carry ``Authorization: Bearer
<key>`` (401 otherwise).

Each request gets one *behaviour*: taken in arrival order from ``script``, then
drawn from ``faults`` with probability ``fault_rate`` (seeded), else ``ok``. A
text containing a word of ``always_fail`` always gets a 500. Behaviours:

``ok``, ``429`` (no Retry-After), ``429-retry`` (``Retry-After: 1``), ``500``,
``503``, ``timeout`` (no answer until the client gives up), ``reset`` (the
connection is closed in the middle of the body), ``slow`` (``slow_seconds``,
then ok), ``malformed`` (200 with a body that is not JSON), ``short`` and
``long`` (one translation too few or too many), ``truncated`` (each text cut to
a fifth), ``quota`` (456, quota exhausted), ``auth`` (401).

Hostile behaviours (nothing a well-behaved backend does, all seen in the wild or
cheap for an attacker): ``surrogate`` (each translation ends in half an emoji, a
lone ``\\ud83d`` escape), ``ansi`` (terminal escape sequences in the text),
``echo-key`` (a 500 whose body repeats the caller's key after ``echo_offset``
characters of noise), ``retry-hours`` (429 with ``Retry-After: 7200``), ``bomb``
(a gzip body of a few hundred KB that expands to ``huge_bytes``), ``huge`` (a
plain body of ``huge_bytes``), ``duplicate`` (a translation of several megabytes
for each text). ``GET /languages`` answers the language list, or with
``startup="trickle"`` sends one byte every ``trickle_seconds`` for ever, or with
``startup="echo-key"`` fails like ``echo-key``.

Run as a module to serve it on 127.0.0.1 in its own process (benchmarks,
subprocess tests): ``python -m tests.fakes.fault_server --port 8000 --latency 0.05``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import zlib
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

FAULTS = (
    "429",
    "429-retry",
    "500",
    "503",
    "timeout",
    "reset",
    "slow",
    "malformed",
    "short",
    "long",
)


class FaultServer:
    """The app and what it saw: ``requests`` (texts per request) and ``behaviours``."""

    def __init__(
        self,
        script: Sequence[str] = (),
        *,
        faults: Sequence[str] = FAULTS,
        fault_rate: float = 0.0,
        seed: int = 0,
        latency: float = 0.0,
        slow_seconds: float = 0.05,
        key: str | None = None,
        always_fail: Sequence[str] = (),
        record: bool = True,
        startup: str = "ok",
        trickle_seconds: float = 0.05,
        huge_bytes: int = 48 * 2**20,
        echo_offset: int = 188,
    ) -> None:
        self.script = list(script)
        self.faults = list(faults)
        self.fault_rate = fault_rate
        self.rng = random.Random(seed)
        self.latency = latency
        self.slow_seconds = slow_seconds
        self.key = key
        self.always_fail = list(always_fail)
        self.record = record
        self.startup = startup
        self.trickle_seconds = trickle_seconds
        self.huge_bytes = huge_bytes
        self.echo_offset = echo_offset
        self.startup_requests = 0
        self.count = 0
        self.requests: list[dict[str, Any]] = []
        self.behaviours: Counter[str] = Counter()
        self.app = Starlette(
            routes=[
                # A plain ASGI endpoint (not a request/response function), so that "reset" can
                # break off a response it has started.
                Route("/translate", _RawEndpoint(self._translate_endpoint), methods=["POST"]),
                Route("/stats", self._stats, methods=["GET"]),
                Route("/languages", self._languages, methods=["GET"]),
            ]
        )

    def _behaviour(self, texts: list[str]) -> str:
        if any(word in text for word in self.always_fail for text in texts):
            return "500"
        if self.script:
            return self.script.pop(0)
        if self.fault_rate and self.rng.random() < self.fault_rate:
            return self.rng.choice(self.faults)
        return "ok"

    async def _languages(self, request: Request) -> Response:
        self.startup_requests += 1
        if self.startup == "trickle":

            async def drip() -> AsyncIterator[bytes]:
                yield b"["
                while True:  # one space at a time: never a complete answer, never idle long
                    await asyncio.sleep(self.trickle_seconds)
                    yield b" "

            return StreamingResponse(drip(), media_type="application/json")
        if self.startup == "echo-key":
            said = request.headers.get("authorization", "").removeprefix("Bearer ")
            return Response("e" * self.echo_offset + f" key {said} refused", 500)
        return JSONResponse(["en", "de", "fr", "es"])

    async def _stats(self, request: Request) -> Response:
        return JSONResponse({"requests": self.count, "behaviours": dict(self.behaviours)})

    async def _translate_endpoint(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        self.count += 1
        if self.key is not None and request.headers.get("authorization") != f"Bearer {self.key}":
            await JSONResponse({"error": "invalid key"}, 401)(scope, receive, send)
            return
        body = json.loads(await request.body())
        texts = [str(t) for t in body["texts"]]
        behaviour = self._behaviour(texts)
        self.behaviours[behaviour] += 1
        if self.record:
            self.requests.append({"target": body["target"], "texts": texts, "behaviour": behaviour})
        if self.latency:
            await asyncio.sleep(self.latency)
        response = await self._respond(behaviour, body["target"], texts, request)
        if behaviour == "echo-key":
            said = request.headers.get("authorization", "").removeprefix("Bearer ")
            response = Response("e" * self.echo_offset + f" key {said} refused", 500)
        if response is None:  # "reset": start a body, then drop the connection
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", b"1000"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": b'{"transl', "more_body": True})
            raise ConnectionResetError("fault server: connection reset on purpose")
        await response(scope, receive, send)

    async def _respond(
        self, behaviour: str, target: str, texts: list[str], request: Request
    ) -> Response | None:
        outputs = [f"[{target}] {text}" for text in texts]
        if behaviour == "ok":
            return _json({"translations": outputs})
        if behaviour == "slow":
            await asyncio.sleep(self.slow_seconds)
            return _json({"translations": outputs})
        if behaviour == "timeout":
            while not await request.is_disconnected():
                await asyncio.sleep(0.01)
            return Response(status_code=204)
        if behaviour == "reset":
            return None
        simple = {
            "429": (429, {"error": "too many requests"}, {}),
            "429-retry": (429, {"error": "too many requests"}, {"Retry-After": "1"}),
            "500": (500, {"error": "internal error"}, {}),
            "503": (503, {"error": "overloaded"}, {}),
            "quota": (456, {"error": "quota exceeded"}, {}),
            "auth": (401, {"error": "invalid key"}, {}),
        }
        if behaviour in simple:
            status, payload, headers = simple[behaviour]
            return JSONResponse(payload, status, headers=headers)
        if behaviour == "malformed":
            return Response('{"translations": [oops', 200, media_type="application/json")
        if behaviour == "short":
            return _json({"translations": outputs[:-1]})
        if behaviour == "long":
            return _json({"translations": [*outputs, "extra"]})
        if behaviour == "truncated":
            return _json({"translations": [o[: max(1, len(o) // 5)] for o in outputs]})
        if behaviour == "surrogate":
            # ensure_ascii writes the lone surrogate as the JSON escape \ud83d.
            return Response(
                json.dumps({"translations": [o + "\ud83d" for o in outputs]}),
                200,
                media_type="application/json",
            )
        if behaviour == "ansi":
            return _json({"translations": [f"\x1b[2J\x1b[31m{o}\x1b]0;owned\x07" for o in outputs]})
        if behaviour == "echo-key":
            return Response(status_code=500)  # the body is written by the caller
        if behaviour == "retry-hours":
            return JSONResponse({"error": "come back later"}, 429, headers={"Retry-After": "7200"})
        if behaviour in ("bomb", "huge"):
            return self._huge(len(texts), compressed=behaviour == "bomb")
        if behaviour == "duplicate":
            return _json({"translations": [o * (4 * 2**20 // max(1, len(o))) for o in outputs]})
        raise ValueError(f"unknown behaviour {behaviour!r}")

    def _huge(self, count: int, *, compressed: bool) -> Response:
        """A JSON answer of about ``huge_bytes``, streamed; gzip-compressed for "bomb"."""
        head = b'{"translations": ["' + b'", "'.join(b"ok" for _ in range(count - 1))
        head += b'", "' if count > 1 else b""
        tail = b'"]}'
        size = self.huge_bytes

        async def body() -> AsyncIterator[bytes]:
            packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS) if compressed else None
            block = b"A" * 2**20
            parts = [head, *([block] * (size // len(block))), tail]
            for part in parts:
                yield packer.compress(part) if packer is not None else part
            if packer is not None:
                yield packer.flush()

        headers = {"Content-Encoding": "gzip"} if compressed else {}
        return StreamingResponse(body(), media_type="application/json", headers=headers)


class _RawEndpoint:
    def __init__(self, handler: Any) -> None:
        self.handler = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.handler(scope, receive, send)


def _json(payload: dict[str, Any]) -> Response:
    return Response(json.dumps(payload, ensure_ascii=False), 200, media_type="application/json")


def app_from_env() -> Starlette:
    """For ``uvicorn --factory`` with several workers: settings from the environment."""
    return FaultServer(
        latency=float(os.environ.get("FAULT_SERVER_LATENCY", "0")),
        fault_rate=float(os.environ.get("FAULT_SERVER_FAULT_RATE", "0")),
        record=False,
    ).app


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    os.environ["FAULT_SERVER_LATENCY"] = str(args.latency)
    # 127.0.0.1 only: the fake backend must never listen on other interfaces.
    uvicorn.run(
        "tests.fakes.fault_server:app_from_env",
        factory=True,
        host="127.0.0.1",
        port=args.port,
        workers=args.workers,
        log_level="error",
        access_log=False,
        lifespan="off",
    )


if __name__ == "__main__":
    main()

"""A fake Anthropic Message Batches API: ``/v1/messages/batches`` as documented.

Follows the official SDK (``batch_create_params``, ``message_batch``,
``message_batch_request_counts``, ``message_batch_individual_response`` and the
four result types) and the API reference: ``x-api-key`` and
``anthropic-version`` required; ``requests`` holds 1 to ``max_requests`` items
of ``{"custom_id", "params"}``; ``custom_id`` must match
``^[a-zA-Z0-9_-]{1,64}$`` and be unique; a body over ``max_bytes`` is refused
with 413 ``request_too_large``; ``params`` are checked by the Messages fake's own
rules (an unknown model fails only its request, as ``errored``).

Each poll (``GET /v1/messages/batches/{id}``) moves the batch on: after
``polls_in_progress`` polls ``in_progress`` it is ``ended``, with ``results_url``
pointing at ``/v1/messages/batches/{id}/results`` (JSONL, reverse order, so
callers must join on ``custom_id``). Scripts: :meth:`expire_after` (the next
batch ends with only that many requests done, the rest ``expired``), cancelling
(``POST .../cancel`` -> ``canceling`` -> ``ended`` with ``cancel_keeps`` requests
done, the rest ``canceled``) and :attr:`fail_text` (requests whose text contains
it end ``errored`` with an ``overloaded_error``).
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.anthropic_server import FakeAnthropic, error, error_envelope
from tests.fakes.chat_recording import Recorder

CUSTOM_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
CREATED = "2026-12-02T10:00:00.000000Z"
EXPIRES = "2026-12-03T10:00:00.000000Z"
ENDED = "2026-12-02T10:30:00.000000Z"
_ids = itertools.count(1)


class FakeAnthropicBatches:
    def __init__(
        self,
        *,
        key: str = "sk-ant-test-0123456789abcdef",
        models: tuple[str, ...] = ("claude-test",),
        max_requests: int = 100_000,
        max_bytes: int = 256_000_000,
        polls_in_progress: int = 2,
    ) -> None:
        self.messages = FakeAnthropic(key=key, models=models)
        self.max_requests, self.max_bytes = max_requests, max_bytes
        self.polls_in_progress = polls_in_progress
        self.recorder = Recorder()
        self.batches: dict[str, dict[str, Any]] = {}
        self.inputs: dict[str, list[dict[str, Any]]] = {}
        self.results: dict[str, list[dict[str, Any]]] = {}
        self.fail_text: str | None = None
        self.cancel_keeps = 0
        self._polls: dict[str, int] = {}
        self._expire_after: list[int] = []
        self._expiry: dict[str, int] = {}
        self._lock = threading.Lock()
        self.app = Starlette(
            routes=[
                Route("/v1/messages/batches", self.create, methods=["POST"]),
                Route("/v1/messages/batches/{batch_id}", self.retrieve, methods=["GET"]),
                Route("/v1/messages/batches/{batch_id}/cancel", self.cancel, methods=["POST"]),
                Route(
                    "/v1/messages/batches/{batch_id}/results", self.result_lines, methods=["GET"]
                ),
            ]
        )

    @property
    def requests(self) -> list[Any]:
        return self.recorder.requests

    def expire_after(self, done: int) -> None:
        self._expire_after.append(done)

    async def create(self, request: Request) -> Response:
        recorded, body, _ = await self.recorder.record(request)
        if (problem := self.messages._check_headers(recorded.headers)) is not None:
            return problem
        if int(recorded.headers.get("content-length", "0")) > self.max_bytes:
            return error(413, "request_too_large", "Request exceeds the maximum allowed size.")
        requests = body.get("requests") if isinstance(body, dict) else None
        if not isinstance(requests, list) or not 1 <= len(requests) <= self.max_requests:
            return error(
                400, "invalid_request_error", f"requests: must hold 1 to {self.max_requests} items"
            )
        seen: set[str] = set()
        for index, item in enumerate(requests):
            custom_id = item.get("custom_id") if isinstance(item, dict) else None
            if not isinstance(custom_id, str) or not CUSTOM_ID.match(custom_id):
                return error(
                    400,
                    "invalid_request_error",
                    f"requests.{index}.custom_id: String "
                    "should match pattern '^[a-zA-Z0-9_-]{1,64}$'",
                )
            if custom_id in seen:
                return error(
                    400,
                    "invalid_request_error",
                    f"requests.{index}.custom_id: duplicate custom_id {custom_id}",
                )
            seen.add(custom_id)
            problem = self.messages._check_body(item.get("params"))
            if problem is not None and problem.status_code != 404:
                inner = json.loads(bytes(problem.body))["error"]["message"]
                return error(400, "invalid_request_error", f"requests.{index}.params.{inner}")
        batch_id = f"msgbatch_fake{next(_ids)}"
        batch = {
            "id": batch_id,
            "type": "message_batch",
            "processing_status": "in_progress",
            "request_counts": {
                "processing": len(requests),
                "succeeded": 0,
                "errored": 0,
                "canceled": 0,
                "expired": 0,
            },
            "ended_at": None,
            "created_at": CREATED,
            "expires_at": EXPIRES,
            "archived_at": None,
            "cancel_initiated_at": None,
            "results_url": None,
        }
        with self._lock:
            self.batches[batch_id] = batch
            self.inputs[batch_id] = requests
            self._polls[batch_id] = 0
            if self._expire_after:
                self._expiry[batch_id] = self._expire_after.pop(0)
        return JSONResponse(batch)

    async def retrieve(self, request: Request) -> Response:
        recorded, _, _ = await self.recorder.record(request)
        if (problem := self.messages._check_headers(recorded.headers)) is not None:
            return problem
        batch_id = request.path_params["batch_id"]
        batch = self.batches.get(batch_id)
        if batch is None:
            return error(404, "not_found_error", f"batch {batch_id} not found")
        with self._lock:
            self._polls[batch_id] += 1
            requests = self.inputs[batch_id]
            base = str(request.base_url).rstrip("/")
            if batch["processing_status"] == "canceling":
                self._end(batch, base, requests, self.cancel_keeps, "canceled")
            elif (
                batch["processing_status"] == "in_progress"
                and self._polls[batch_id] > self.polls_in_progress
            ):
                expiry = self._expiry.get(batch_id)
                self._end(
                    batch, base, requests, len(requests) if expiry is None else expiry, "expired"
                )
        return JSONResponse(batch)

    async def cancel(self, request: Request) -> Response:
        recorded, _, _ = await self.recorder.record(request)
        if (problem := self.messages._check_headers(recorded.headers)) is not None:
            return problem
        batch = self.batches.get(request.path_params["batch_id"])
        if batch is None:
            return error(404, "not_found_error", "batch not found")
        if batch["processing_status"] == "in_progress":
            batch["processing_status"] = "canceling"
            batch["cancel_initiated_at"] = CREATED
        return JSONResponse(batch)

    async def result_lines(self, request: Request) -> Response:
        recorded, _, _ = await self.recorder.record(request)
        if (problem := self.messages._check_headers(recorded.headers)) is not None:
            return problem
        results = self.results.get(request.path_params["batch_id"])
        if results is None:
            return error(404, "not_found_error", "results are not available yet")
        content = "".join(json.dumps(r) + "\n" for r in reversed(results))
        return Response(content, media_type="application/binary")

    def _end(
        self, batch: dict[str, Any], base: str, requests: list[dict[str, Any]], done: int, rest: str
    ) -> None:
        results = [
            {"custom_id": item["custom_id"], "result": self._answer(item["params"])}
            for item in requests[:done]
        ]
        results += [
            {"custom_id": item["custom_id"], "result": {"type": rest}} for item in requests[done:]
        ]
        self.results[batch["id"]] = results
        counts = {"processing": 0, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0}
        for result in results:
            counts[result["result"]["type"]] += 1
        batch.update(
            processing_status="ended",
            request_counts=counts,
            ended_at=ENDED,
            results_url=f"{base}/v1/messages/batches/{batch['id']}/results",
        )

    def _answer(self, params: dict[str, Any]) -> dict[str, Any]:
        problem = self.messages._check_body(params)
        if problem is not None:
            return {"type": "errored", "error": json.loads(bytes(problem.body))}
        user = str([m["content"] for m in params["messages"] if m["role"] == "user"][-1])
        if self.fail_text and self.fail_text in user:
            return {"type": "errored", "error": error_envelope("overloaded_error", "Overloaded")}
        return {"type": "succeeded", "message": self.messages.answer(params)}

"""A fake OpenAI Batch API: ``/v1/files`` and ``/v1/batches`` as documented.

Follows the official SDK's types (``FileObject``, ``Batch``, ``BatchRequestCounts``,
``file_create_params``, ``batch_create_params``) and the batch guide: the input
file is uploaded as multipart with ``purpose=batch``; a batch names it, the
endpoint ``/v1/chat/completions`` and ``completion_window: "24h"``. Each poll
(``GET /v1/batches/{id}``) moves the batch one state on: ``validating`` ->
``in_progress`` -> ``finalizing`` -> ``completed``. An input file that breaks the
rules (a line that is not JSON, a missing or repeated ``custom_id``, another
method or url, more lines or bytes than the limits) fails validation: status
``failed`` with ``errors.data``. Request bodies are checked by the chat fake's
own rules; a request it refuses gets its error ``response`` in the error file.

Results: the output file has ``{"id", "custom_id", "response": {"status_code",
"request_id", "body"}, "error": null}`` lines in reverse input order (callers
must join on ``custom_id``); the error file has the failed requests and, for an
expired or cancelled batch, ``{"response": null, "error": {"code":
"batch_expired" | "batch_cancelled", "message"}}`` lines for the requests that
never ran. Scripts: :meth:`expire_after` (the next batch expires after that many
requests), cancelling (``POST /v1/batches/{id}/cancel`` -> ``cancelling`` ->
``cancelled`` with the requests up to ``cancel_keeps`` done), :attr:`fail_text`
(requests whose text contains it answer 500 ``server_error``).
"""

from __future__ import annotations

import itertools
import json
import threading
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.chat_recording import Recorder
from tests.fakes.openai_server import FakeOpenAI, error, error_envelope

ENDPOINT = "/v1/chat/completions"
STEPS = ("validating", "in_progress", "finalizing", "completed")
_ids = itertools.count(1)
NOW = 1_700_000_000


def parse_multipart(content_type: str, body: bytes) -> dict[str, tuple[str | None, bytes]]:
    """``multipart/form-data`` fields: name -> (filename or None, bytes), by the email parser."""
    if not content_type.startswith("multipart/form-data"):
        return {}
    parsed = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    fields: dict[str, tuple[str | None, bytes]] = {}
    for part in parsed.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(payload, bytes):
            fields[name] = (part.get_filename(), payload)
    return fields


class FakeOpenAIBatch:
    """The fake Batch API; ``requests`` records every call, ``batches`` their objects."""

    def __init__(
        self,
        *,
        key: str | None = "sk-test-0123456789abcdef",
        models: tuple[str, ...] = ("gpt-test",),
        max_requests: int = 50_000,
        max_bytes: int = 200_000_000,
    ) -> None:
        self.chat = FakeOpenAI(key=key, models=models)
        self.max_requests, self.max_bytes = max_requests, max_bytes
        self.recorder = Recorder()
        self.files: dict[str, tuple[dict[str, Any], bytes]] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.inputs: dict[str, list[dict[str, Any]]] = {}
        self.fail_text: str | None = None
        self.cancel_keeps = 0
        self._expire_after: list[int] = []
        self._expiry: dict[str, int] = {}
        self._lock = threading.Lock()
        self.app = Starlette(
            routes=[
                Route("/v1/files", self.upload, methods=["POST"]),
                Route("/v1/files/{file_id}/content", self.content, methods=["GET"]),
                Route("/v1/batches", self.create, methods=["POST"]),
                Route("/v1/batches/{batch_id}", self.retrieve, methods=["GET"]),
                Route("/v1/batches/{batch_id}/cancel", self.cancel, methods=["POST"]),
                # The synchronous endpoint too, as on the real API (``chat.requests`` records it).
                Route("/v1/chat/completions", self.chat.chat_completions, methods=["POST"]),
            ]
        )

    @property
    def requests(self) -> list[Any]:
        return self.recorder.requests

    def expire_after(self, done: int) -> None:
        """The next batch created expires with only its first ``done`` requests answered."""
        self._expire_after.append(done)

    # -- files ---------------------------------------------------------------------------

    async def upload(self, request: Request) -> Response:
        recorded, _, _ = await self.recorder.record(request)
        if (problem := self.chat._check_auth(recorded.headers)) is not None:
            return problem
        fields = parse_multipart(recorded.headers.get("content-type", ""), await request.body())
        purpose, upload = fields.get("purpose"), fields.get("file")
        if purpose is None or purpose[1] != b"batch" or upload is None or upload[0] is None:
            return error(
                400, "'purpose' must be 'batch' and 'file' a file part", "invalid_request_error"
            )
        filename, content = upload
        file_id = f"file-fake{next(_ids)}"
        meta = {
            "id": file_id,
            "object": "file",
            "bytes": len(content),
            "created_at": NOW,
            "filename": filename,
            "purpose": "batch",
        }
        self.files[file_id] = (meta, content)
        return JSONResponse(meta)

    async def content(self, request: Request) -> Response:
        recorded, _, _ = await self.recorder.record(request)
        if (problem := self.chat._check_auth(recorded.headers)) is not None:
            return problem
        found = self.files.get(request.path_params["file_id"])
        if found is None:
            return error(404, "No such File object", "invalid_request_error")
        return Response(found[1], media_type="application/octet-stream")

    # -- batches -------------------------------------------------------------------------

    async def create(self, request: Request) -> Response:
        recorded, body, _ = await self.recorder.record(request)
        if (problem := self.chat._check_auth(recorded.headers)) is not None:
            return problem
        if not isinstance(body, dict) or body.get("input_file_id") not in self.files:
            return error(
                400, "input_file_id does not name an uploaded file", "invalid_request_error"
            )
        if body.get("endpoint") != ENDPOINT or body.get("completion_window") != "24h":
            return error(
                400,
                "endpoint must be /v1/chat/completions and completion_window 24h",
                "invalid_request_error",
            )
        batch_id = f"batch_fake{next(_ids)}"
        lines, problems = self._validate(self.files[body["input_file_id"]][1])
        batch: dict[str, Any] = {
            "id": batch_id,
            "object": "batch",
            "endpoint": ENDPOINT,
            "errors": None,
            "input_file_id": body["input_file_id"],
            "completion_window": "24h",
            "status": "validating",
            "output_file_id": None,
            "error_file_id": None,
            "created_at": NOW,
            "in_progress_at": None,
            "expires_at": NOW + 86_400,
            "finalizing_at": None,
            "completed_at": None,
            "failed_at": None,
            "expired_at": None,
            "cancelling_at": None,
            "cancelled_at": None,
            "request_counts": {"total": 0, "completed": 0, "failed": 0},
            "metadata": body.get("metadata"),
        }
        if problems:
            batch["errors"] = {"object": "list", "data": problems}
        self.inputs[batch_id] = lines
        with self._lock:
            if self._expire_after:
                self._expiry[batch_id] = self._expire_after.pop(0)
            self.batches[batch_id] = batch
        return JSONResponse(batch)

    def _validate(self, content: bytes) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        problems: list[dict[str, Any]] = []
        lines: list[dict[str, Any]] = []
        seen: set[str] = set()
        if len(content) > self.max_bytes:
            problems.append(
                {
                    "code": "file_too_large",
                    "message": f"The input file is larger than {self.max_bytes} bytes.",
                    "param": None,
                    "line": None,
                }
            )
        raw_lines = content.decode("utf-8").splitlines()
        if len(raw_lines) > self.max_requests:
            problems.append(
                {
                    "code": "too_many_requests",
                    "message": f"The input file has more than {self.max_requests} requests.",
                    "param": None,
                    "line": None,
                }
            )
        for number, raw in enumerate(raw_lines, start=1):
            try:
                line = json.loads(raw)
            except ValueError:
                problems.append(
                    {
                        "code": "invalid_json_line",
                        "message": "not JSON",
                        "param": None,
                        "line": number,
                    }
                )
                continue
            custom_id = line.get("custom_id") if isinstance(line, dict) else None
            if not isinstance(custom_id, str) or custom_id in seen:
                problems.append(
                    {
                        "code": "duplicate_custom_id"
                        if custom_id in seen
                        else "missing_required_parameter",
                        "message": "custom_id must be unique",
                        "param": "custom_id",
                        "line": number,
                    }
                )
                continue
            if line.get("method") != "POST" or line.get("url") != ENDPOINT:
                problems.append(
                    {
                        "code": "mismatched_endpoint",
                        "message": "url must be the batch's endpoint",
                        "param": "url",
                        "line": number,
                    }
                )
                continue
            seen.add(custom_id)
            lines.append(line)
        return lines, problems

    async def retrieve(self, request: Request) -> Response:
        recorded, _, _ = await self.recorder.record(request)
        if (problem := self.chat._check_auth(recorded.headers)) is not None:
            return problem
        batch = self.batches.get(request.path_params["batch_id"])
        if batch is None:
            return error(404, "No such batch", "invalid_request_error")
        with self._lock:
            self._advance(batch)
        return JSONResponse(batch)

    async def cancel(self, request: Request) -> Response:
        recorded, _, _ = await self.recorder.record(request)
        if (problem := self.chat._check_auth(recorded.headers)) is not None:
            return problem
        batch = self.batches.get(request.path_params["batch_id"])
        if batch is None:
            return error(404, "No such batch", "invalid_request_error")
        if batch["status"] in ("completed", "failed", "expired", "cancelled"):
            return error(
                409,
                f"Cannot cancel a batch with status {batch['status']}.",
                "invalid_request_error",
            )
        batch["status"], batch["cancelling_at"] = "cancelling", NOW + 5
        return JSONResponse(batch)

    def _advance(self, batch: dict[str, Any]) -> None:
        state = batch["status"]
        lines = self.inputs[batch["id"]]
        if state == "validating":
            if batch["errors"]:
                batch["status"], batch["failed_at"] = "failed", NOW + 1
                return
            batch["status"], batch["in_progress_at"] = "in_progress", NOW + 1
            batch["request_counts"]["total"] = len(lines)
        elif state == "in_progress":
            expiry = self._expiry.get(batch["id"])
            if expiry is not None:
                self._finish(batch, lines[:expiry], lines[expiry:], "expired", "batch_expired")
                return
            batch["status"], batch["finalizing_at"] = "finalizing", NOW + 2
        elif state == "finalizing":
            self._finish(batch, lines, [], "completed", "")
        elif state == "cancelling":
            keep = self.cancel_keeps
            self._finish(batch, lines[:keep], lines[keep:], "cancelled", "batch_cancelled")

    def _finish(
        self,
        batch: dict[str, Any],
        done: list[dict[str, Any]],
        never: list[dict[str, Any]],
        state: str,
        code: str,
    ) -> None:
        output: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        for line in done:
            status, body = self._answer(line["body"])
            result = {
                "id": f"batch_req_fake{next(_ids)}",
                "custom_id": line["custom_id"],
                "response": {"status_code": status, "request_id": "req_fake", "body": body},
                "error": None,
            }
            (output if status == 200 else errors).append(result)
        for line in never:
            what = "expired" if code == "batch_expired" else "cancelled"
            errors.append(
                {
                    "id": f"batch_req_fake{next(_ids)}",
                    "custom_id": line["custom_id"],
                    "response": None,
                    "error": {
                        "code": code,
                        "message": f"This request was {what} before it could run.",
                    },
                }
            )
        batch["status"], batch[f"{state}_at"] = state, NOW + 3
        batch["request_counts"] = {
            "total": len(done) + len(never),
            "completed": len(output),
            "failed": len(errors),
        }
        for key, results in (("output_file_id", output), ("error_file_id", errors)):
            if results:
                file_id = f"file-fake{next(_ids)}"
                content = "".join(json.dumps(r) + "\n" for r in reversed(results)).encode()
                self.files[file_id] = (
                    {
                        "id": file_id,
                        "object": "file",
                        "bytes": len(content),
                        "created_at": NOW,
                        "filename": f"{key}.jsonl",
                        "purpose": "batch_output",
                    },
                    content,
                )
                batch[key] = file_id

    def _answer(self, body: Any) -> tuple[int, Any]:
        problem = self.chat._check_body(body)
        if problem is not None:
            return problem.status_code, json.loads(bytes(problem.body))
        user = [m["content"] for m in body["messages"] if m["role"] == "user"][-1]
        if self.fail_text and self.fail_text in user:
            return 500, error_envelope(
                "The server had an error processing your request.", "server_error"
            )
        return 200, self.chat.answer(body)

"""A fake Google Cloud Translation Basic (v2) following translate.v2.json and the docs.

``POST /language/translate/v2``: the API key as query parameter ``key`` (or a
bearer token); no key -> 403, a wrong key -> 400 ``API key not valid``; JSON
``q`` as a string or a list; at most 128 strings and 100,000 bytes per request
(400 ``INVALID_ARGUMENT``); results wrapped in ``data.translations``,
``detectedSourceLanguage`` only without ``source``, ``model`` only when asked;
output HTML-escaped unless ``format`` is ``text``; a per-minute character budget
answers 403 "User Rate Limit Exceeded", a daily one 403 "Daily Limit Exceeded".
"""

from __future__ import annotations

import json
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.recording import FakeApi, fake_translation

MAX_STRINGS = 128
MAX_BYTES = 100_000


def google_error(
    code: int, status: str, message: str, reason: str | None = None, domain: str = "global"
) -> Response:
    """The JSON error envelope (google.rpc.Status plus v2's legacy ``errors`` list)."""
    error: dict[str, Any] = {"code": code, "message": message, "status": status}
    if reason is not None:
        error["errors"] = [{"message": message, "domain": domain, "reason": reason}]
    return JSONResponse({"error": error}, status_code=code)


def html_escape(text: str) -> str:
    """Escape as Google's default ``format=html`` does (``'`` becomes ``&#39;``)."""
    for raw, escaped in (
        ("&", "&amp;"),
        ("<", "&lt;"),
        (">", "&gt;"),
        ('"', "&quot;"),
        ("'", "&#39;"),
    ):
        text = text.replace(raw, escaped)
    return text


class GoogleV2Fake(FakeApi):
    def __init__(
        self,
        keys: set[str] | None = None,
        *,
        chars_per_minute: int | None = None,
        chars_per_day: int | None = None,
    ) -> None:
        super().__init__()
        self.keys = keys if keys is not None else {"google-test-key"}
        self.tokens: set[str] = set()
        self.minute_left = chars_per_minute
        self.day_left = chars_per_day
        self.app = Starlette(
            routes=[
                Route("/language/translate/v2", self.translate, methods=["POST"]),
            ]
        )

    def _authorised(self, request: Request, key: str | None) -> Response | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme == "Bearer" and token in self.tokens:
            return None
        if key is None:
            return google_error(
                403, "PERMISSION_DENIED", "The request is missing a valid API key.", "forbidden"
            )
        if key not in self.keys:
            return google_error(
                400,
                "INVALID_ARGUMENT",
                "API key not valid. Please pass a valid API key.",
                "badRequest",
            )
        return None

    async def translate(self, request: Request) -> Response:
        recorded = await self.record(request)
        if (scripted := self.scripted()) is not None:
            return scripted
        refused = self._authorised(request, recorded.param("key"))
        if refused is not None:
            return refused
        if len(recorded.body) > MAX_BYTES:
            return google_error(
                400,
                "INVALID_ARGUMENT",
                f"Request payload size exceeds the limit: {MAX_BYTES} bytes.",
                "badRequest",
            )
        try:
            body = json.loads(recorded.body)
        except ValueError:
            return google_error(
                400, "INVALID_ARGUMENT", "Invalid JSON payload received.", "parseError"
            )
        q = body.get("q") if isinstance(body, dict) else None
        texts = [q] if isinstance(q, str) else q
        if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
            return google_error(400, "INVALID_ARGUMENT", "Required Text", "required")
        if len(texts) > MAX_STRINGS:
            return google_error(400, "INVALID_ARGUMENT", "Too many text segments", "badRequest")
        target = body.get("target")
        if not isinstance(target, str) or not target:
            return google_error(400, "INVALID_ARGUMENT", "Required Target", "required")
        chars = sum(len(text) for text in texts)
        if self.day_left is not None:
            if chars > self.day_left:
                return google_error(
                    403,
                    "PERMISSION_DENIED",
                    "Daily Limit Exceeded",
                    "dailyLimitExceeded",
                    "usageLimits",
                )
            self.day_left -= chars
        if self.minute_left is not None:
            if chars > self.minute_left:
                return google_error(
                    403,
                    "PERMISSION_DENIED",
                    "User Rate Limit Exceeded",
                    "userRateLimitExceeded",
                    "usageLimits",
                )
            self.minute_left -= chars
        escape = body.get("format", "html") == "html"
        translations = []
        for text in texts:
            out = fake_translation(text, target)
            item: dict[str, Any] = {"translatedText": html_escape(out) if escape else out}
            if not body.get("source"):
                item["detectedSourceLanguage"] = "en"
            if body.get("model"):
                item["model"] = body["model"]
            translations.append(item)
        return JSONResponse({"data": {"translations": translations}})

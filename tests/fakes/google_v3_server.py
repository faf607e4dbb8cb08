"""A fake Google Cloud Translation Advanced (v3) following translate.v3.json.

``POST /v3/{parent}:translateText`` with ``parent`` ``projects/{p}`` or
``projects/{p}/locations/{l}``; an OAuth bearer token is required and API keys
are refused (401); at most 1,024 ``contents`` and 30,000 code points (400);
answers ``{"translations": [{"translatedText", "detectedLanguageCode"?, "model"?}]}``
and ``glossaryTranslations`` with a glossary; output HTML-escaped unless
``mimeType`` is ``text/plain``; errors are ``google.rpc.Status`` JSON.
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.google_server import google_error, html_escape
from tests.fakes.recording import FakeApi, fake_translation

MAX_CONTENTS = 1024
MAX_CODE_POINTS = 30_000
_PARENT = re.compile(r"^projects/([^/]+)(?:/locations/([^/]+))?$")


class GoogleV3Fake(FakeApi):
    def __init__(self, tokens: set[str] | None = None) -> None:
        super().__init__()
        self.tokens = tokens if tokens is not None else {"ya29.test-token"}
        self.app = Starlette(routes=[Route("/v3/{rest:path}", self.route, methods=["POST"])])

    async def route(self, request: Request) -> Response:
        recorded = await self.record(request)
        rest = request.path_params["rest"]
        if not rest.endswith(":translateText"):
            return google_error(404, "NOT_FOUND", f"Method not found: {rest}")
        match = _PARENT.match(rest.removesuffix(":translateText"))
        if match is None:
            return google_error(400, "INVALID_ARGUMENT", "Invalid 'parent'.")
        if (scripted := self.scripted()) is not None:
            return scripted
        if recorded.param("key") is not None:
            return google_error(
                401,
                "UNAUTHENTICATED",
                "API keys are not supported by this API. Expected OAuth2 "
                "access token or other authentication credentials.",
            )
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme != "Bearer" or token not in self.tokens:
            return google_error(
                401, "UNAUTHENTICATED", "Request had invalid authentication credentials."
            )
        try:
            body = json.loads(recorded.body)
        except ValueError:
            return google_error(400, "INVALID_ARGUMENT", "Invalid JSON payload received.")
        contents = body.get("contents") if isinstance(body, dict) else None
        if (
            not isinstance(contents, list)
            or not contents
            or not all(isinstance(t, str) for t in contents)
        ):
            return google_error(400, "INVALID_ARGUMENT", "Empty contents.")
        if len(contents) > MAX_CONTENTS:
            return google_error(
                400, "INVALID_ARGUMENT", f"Number of contents exceeds the limit of {MAX_CONTENTS}."
            )
        if sum(len(text) for text in contents) > MAX_CODE_POINTS:
            return google_error(
                400,
                "INVALID_ARGUMENT",
                f"Total length of contents exceeds the limit of {MAX_CODE_POINTS} codepoints.",
            )
        target = body.get("targetLanguageCode")
        if not isinstance(target, str) or not target:
            return google_error(400, "INVALID_ARGUMENT", "Target language code is required.")
        escape = body.get("mimeType", "text/html") == "text/html"
        translations = []
        for text in contents:
            out = fake_translation(text, target)
            item: dict[str, Any] = {"translatedText": html_escape(out) if escape else out}
            if not body.get("sourceLanguageCode"):
                item["detectedLanguageCode"] = "en"
            if body.get("model"):
                item["model"] = body["model"]
            translations.append(item)
        answer: dict[str, Any] = {"translations": translations}
        if body.get("glossaryConfig"):
            answer["glossaryTranslations"] = translations
        return JSONResponse(answer)

"""A fake DeepL API v2 that follows the documented wire format (DeepL OpenAPI spec).

``POST /v2/translate`` only (GET is refused since March 2025), JSON or form
bodies; ``Authorization: DeepL-Auth-Key <key>`` is required and a key in the
query or body (legacy ``auth_key``) is refused; the whole body may be at most
128 KiB (413) and carry at most ``max_texts`` texts (400); answers
``{"translations": [{"detected_source_language", "text", "billed_characters"?,
"model_type_used"?}]}`` in order; errors are ``{"message": ...}``; a character
quota flips to 456 when used up.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.recording import FakeApi, fake_translation

# GET /v2/languages?type=source|target of the API (case-insensitive there).
SOURCES = {
    "AR",
    "BG",
    "CS",
    "DA",
    "DE",
    "EL",
    "EN",
    "ES",
    "ET",
    "FI",
    "FR",
    "HE",
    "HU",
    "ID",
    "IT",
    "JA",
    "KO",
    "LT",
    "LV",
    "NB",
    "NL",
    "PL",
    "PT",
    "RO",
    "RU",
    "SK",
    "SL",
    "SV",
    "TH",
    "TR",
    "UK",
    "VI",
    "ZH",
}
TARGETS = (SOURCES - {"EN", "PT", "ZH"}) | {
    "EN",
    "PT",
    "ZH",
    "EN-GB",
    "EN-US",
    "PT-BR",
    "PT-PT",
    "ZH-HANS",
    "ZH-HANT",
    "ES-419",
}
MAX_BODY = 128 * 1024


class DeepLFake(FakeApi):
    def __init__(
        self, keys: set[str] | None = None, *, max_texts: int = 50, quota: int | None = None
    ) -> None:
        super().__init__()
        self.keys = keys if keys is not None else {"deepl-test-key"}
        self.max_texts = max_texts
        self.quota = quota  # characters left; None: unlimited
        self.app = Starlette(routes=[Route("/v2/translate", self.translate, methods=["POST"])])

    @staticmethod
    def error(status: int, message: str) -> Response:
        return JSONResponse({"message": message}, status_code=status)

    def _params(self, request: Request, body: bytes) -> dict[str, Any] | None:
        kind = request.headers.get("content-type", "").split(";")[0].strip()
        if kind == "application/json":
            data = json.loads(body)
            return data if isinstance(data, dict) else None
        if kind == "application/x-www-form-urlencoded":
            form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
            params: dict[str, Any] = {k: v[0] for k, v in form.items()}
            params["text"] = form.get("text", [])
            return params
        return None

    async def translate(self, request: Request) -> Response:
        recorded = await self.record(request)
        if (scripted := self.scripted()) is not None:
            return scripted
        if recorded.param("auth_key") is not None:
            return self.error(403, "Legacy authentication via auth_key is no longer supported")
        scheme, _, key = request.headers.get("authorization", "").partition(" ")
        if scheme != "DeepL-Auth-Key" or key not in self.keys:
            return self.error(403, "Authorization failure, check auth_key")
        if len(recorded.body) > MAX_BODY:
            return self.error(413, "Request Entity Too Large")
        try:
            params = self._params(request, recorded.body)
        except (ValueError, UnicodeDecodeError):
            params = None
        if params is None:
            return self.error(400, "Bad request. Reason: invalid body")
        if "auth_key" in params:
            return self.error(403, "Legacy authentication via auth_key is no longer supported")
        texts = params.get("text")
        if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
            return self.error(400, "Parameter 'text' not specified.")
        if len(texts) > self.max_texts:
            return self.error(400, f"Too many texts: at most {self.max_texts} per request")
        target = str(params.get("target_lang", "")).upper()
        if target not in TARGETS:
            return self.error(400, "Value for 'target_lang' not supported.")
        source = params.get("source_lang")
        if source is not None and str(source).upper() not in SOURCES:
            return self.error(400, "Value for 'source_lang' not supported.")
        billed = [len(text) for text in texts]
        if self.quota is not None:
            if sum(billed) > self.quota:
                return self.error(456, "Quota exceeded. The character limit has been reached.")
            self.quota -= sum(billed)
        show_billed = params.get("show_billed_characters") in (True, "1", "true")
        model_type = params.get("model_type")
        translations = []
        for text, count in zip(texts, billed, strict=True):
            item: dict[str, Any] = {
                "detected_source_language": str(source).upper() if source else "EN",
                "text": fake_translation(text, target),
            }
            if show_billed:
                item["billed_characters"] = count
            if model_type:
                item["model_type_used"] = str(model_type).removeprefix("prefer_")
            translations.append(item)
        return JSONResponse({"translations": translations}, headers={"X-Trace-ID": "fake-trace"})

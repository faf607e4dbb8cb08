"""A fake Azure AI Translator 3.0 ``/translate`` following the v3.0 reference.

Requires ``api-version=3.0`` (400021) and at least one ``to`` (400036); checks
``Ocp-Apim-Subscription-Key`` (401000) and, when configured, the
``Ocp-Apim-Subscription-Region`` header; at most 1,000 elements (400072),
50,000 characters per element (400050) and 50,000 x number of targets in all
(400077); answers an array with one ``translations`` entry per ``to``,
``detectedLanguage`` only without ``from``; sets ``X-RequestId``,
``X-Metered-Usage`` and ``X-MT-System``; a free-tier quota flips to 403001.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.recording import FakeApi, fake_translation

MAX_ELEMENTS = 1000
MAX_CHARS = 50_000


def azure_error(code: int, message: str) -> Response:
    return JSONResponse(
        {"error": {"code": code, "message": message}},
        status_code=code // 1000,
        headers={"X-RequestId": str(uuid.uuid4())},
    )


class AzureFake(FakeApi):
    def __init__(
        self, keys: set[str] | None = None, *, region: str | None = None, quota: int | None = None
    ) -> None:
        super().__init__()
        self.keys = keys if keys is not None else {"azure-test-key"}
        self.region = region  # required region header value, if any
        self.quota = quota
        self.app = Starlette(routes=[Route("/translate", self.translate, methods=["POST"])])

    async def translate(self, request: Request) -> Response:
        recorded = await self.record(request)
        if (scripted := self.scripted()) is not None:
            return scripted
        if recorded.param("api-version") != "3.0":
            return azure_error(400021, "The API version parameter is missing or invalid.")
        key = request.headers.get("ocp-apim-subscription-key")
        if key not in self.keys:
            return azure_error(
                401000, "The request is not authorized because credentials are missing or invalid."
            )
        if (
            self.region is not None
            and request.headers.get("ocp-apim-subscription-region") != self.region
        ):
            return azure_error(
                401000,
                "The request is not authorized because credentials are "
                "missing or invalid (region).",
            )
        targets = [value for name, value in recorded.query if name == "to"]
        if not targets or not all(targets):
            return azure_error(400036, "The target language is not valid or is missing.")
        try:
            items = json.loads(recorded.body)
        except ValueError:
            return azure_error(400074, "The body of the request is not valid JSON.")
        if not isinstance(items, list) or not items:
            return azure_error(400000, "One of the request inputs is not valid.")
        if len(items) > MAX_ELEMENTS:
            return azure_error(400072, "The array of text has too many elements.")
        texts = []
        for item in items:
            text = item.get("Text", item.get("text")) if isinstance(item, dict) else None
            if not isinstance(text, str):
                return azure_error(400000, "One of the request inputs is not valid.")
            if len(text) > MAX_CHARS:
                return azure_error(400050, "The input text is too long.")
            texts.append(text)
        charged = sum(len(text) for text in texts) * len(targets)
        if charged > MAX_CHARS:
            return azure_error(400077, "The maximum request size has been exceeded.")
        if self.quota is not None:
            if charged > self.quota:
                return azure_error(
                    403001,
                    "The operation is not allowed because the "
                    "subscription has exceeded its free quota.",
                )
            self.quota -= charged
        source = recorded.param("from")
        answer = []
        for text in texts:
            entry: dict[str, Any] = {
                "translations": [
                    {"text": fake_translation(text, target), "to": target} for target in targets
                ]
            }
            if not source:
                entry["detectedLanguage"] = {"language": "en", "score": 1.0}
            answer.append(entry)
        return JSONResponse(
            answer,
            headers={
                "X-RequestId": str(uuid.uuid4()),
                "X-Metered-Usage": str(charged),
                "X-MT-System": ",".join("Team" for _ in targets),
            },
        )

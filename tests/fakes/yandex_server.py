"""A fake Yandex Cloud Translate v2 (``POST /translate/v2/translate``) for the plugin example.

Checks ``Authorization: Api-Key``, the ``texts`` array and the documented limit of
10,000 characters over all texts; answers ``{"translations": [{"text", ...}]}``
with :func:`~tests.fakes.chat_recording.fake_translation` of each text.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.chat_recording import Recorder, fake_translation

MAX_CHARS = 10_000


class FakeYandex:
    def __init__(self, key: str) -> None:
        self.key = key
        self.recorder = Recorder()
        self.app = Starlette(
            routes=[
                Route("/translate/v2/translate", self.translate, methods=["POST"]),
            ]
        )

    async def translate(self, request: Request) -> Response:
        recorded, body, _ = await self.recorder.record(request)
        if recorded.headers.get("authorization") != f"Api-Key {self.key}":
            return JSONResponse({"code": 16, "message": "Unauthenticated", "details": []}, 401)
        texts = body.get("texts") if isinstance(body, dict) else None
        if not isinstance(texts, list) or not body.get("targetLanguageCode"):
            return JSONResponse(
                {"code": 3, "message": "texts and targetLanguageCode are required", "details": []},
                400,
            )
        if sum(len(text) for text in texts) > MAX_CHARS:
            return JSONResponse({"code": 3, "message": "texts too long", "details": []}, 400)
        translations = [
            {
                "text": fake_translation(text),
                "detectedLanguageCode": body.get("sourceLanguageCode", "en"),
            }
            for text in texts
        ]
        return JSONResponse({"translations": translations})

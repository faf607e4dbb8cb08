"""A fake LibreTranslate 1.9 server following libretranslate/app.py.

``POST /translate`` with JSON or form bodies; ``api_key`` read from the body
(when the server has keys: missing -> 400 "Please contact the server operator to
get an API key", wrong -> 403 "Invalid API key"); a string ``q`` is answered
with a string, a list with a list; ``detectedLanguage`` only for
``source=auto``; ``format`` must be ``text`` or ``html``; per-text
``char_limit`` and per-request ``batch_limit`` answer 400 with the server's
message; a per-minute request limit answers 429 "Slowdown: ...".
``GET /languages`` lists codes with their targets, ``GET /frontend/settings``
the character limit.
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

#: Public codes of a server with a few Argos models; every language pairs with every other.
DEFAULT_LANGUAGES = ("en", "de", "es", "fr", "ru", "uk", "pt-BR", "zh-Hans", "zh-Hant")


def libre_error(status: int, message: str) -> Response:
    return JSONResponse({"error": message}, status_code=status)


class LibreTranslateFake(FakeApi):
    def __init__(
        self,
        *,
        api_keys: set[str] | None = None,
        char_limit: int = -1,
        batch_limit: int = -1,
        req_limit: int = -1,
        languages: tuple[str, ...] = DEFAULT_LANGUAGES,
    ) -> None:
        super().__init__()
        self.api_keys = api_keys  # None: the server needs no key
        self.char_limit, self.batch_limit = char_limit, batch_limit
        self.requests_left = req_limit
        self.languages = languages
        self.app = Starlette(
            routes=[
                Route("/translate", self.translate, methods=["POST"]),
                Route("/languages", self.list_languages, methods=["GET"]),
                Route("/frontend/settings", self.settings, methods=["GET"]),
            ]
        )

    def _code(self, code: Any) -> str | None:
        """The public code for ``code`` (input is lower-cased before lookup, like the server)."""
        folded = {lang.lower(): lang for lang in self.languages}
        return folded.get(str(code).lower()) if code is not None else None

    async def list_languages(self, request: Request) -> Response:
        await self.record(request)
        return JSONResponse(
            [
                {"code": lang, "name": lang, "targets": [t for t in self.languages if t != lang]}
                for lang in self.languages
            ]
        )

    async def settings(self, request: Request) -> Response:
        await self.record(request)
        return JSONResponse(
            {
                "charLimit": self.char_limit,
                "frontendTimeout": 500,
                "apiKeys": self.api_keys is not None,
                "keyRequired": self.api_keys is not None,
            }
        )

    @staticmethod
    def _params(request: Request, body: bytes) -> dict[str, Any] | None:
        kind = request.headers.get("content-type", "").split(";")[0].strip()
        if kind == "application/json":
            data = json.loads(body)
            return data if isinstance(data, dict) else None
        form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
        params: dict[str, Any] = {k: v[0] for k, v in form.items()}
        if "q" in form and len(form["q"]) > 1:
            params["q"] = form["q"]
        return params

    async def translate(self, request: Request) -> Response:
        recorded = await self.record(request)
        if (scripted := self.scripted()) is not None:
            return scripted
        try:
            params = self._params(request, recorded.body)
        except (ValueError, UnicodeDecodeError):
            params = None
        if params is None:
            return libre_error(400, "Invalid request: invalid JSON")
        if self.requests_left == 0:
            return libre_error(429, "Slowdown: 1 per 1 minute")
        self.requests_left -= 1
        if self.api_keys is not None:
            key = params.get("api_key")
            if not key:
                return libre_error(400, "Please contact the server operator to get an API key")
            if key not in self.api_keys:
                return libre_error(403, "Invalid API key")
        q = params.get("q")
        for name in ("q", "source", "target"):
            if not params.get(name):
                return libre_error(400, f"Invalid request: missing {name} parameter")
        texts = q if isinstance(q, list) else [q]
        if self.batch_limit != -1 and len(texts) > self.batch_limit:
            return libre_error(
                400,
                f"Invalid request: request ({len(texts)}) exceeds text limit ({self.batch_limit})",
            )
        for text in texts:
            if self.char_limit != -1 and len(text) > self.char_limit:
                return libre_error(
                    400,
                    f"Invalid request: request ({len(text)}) exceeds text "
                    f"limit ({self.char_limit})",
                )
        source = "en" if params["source"] == "auto" else self._code(params["source"])
        target = self._code(params["target"])
        if source is None:
            return libre_error(400, f"{params['source']} is not supported")
        if target is None:
            return libre_error(400, f"{params['target']} is not supported")
        if params.get("format", "text") not in ("text", "html"):
            return libre_error(400, f"{params['format']} format is not supported")
        outputs = [fake_translation(text, target) for text in texts]
        answer: dict[str, Any] = {"translatedText": outputs if isinstance(q, list) else outputs[0]}
        if params["source"] == "auto":
            detected = {"confidence": 90.0, "language": "en"}
            answer["detectedLanguage"] = (
                [detected] * len(texts) if isinstance(q, list) else detected
            )
        return JSONResponse(answer)

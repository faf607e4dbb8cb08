"""``libretranslate``: a LibreTranslate server, ``POST /translate``.

Wire format (LibreTranslate 1.9, libretranslate/app.py): JSON body ``{"q": [...],
"source": "en", "target": "de", "format": "text", "api_key"?}`` (the key travels
in the body, not a header); a list ``q`` is answered with ``{"translatedText": [...]}``
in order. ``GET /languages`` lists ``[{"code", "name", "targets": [...]}]`` and
``GET /frontend/settings`` the server's ``charLimit``; both are read once before
the run (best effort: a server without them falls back on the language table
and the options).

Limits are server flags (``--char-limit`` per text, ``--batch-limit`` texts per
request; unlimited by default), so they are options here. Over-limit requests
get 400 "Invalid request: request (N) exceeds text limit (M)".

Errors are ``{"error": "..."}``: 400 bad request (also "Please contact the server
operator to get an API key" when a key is required), 403 "Invalid API key" or a
ban after too many limit violations, 429 "Slowdown: ...", 500 translation failure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx
from pydantic import Field

from harness.errors import (
    AuthError,
    BadResponseError,
    ProviderError,
    QuotaError,
    UnsupportedLanguageError,
)
from harness.kit.http import error_text
from harness.models import LangPair, Segment, Translation
from harness.provider import Credential, Limits
from providers.hosted import ApiOptions, HostedProvider, code_points, json_bytes

DEFAULT_URL = "https://libretranslate.com"
#: Public code <-> model code (libretranslate/language.py ``aliases``); servers before 1.6
#: list the model codes, so a listing decides which spelling a server understands.
MODEL_ALIASES = {"zh-hans": "zh", "zh-hant": "zt", "pt-br": "pb"}


class LibreTranslateOptions(ApiOptions):
    base_url: str = Field(
        DEFAULT_URL,
        description="Server URL (self-hosted servers listen on http://127.0.0.1:5000 by default).",
    )
    batch_limit: int = Field(
        25,
        ge=1,
        le=1000,
        description="Texts per request; keep it at or under the server's --batch-limit.",
    )
    char_limit: int = Field(
        5_000,
        ge=100,
        description="Characters per request (and so per text); keep it at or "
        "under the server's --char-limit. Lowered automatically to "
        "the charLimit the server announces.",
    )


class LibreTranslateProvider(HostedProvider[LibreTranslateOptions]):
    name = "libretranslate"
    version = "1"
    description = "LibreTranslate server (self-hosted or hosted)."
    Options = LibreTranslateOptions
    credentials = (
        Credential(
            "LIBRETRANSLATE_API_KEY",
            required=False,
            help="API key, for servers started with --api-keys",
        ),
    )
    table_name = "libretranslate"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = Limits(max_batch=self.options.batch_limit, max_chars=self.options.char_limit)
        #: LibreTranslate source code -> target codes, as the server listed them (lower case).
        self._offer: dict[str, set[str]] | None = None
        self._server_codes: dict[str, str] = {}

    # -- what the server offers --------------------------------------------------------

    async def prepare(self) -> None:
        """Read the server's languages and character limit, if it says."""
        listed = await self._get("/languages")
        if isinstance(listed, list):
            offer: dict[str, set[str] | None] = {}
            for entry in listed:
                if not isinstance(entry, dict) or not isinstance(entry.get("code"), str):
                    continue
                code = entry["code"]
                self._server_codes.setdefault(code.lower(), code)
                targets = entry.get("targets")
                offer[code.lower()] = (
                    {str(t).lower() for t in targets} if isinstance(targets, list) else None
                )
            # Servers older than the "targets" field translate between any two listed codes.
            every = set(offer)
            self._offer = {
                source: (every - {source} if targets is None else targets)
                for source, targets in offer.items()
            } or None
        settings = await self._get("/frontend/settings")
        limit = settings.get("charLimit") if isinstance(settings, dict) else None
        if isinstance(limit, int) and not isinstance(limit, bool) and limit > 0:
            self.limits = Limits(self.limits.max_batch, min(self.limits.max_chars, limit))

    async def _get(self, path: str) -> Any:
        assert self.client is not None
        try:
            response = await self.client.get(f"{self.base_url}{path}")
            return response.json() if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError):
            return None

    def _code(self, lang: str, role: str) -> str:
        table = self.table.source if role == "source" else self.table.target
        folded = {key.lower(): value for key, value in table.items()}
        code = folded.get(lang.lower())
        if code is None:
            # A language the server lists but the table does not know: its code is BCP-47-like.
            code = self._server_codes.get(lang.lower())
        if code is None:
            raise KeyError(lang)
        if self._server_codes and code.lower() not in self._server_codes:
            alias = MODEL_ALIASES.get(code.lower())
            if alias is None:
                alias = next(
                    (public for public, model in MODEL_ALIASES.items() if model == code.lower()),
                    None,
                )
            if alias is not None and alias in self._server_codes:
                return self._server_codes[alias]
        return code

    def source_code(self, pair: LangPair) -> str:
        return self._code(pair.source, "source")

    def target_code(self, pair: LangPair) -> str:
        return self._code(pair.target, "target")

    def language_table(self) -> Mapping[str, str] | None:
        if self._offer is None:
            return self.table.target
        return {
            bcp: code
            for bcp, code in self.table.target.items()
            if code.lower() in self._all_targets()
        }

    def _all_targets(self) -> set[str]:
        return set().union(*self._offer.values()) if self._offer else set()

    def check_pair(self, pair: LangPair) -> None:
        if self._offer is None:
            self.table.check(self.name, pair)
            return
        try:
            source, target = self.source_code(pair), self.target_code(pair)
        except KeyError as exc:
            offered = ", ".join(sorted(self._server_codes.values()))
            raise self.unsupported(
                pair, f"{exc.args[0]!r} is not a language it knows; it has {offered}"
            ) from None
        targets = self._offer.get(source.lower())
        if targets is None:
            raise self.unsupported(pair, f"it has no models from {source!r}")
        if target.lower() not in targets:
            raise self.unsupported(
                pair,
                f"from {source!r} it translates into {', '.join(sorted(targets)) or 'nothing'}",
            )

    def unsupported(self, pair: LangPair, why: str) -> UnsupportedLanguageError:
        return UnsupportedLanguageError(
            f"the LibreTranslate server at {self.base_url} cannot translate "
            f"{pair.source} -> {pair.target}: {why}"
        )

    # -- translating -----------------------------------------------------------------

    async def translate(self, batch: Sequence[Segment], pair: LangPair) -> list[Translation]:
        payload: dict[str, Any] = {
            "q": [segment.text for segment in batch],
            "source": self.source_code(pair),
            "target": self.target_code(pair),
            "format": "text",
        }
        if self.key:
            payload["api_key"] = self.key
        response = await self.post(
            f"{self.base_url}/translate",
            content=json_bytes(payload),
            headers={"Content-Type": "application/json"},
        )
        data = self.read_json(response)
        outputs = data.get("translatedText") if isinstance(data, dict) else None
        if isinstance(outputs, str) and len(batch) == 1:
            outputs = [outputs]  # servers older than batch support answer a string
        if not isinstance(outputs, list):
            raise BadResponseError(
                f"{self.name}: the answer has no 'translatedText' list", status=response.status_code
            )
        self.aligned(batch, outputs, "translations")
        return [
            Translation(self.text_of(text, f"translatedText[{index}]"), code_points(segment.text))
            for index, (segment, text) in enumerate(zip(batch, outputs, strict=True))
        ]

    def error_for(self, response: httpx.Response) -> ProviderError:
        status = response.status_code
        message = error_text(response)  # {"error": "..."}
        text = f"{self.name}: HTTP {status}: {self.scrub(message) or response.reason_phrase}"
        lowered = message.lower()
        if "api key" in lowered and status in (400, 401, 403):
            return AuthError(f"{text} (set LIBRETRANSLATE_API_KEY)", status=status)
        if status == 403 and "limit" in lowered:
            return QuotaError(
                f"{text} (the server banned this client for too many limit violations)",
                status=status,
            )
        if status == 400 and "limit" in lowered:
            return ProviderError(
                f"{text} (lower the batch_limit/char_limit options to the server's)", status=status
            )
        return self.status_error(response, message)

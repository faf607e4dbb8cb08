"""``google-v3``: Google Cloud Translation Advanced (v3), ``projects.locations.translateText``.

Wire format (discovery document translate.v3.json): ``POST
/v3/projects/{project}/locations/{location}:translateText`` with a JSON body
``{"contents": [...], "mimeType": "text/plain", "sourceLanguageCode", "targetLanguageCode",
"model"?}`` and an OAuth 2 bearer token (v3 takes no API keys). The answer is
``{"translations": [{"translatedText", "model"?}]}`` in the order of
``contents``; ``model`` comes back only when one was sent. ``mimeType`` defaults
to ``text/html`` at Google, which escapes the output, so it is always sent as
``text/plain``.

Limits: at most 1,024 entries and 30,000 code points per request (400 beyond).

The token is ``GOOGLE_ACCESS_TOKEN``, or, with the ``token_command`` option
(e.g. ``gcloud auth print-access-token``), what that command prints; tokens
expire after an hour, so on a 401 the command is run again and the request
sent once more with the fresh token (:mod:`providers.token_command`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx
from pydantic import Field

from harness.errors import (
    AuthError,
    BadResponseError,
    MissingKeyError,
    ProviderError,
)
from harness.models import LangPair, Segment, Translation
from harness.provider import Credential, Limits
from providers.google_common import google_error
from providers.hosted import ApiOptions, HostedProvider, code_points, json_bytes
from providers.token_command import TokenCommand

DEFAULT_URL = "https://translation.googleapis.com"


class GoogleV3Options(ApiOptions):
    base_url: str = Field(DEFAULT_URL, description="API host (the path /v3/projects/... is added).")
    project: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9.:_-]*$",
        description="Google Cloud project id or number (required).",
    )
    location: str = Field(
        "global",
        pattern=r"^[a-z0-9-]+$",
        description="'global' or a region such as 'us-central1' (AutoML models and "
        "glossaries need a region).",
    )
    model: str | None = Field(
        None,
        description="Model: 'general/nmt', 'general/translation-llm', an AutoML model "
        "id, or a full 'projects/.../models/...' name. Google names the "
        "model in the answer, recorded as the engine. Unset: Google's "
        "default NMT model.",
    )
    quota_project: str | None = Field(
        None,
        description="Project billed for the request when the token belongs to a user "
        "(sent as x-goog-user-project).",
    )
    token_command: str | None = Field(
        None,
        description="Command that prints an access token, e.g. 'gcloud auth "
        "print-access-token'; run again when the token expires (401). "
        "Used when GOOGLE_ACCESS_TOKEN is unset.",
    )


class GoogleV3Provider(HostedProvider[GoogleV3Options]):
    name = "google-v3"
    version = "1"
    description = "Google Cloud Translation Advanced (v3), OAuth access token."
    Options = GoogleV3Options
    credentials = (
        Credential(
            "GOOGLE_ACCESS_TOKEN",
            option="token_command",
            help="OAuth 2 access token, e.g. from 'gcloud auth print-access-token'",
        ),
    )
    limits = Limits(max_batch=1024, max_chars=30_000)
    table_name = "google"

    _tokens: TokenCommand | None = None

    def _token_source(self) -> TokenCommand | None:
        if self.key is None and self.options.token_command and self._tokens is None:
            self._tokens = TokenCommand(self.options.token_command, self.name)
        return self._tokens

    async def _bearer(self) -> str:
        source = self._token_source()
        if source is not None:
            return await source.token()
        if self.key is None:  # the core checks this before any work; a direct use may not
            raise MissingKeyError(self.name, "GOOGLE_ACCESS_TOKEN", "token_command")
        return self.key

    @property
    def parent(self) -> str:
        return f"projects/{self.options.project}/locations/{self.options.location}"

    def _model(self) -> str | None:
        model = self.options.model
        if not model or model.startswith("projects/"):
            return model or None
        return f"{self.parent}/models/{model}"

    async def translate(self, batch: Sequence[Segment], pair: LangPair) -> list[Translation]:
        payload: dict[str, Any] = {
            "contents": [segment.text for segment in batch],
            "mimeType": "text/plain",
            "sourceLanguageCode": self.source_code(pair),
            "targetLanguageCode": self.target_code(pair),
        }
        model = self._model()
        if model:
            payload["model"] = model
        token = await self._bearer()
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        if self.options.quota_project:
            headers["x-goog-user-project"] = self.options.quota_project
        url = f"{self.base_url}/v3/{self.parent}:translateText"
        try:
            response = await self.post(url, content=json_bytes(payload), headers=headers)
        except AuthError as exc:
            if self._tokens is None or getattr(exc, "status", None) != 401:
                raise
            # The token expired: one fresh token, one more try.
            headers["Authorization"] = f"Bearer {await self._tokens.refresh(token)}"
            response = await self.post(url, content=json_bytes(payload), headers=headers)
        data = self.read_json(response)
        items = data.get("translations") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise BadResponseError(
                f"{self.name}: the answer has no 'translations' list", status=response.status_code
            )
        self.aligned(batch, items, "translations")
        out: list[Translation] = []
        for index, (segment, item) in enumerate(zip(batch, items, strict=True)):
            if not isinstance(item, dict):
                raise BadResponseError(f"{self.name}: translation {index} is not an object")
            text = self.text_of(item.get("translatedText"), f"translations[{index}].translatedText")
            reported = item.get("model")
            out.append(
                Translation(
                    text, code_points(segment.text), reported if isinstance(reported, str) else None
                )
            )
        return out

    def error_for(self, response: httpx.Response) -> ProviderError:
        return google_error(self, response)

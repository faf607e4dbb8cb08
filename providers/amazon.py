"""``amazon``: Amazon Translate ``TranslateText`` (AWS JSON 1.1, Signature Version 4).

Wire format (botocore service model translate/2017-07-01, smithy's awsJson1_1
protocol): ``POST /`` on ``translate.<region>.amazonaws.com`` with
``Content-Type: application/x-amz-json-1.1``, ``X-Amz-Target:
AWSShineFrontendService_20170701.TranslateText`` and the body ``{"Text",
"SourceLanguageCode", "TargetLanguageCode", "Settings"?, "TerminologyNames"?}``;
the answer is ``{"TranslatedText", "SourceLanguageCode", "TargetLanguageCode",
...}``. Requests are signed with botocore's SigV4 signer (signing name
``translate``); botocore is the optional extra ``harness[amazon]``.

Limits: one text per call, at most 10,000 UTF-8 *bytes*. ``max_chars`` (5,000)
keeps two-byte scripts within it; a text that still exceeds 10,000 bytes (CJK,
emoji) is cut here at sentence boundaries into pieces within the byte limit,
translated piece by piece and rejoined (flagged ``split``).

Errors carry their type in ``__type`` (possibly ``namespace#Type:url``; both
decorations are stripped, as AWS SDKs do) or in the header ``X-Amzn-ErrorType``;
they are classified by type, the HTTP status only when the type is unknown.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import httpx
from pydantic import Field

from harness.errors import (
    AuthError,
    BadResponseError,
    ProviderError,
    QuotaError,
    RateLimitError,
    TransientError,
    UsageError,
)
from harness.kit.http import retry_after
from harness.models import LangPair, Segment, Translation, Usage
from harness.provider import Credential, Limits
from harness.run.splitting import join_pieces, sentences, split_text
from providers.hosted import ApiOptions, HostedProvider, json_bytes, pack

TARGET = "AWSShineFrontendService_20170701.TranslateText"
CONTENT_TYPE = "application/x-amz-json-1.1"
#: TranslateTextRequest.Text: "BoundedLengthString", at most 10,000 bytes of UTF-8.
MAX_TEXT_BYTES = 10_000

_RATE = {
    "TooManyRequestsException",
    "ThrottlingException",
    "Throttling",
    "ThrottledException",
    "RequestLimitExceeded",
    "LimitExceededException",
    "ProvisionedThroughputExceededException",
}
_TRANSIENT = {
    "InternalServerException",
    "ServiceUnavailableException",
    "InternalFailure",
    "InternalServerError",
    "ServiceUnavailable",
    "RequestTimeout",
    "RequestTimeoutException",
}
_AUTH = {
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "IncompleteSignature",
    "IncompleteSignatureException",
    "MissingAuthenticationToken",
    "MissingAuthenticationTokenException",
    "AccessDeniedException",
    "AccessDenied",
    "ExpiredTokenException",
    "ExpiredToken",
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "NotAuthorized",
    "NotAuthorizedException",
    "AuthFailure",
    "RequestExpired",
    "InvalidAccessKeyId",
    "OptInRequired",
}
_QUOTA = {"ServiceQuotaExceededException"}


class AmazonOptions(ApiOptions):
    region: str = Field(
        "us-east-1",
        pattern=r"^[a-z]{2}(-[a-z]+)+-\d+$",
        description="AWS region that signs and serves the requests.",
    )
    base_url: str = Field(
        "https://translate.{region}.amazonaws.com",
        description="Endpoint; '{region}' is replaced by the region option.",
    )
    formality: Literal["FORMAL", "INFORMAL"] | None = Field(
        None,
        description="Formality of the output (ignored for targets without support).",
    )
    profanity: bool = Field(False, description="Mask profane words in the output.")
    brevity: bool = Field(False, description="Shorter translations (Settings.Brevity=ON).")
    terminology: str | None = Field(None, description="Name of a custom terminology to apply.")


def error_type(response: httpx.Response, body: Any) -> str:
    """The bare error type: header X-Amzn-ErrorType, else ``__type``/``code`` of the body."""
    raw = response.headers.get("x-amzn-errortype", "")
    if not raw and isinstance(body, dict):
        raw = str(body.get("__type") or body.get("code") or body.get("Code") or "")
    bare: str = raw.split("#")[-1].split(":")[0].strip()
    return bare


def _signer() -> tuple[Any, Any, Any]:
    """botocore's SigV4 pieces, or a clear error saying how to install them."""
    try:
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
    except ImportError as exc:
        raise UsageError(
            "the amazon provider signs requests with botocore, which is not installed: "
            "pip install 'harness[amazon]'"
        ) from exc
    return SigV4Auth, AWSRequest, Credentials


class AmazonProvider(HostedProvider[AmazonOptions]):
    name = "amazon"
    version = "1"
    description = "Amazon Translate TranslateText (SigV4 through botocore)."
    Options = AmazonOptions
    credentials = (
        Credential("AWS_ACCESS_KEY_ID", help="AWS access key id"),
        Credential("AWS_SECRET_ACCESS_KEY", help="AWS secret access key"),
        Credential(
            "AWS_SESSION_TOKEN", required=False, help="session token of temporary credentials"
        ),
    )
    limits = Limits(max_batch=1, max_chars=5_000)
    table_name = "amazon"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sigv4, self._aws_request, self._aws_credentials = _signer()

    @property
    def base_url(self) -> str:
        return self.options.base_url.replace("{region}", self.options.region)

    def _settings(self) -> dict[str, Any]:
        settings: dict[str, Any] = {}
        if self.options.formality:
            settings["Formality"] = self.options.formality
        if self.options.profanity:
            settings["Profanity"] = "MASK"
        if self.options.brevity:
            settings["Brevity"] = "ON"
        return settings

    def signed_headers(self, url: str, body: bytes) -> dict[str, str]:
        """Headers of a SigV4-signed TranslateText call carrying ``body``."""
        request = self._aws_request(
            method="POST",
            url=url,
            data=body,
            headers={"Content-Type": CONTENT_TYPE, "X-Amz-Target": TARGET},
        )
        credentials = self._aws_credentials(
            self.secrets.get("AWS_ACCESS_KEY_ID", ""),
            self.secrets.get("AWS_SECRET_ACCESS_KEY", ""),
            self.secrets.get("AWS_SESSION_TOKEN") or None,
        )
        self._sigv4(credentials, "translate", self.options.region).add_auth(request)
        return {str(k): str(v) for k, v in request.headers.items()}

    async def translate(self, batch: Sequence[Segment], pair: LangPair) -> list[Translation]:
        return [await self._translate_segment(segment, pair) for segment in batch]

    async def _translate_segment(self, segment: Segment, pair: LangPair) -> Translation:
        pieces = byte_pieces(segment.text, MAX_TEXT_BYTES)
        outputs = [await self._request(piece, pair) for piece in pieces]
        usage = Usage(characters=len(segment.text))
        if len(outputs) == 1:
            return Translation(outputs[0], usage)
        return Translation(
            join_pieces(outputs, pair.target),
            usage,
            flags=("split",),
            detail={"pieces": len(pieces)},
        )

    async def _request(self, text: str, pair: LangPair) -> str:
        payload: dict[str, Any] = {
            "Text": text,
            "SourceLanguageCode": self.source_code(pair),
            "TargetLanguageCode": self.target_code(pair),
        }
        settings = self._settings()
        if settings:
            payload["Settings"] = settings
        if self.options.terminology:
            payload["TerminologyNames"] = [self.options.terminology]
        body = json_bytes(payload)
        url = f"{self.base_url}/"
        response = await self.post(url, content=body, headers=self.signed_headers(url, body))
        data = self.read_json(response)
        if not isinstance(data, dict) or "TranslatedText" not in data:
            raise BadResponseError(
                f"{self.name}: the answer has no TranslatedText", status=response.status_code
            )
        return self.text_of(data["TranslatedText"], "TranslatedText")

    def error_for(self, response: httpx.Response) -> ProviderError:
        status = response.status_code
        try:
            body = response.json()
        except ValueError:
            body = None
        kind = error_type(response, body)
        message = ""
        if isinstance(body, dict):
            message = str(body.get("message") or body.get("Message") or "")
        text = (
            f"{self.name}: {kind or f'HTTP {status}'}: "
            f"{self.scrub(message) or response.reason_phrase}"
        )
        if kind in _RATE:
            return RateLimitError(text, status=status, retry_after=retry_after(response))
        if kind in _TRANSIENT:
            return TransientError(text, status=status, retry_after=retry_after(response))
        if kind in _AUTH:
            return AuthError(
                f"{text} (check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, "
                "AWS_SESSION_TOKEN and the region)",
                status=status,
            )
        if kind in _QUOTA:
            return QuotaError(text, status=status)
        # Request errors (InvalidRequestException, UnsupportedLanguagePairException, ...)
        # and unknown types: the HTTP status decides (400 fails the segment, 5xx is retried).
        return self.status_error(response, message or response.text, kind or None)


def byte_pieces(text: str, limit: int) -> list[str]:
    """``text`` itself if it fits in ``limit`` UTF-8 bytes, else sentence-cut pieces that do."""
    if len(text.encode("utf-8")) <= limit:
        return [text]
    # A code point takes at most 4 bytes, so a chunk of limit // 4 characters always fits.
    chunks = [chunk for sentence in sentences(text) for chunk in split_text(sentence, limit // 4)]
    runs = pack(chunks, lambda chunk: len(chunk.encode("utf-8")), fixed=0, limit=limit)
    return [" ".join(run) for run in runs]

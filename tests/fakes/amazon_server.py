"""A fake Amazon Translate (AWS JSON 1.1) that verifies SigV4 signatures in full.

``POST /`` dispatched on ``X-Amz-Target``; ``Content-Type:
application/x-amz-json-1.1`` required; the ``Authorization`` header must be a
SigV4 header for service ``translate`` in the fake's region, with a known access
key, every ``x-amz-*`` header signed, a date within 15 minutes, the session
token when the credentials have one, and a signature that matches the one
recomputed here (botocore's canonical request, string to sign and key
derivation, from the request exactly as it arrived). ``Text`` above 10,000
UTF-8 bytes is refused with ``TextSizeLimitExceededException``; errors are
``{"__type": ..., "message": ...}``.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.recording import FakeApi, Recorded, fake_translation

TARGET = "AWSShineFrontendService_20170701.TranslateText"
CONTENT_TYPE = "application/x-amz-json-1.1"
MAX_TEXT_BYTES = 10_000
#: The example credentials of the AWS documentation; never valid anywhere.
TEST_ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
TEST_SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
LANGUAGES = {
    "af",
    "sq",
    "am",
    "ar",
    "hy",
    "az",
    "bn",
    "bs",
    "bg",
    "ca",
    "zh",
    "zh-TW",
    "hr",
    "cs",
    "da",
    "fa-AF",
    "nl",
    "en",
    "et",
    "fa",
    "tl",
    "fi",
    "fr",
    "fr-CA",
    "ka",
    "de",
    "el",
    "gu",
    "ht",
    "ha",
    "he",
    "hi",
    "hu",
    "is",
    "id",
    "ga",
    "it",
    "ja",
    "kn",
    "kk",
    "ko",
    "lv",
    "lt",
    "mk",
    "ms",
    "ml",
    "mt",
    "mr",
    "mn",
    "no",
    "ps",
    "pl",
    "pt",
    "pt-PT",
    "pa",
    "ro",
    "ru",
    "sr",
    "si",
    "sk",
    "sl",
    "so",
    "es",
    "es-MX",
    "sw",
    "sv",
    "ta",
    "te",
    "th",
    "tr",
    "uk",
    "ur",
    "uz",
    "vi",
    "cy",
}
_AUTH = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, "
    r"SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$"
)


def aws_error(status: int, kind: str, message: str) -> Response:
    return JSONResponse(
        {"__type": kind, "message": message},
        status_code=status,
        headers={"Content-Type": CONTENT_TYPE},
    )


class AmazonFake(FakeApi):
    def __init__(
        self,
        *,
        region: str = "eu-west-1",
        access_key: str = TEST_ACCESS_KEY,
        secret_key: str = TEST_SECRET_KEY,
        session_token: str | None = None,
    ) -> None:
        super().__init__()
        self.region = region
        self.access_key, self.secret_key = access_key, secret_key
        self.session_token = session_token
        self.app = Starlette(routes=[Route("/", self.dispatch, methods=["POST"])])

    def check_signature(self, recorded: Recorded) -> Response | None:
        """None if the request is signed correctly, else the error AWS would answer."""
        header = recorded.headers.get("authorization")
        if not header:
            return aws_error(
                400, "MissingAuthenticationTokenException", "Missing Authentication Token"
            )
        match = _AUTH.match(header)
        if match is None:
            return aws_error(
                400,
                "IncompleteSignatureException",
                "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature'.",
            )
        access_key, day, region, service, signed, signature = match.groups()
        if access_key != self.access_key:
            return aws_error(
                400,
                "UnrecognizedClientException",
                "The security token included in the request is invalid.",
            )
        if service != "translate" or region != self.region:
            return aws_error(
                400,
                "InvalidSignatureException",
                f"Credential should be scoped to a valid region and to the "
                f"service 'translate' ({self.region}).",
            )
        stamp = recorded.headers.get("x-amz-date", "")
        try:
            when = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        except ValueError:
            return aws_error(400, "IncompleteSignatureException", "X-Amz-Date is missing.")
        if abs(datetime.now(UTC) - when) > timedelta(minutes=15) or stamp[:8] != day:
            return aws_error(400, "InvalidSignatureException", "Signature expired.")
        names = signed.split(";")
        unsigned = [h for h in recorded.headers if h.startswith("x-amz-") and h not in names]
        if "host" not in names or unsigned:
            return aws_error(
                400,
                "InvalidSignatureException",
                f"Headers must be signed: host and {unsigned or 'x-amz-*'}",
            )
        if (
            self.session_token is not None
            and recorded.headers.get("x-amz-security-token") != self.session_token
        ):
            return aws_error(
                400,
                "UnrecognizedClientException",
                "The security token included in the request is invalid.",
            )
        # Recompute the signature from the request exactly as it arrived.
        rebuilt = AWSRequest(
            method=recorded.method,
            url=f"http://{recorded.headers['host']}{recorded.path}",
            data=recorded.body,
            headers={name: recorded.headers.get(name, "") for name in names},
        )
        rebuilt.context["timestamp"] = stamp
        signer = SigV4Auth(Credentials(self.access_key, self.secret_key), "translate", self.region)
        canonical = signer.canonical_request(rebuilt)
        expected = signer.signature(signer.string_to_sign(rebuilt, canonical), rebuilt)
        if signer.signed_headers(signer.headers_to_sign(rebuilt)) != signed or (
            expected != signature
        ):
            return aws_error(
                403,
                "InvalidSignatureException",
                "The request signature we calculated does not match the signature you provided.",
            )
        return None

    async def dispatch(self, request: Request) -> Response:
        recorded = await self.record(request)
        if (scripted := self.scripted()) is not None:
            return scripted
        if recorded.headers.get("x-amz-target") != TARGET:
            return aws_error(400, "UnknownOperationException", "Unknown operation")
        if recorded.headers.get("content-type", "").split(";")[0] != CONTENT_TYPE:
            return aws_error(400, "SerializationException", "Expected application/x-amz-json-1.1")
        refused = self.check_signature(recorded)
        if refused is not None:
            return refused
        try:
            body = json.loads(recorded.body)
        except ValueError:
            return aws_error(400, "SerializationException", "Body is not valid JSON")
        text = body.get("Text") if isinstance(body, dict) else None
        source, target = body.get("SourceLanguageCode"), body.get("TargetLanguageCode")
        if not isinstance(text, str) or not text or not source or not target:
            return aws_error(
                400,
                "InvalidRequestException",
                "Text, SourceLanguageCode and TargetLanguageCode are required.",
            )
        if len(text.encode("utf-8")) > MAX_TEXT_BYTES:
            return aws_error(
                400,
                "TextSizeLimitExceededException",
                f"Input text size exceeds limit. Max length of request text "
                f"allowed is {MAX_TEXT_BYTES} bytes",
            )
        if source not in LANGUAGES | {"auto"} or target not in LANGUAGES:
            return aws_error(
                400,
                "UnsupportedLanguagePairException",
                f"Unsupported language pair: {source} to {target}",
            )
        answer = {
            "TranslatedText": fake_translation(text, target),
            "SourceLanguageCode": source,
            "TargetLanguageCode": target,
        }
        if body.get("Settings"):
            answer["AppliedSettings"] = body["Settings"]
        return JSONResponse(answer, headers={"Content-Type": CONTENT_TYPE})

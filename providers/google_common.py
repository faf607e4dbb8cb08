"""What Google Cloud Translation Basic (v2) and Advanced (v3) share: the error envelope.

Both answer failures with ``{"error": {"code", "message", "status", "details"?}}``
(``google.rpc.Status`` as JSON); v2 adds a legacy ``errors`` list of
``{"message", "domain", "reason"}``. The Cloud Translation quotas page documents
quota exhaustion as 403 with "User Rate Limit Exceeded" (per minute: retry
later) or "Daily Limit Exceeded" (per day: stop, it resets at midnight Pacific);
newer answers say 429 ``RESOURCE_EXHAUSTED``. A wrong API key is a 400
``INVALID_ARGUMENT`` whose reason is ``API_KEY_INVALID`` ("API key not valid").
"""

from __future__ import annotations

from typing import Any

import httpx

from harness.errors import AuthError, ProviderError, QuotaError, RateLimitError
from harness.kit.http import retry_after
from providers.hosted import HostedProvider

_DAILY = ("daily limit exceeded", "dailylimitexceeded", "per day", "dailylimit")
_RATE = (
    "user rate limit exceeded",
    "userratelimitexceeded",
    "ratelimitexceeded",
    "rate limit exceeded",
    "per minute",
)
_BAD_KEY = (
    "api key not valid",
    "api_key_invalid",
    "keyinvalid",
    "api key expired",
    "api_key_expired",
)
_BILLING = ("billing_disabled", "billingnotenabled", "billing to be enabled")


def _words(body: Any) -> tuple[str, str]:
    """(message, everything searchable) from a Google error envelope."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return "", ""
    message = str(error.get("message") or "")
    parts = [message, str(error.get("status") or "")]
    for entry in error.get("errors") or []:
        if isinstance(entry, dict):
            parts += [str(entry.get("reason") or ""), str(entry.get("message") or "")]
    for detail in error.get("details") or []:
        if isinstance(detail, dict):
            parts.append(str(detail.get("reason") or ""))
    return message, " ".join(parts).lower()


def google_error(provider: HostedProvider[Any], response: httpx.Response) -> ProviderError:
    """Map a failed Google Cloud Translation answer onto the harness error tree."""
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    message, words = _words(body)
    if not message:
        message = response.text
    text = f"{provider.name}: HTTP {status}: {provider.scrub(message) or response.reason_phrase}"
    if any(marker in words for marker in _DAILY):
        return QuotaError(
            f"{text} (the daily quota is used up; it resets at midnight Pacific time)",
            status=status,
        )
    if any(marker in words for marker in _RATE) or status == 429:
        return RateLimitError(text, status=status, retry_after=retry_after(response))
    if any(marker in words for marker in _BILLING):
        return QuotaError(f"{text} (billing is not enabled for the project)", status=status)
    if any(marker in words for marker in _BAD_KEY) or status in (401, 403):
        return AuthError(f"{text} (check the credentials)", status=status)
    return provider.status_error(response, message)

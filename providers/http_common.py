"""HTTP helpers shared by adapters: waiting hints, secret-free messages, transport failures.

* :func:`retry_after_seconds` reads how long a backend asks us to wait, from the
  headers the official SDKs honour (``retry-after-ms``, ``retry-after`` in
  seconds or as an HTTP date) and from reset headers (OpenAI's Go-style
  durations, Anthropic's RFC 3339 timestamps).
* :func:`redact` removes keys from text a backend sent back (OpenAI echoes a
  masked key in its 401 message) before it reaches an exception.
* :func:`transport_error` turns an httpx failure into a retryable
  :class:`~harness.errors.TransientError` that names no URL (URLs can carry keys).
* :class:`RequestRejectedError`: the backend refused the request itself (unknown
  model, unsupported parameter); every later request would be refused the same way.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from harness.errors import BadResponseError, TransientError

# Go's time.Duration string format (OpenAI x-ratelimit-reset-*): "1h2m3.5s", "6m0s", "12ms".
_GO_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)")
_GO_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}
# A masked key as OpenAI prints it in 401 messages: "sk-proj-****...abcd".
_MASKED_TOKEN = re.compile(r"\S*\*{3,}\S*")
_REDACTED = "[redacted]"


class RequestRejectedError(BadResponseError):
    """The backend refused the request as invalid (unknown model, bad option): stop the run.

    Fatal, because the same options go into every request; the message carries the
    backend's explanation so the user can fix the model name or option.
    """

    fatal = True


def go_duration_seconds(text: str) -> float | None:
    """Seconds in a Go duration string (``"1m30s"``, ``"250ms"``), or None if it is not one."""
    text = text.strip()
    parts = _GO_DURATION_PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    return sum(float(number) * _GO_UNITS[unit] for number, unit in parts)


def _http_date_seconds(text: str, now: float) -> float | None:
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(when.timestamp() - now, 0.0)


def _timestamp_seconds(text: str, now: float) -> float | None:
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(when.timestamp() - now, 0.0)


def _number(text: str) -> float | None:
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if value >= 0 else None


def retry_after_seconds(
    headers: Mapping[str, str], *, reset_headers: Iterable[str] = (), now: float | None = None
) -> float | None:
    """How long the backend asks us to wait, in seconds, or None if it does not say.

    Order as in the official SDKs: ``retry-after-ms``, then ``retry-after`` (seconds or
    HTTP date); then, if neither is there, the longest of ``reset_headers`` (Go
    durations or RFC 3339 timestamps).
    """
    now = time.time() if now is None else now
    lowered = {k.lower(): v for k, v in headers.items()}
    if (value := lowered.get("retry-after-ms")) is not None:
        millis = _number(value)
        if millis is not None:
            return millis / 1000.0
    if (value := lowered.get("retry-after")) is not None:
        seconds = _number(value)
        if seconds is None:
            seconds = _http_date_seconds(value, now)
        if seconds is not None:
            return seconds
    waits: list[float] = []
    for name in reset_headers:
        value = lowered.get(name.lower())
        if value is None:
            continue
        wait = go_duration_seconds(value)
        if wait is None:
            wait = _timestamp_seconds(value, now)
        if wait is None:
            wait = _number(value)
        if wait is not None:
            waits.append(wait)
    return max(waits) if waits else None


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` without any secret, any long piece of one, or a masked key (``sk-***abcd``)."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, _REDACTED)
    text = _MASKED_TOKEN.sub(_REDACTED, text)
    words = re.findall(r"[A-Za-z0-9_\-]{8,}", text)
    for word in words:
        if any(word in secret for secret in secrets if secret):
            text = text.replace(word, _REDACTED)
    return text


def transport_error(backend: str, exc: httpx.HTTPError) -> TransientError:
    """A retryable error for a failed connection or timeout, without the URL in its message."""
    kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "connection failed"
    return TransientError(f"{backend}: {kind} ({type(exc).__name__})")


def json_body(response: httpx.Response) -> Any:
    """The decoded JSON body, or None when there is none or it is not JSON."""
    try:
        return response.json()
    except ValueError:
        return None


def short(text: str, limit: int = 300) -> str:
    """One line of at most ``limit`` characters, for error messages."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"

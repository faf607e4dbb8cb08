"""How long a backend asks us to wait: the one ``Retry-After`` parser.

Reads the headers the official SDKs honour, in their order: ``retry-after-ms``
(milliseconds, OpenAI and Anthropic), then ``retry-after`` in seconds or as an
HTTP date (RFC 9110 §10.2.3); then, when neither is there, the longest of the
reset headers an adapter names (OpenAI's Go-style durations ``"1m30s"``,
Anthropic's RFC 3339 timestamps, or plain seconds).

Every wait is capped at :data:`MAX_RETRY_AFTER`: a backend asking for hours is
usually out of a daily quota, better reported than waited out.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

#: The longest pause honoured from a backend's hint, in seconds.
MAX_RETRY_AFTER = 600.0

# Go's time.Duration string format (OpenAI x-ratelimit-reset-*): "1h2m3.5s", "6m0s", "12ms".
_GO_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)")
_GO_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}


def go_duration_seconds(text: str) -> float | None:
    """Seconds in a Go duration string (``"1m30s"``, ``"250ms"``), or None if it is not one."""
    text = text.strip()
    parts = _GO_DURATION_PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    return sum(float(number) * _GO_UNITS[unit] for number, unit in parts)


def _seconds(text: str) -> float | None:
    try:
        value = float(text.strip())
    except ValueError:
        return None
    # "nan", "inf" and negative numbers are not waits a server can mean.
    return value if math.isfinite(value) and value >= 0 else None


def _http_date_wait(text: str, now: float) -> float | None:
    try:
        when = parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT
        when = when.replace(tzinfo=UTC)
    return max(when.timestamp() - now, 0.0)


def _timestamp_wait(text: str, now: float) -> float | None:
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(when.timestamp() - now, 0.0)


def retry_after_seconds(
    headers: Mapping[str, str],
    *,
    reset_headers: Iterable[str] = (),
    now: float | None = None,
    cap: float = MAX_RETRY_AFTER,
) -> float | None:
    """Seconds the backend asks us to wait (at most ``cap``), or None if it does not say."""
    now = time.time() if now is None else now
    lowered = {key.lower(): value for key, value in headers.items()}
    wait: float | None = None
    if (value := lowered.get("retry-after-ms")) is not None:
        millis = _seconds(value)
        wait = None if millis is None else millis / 1000.0
    if wait is None and (value := lowered.get("retry-after")) is not None:
        wait = _seconds(value)
        if wait is None:
            wait = _http_date_wait(value, now)
    if wait is None:
        waits = []
        for name in reset_headers:
            value = lowered.get(name.lower())
            if value is None:
                continue
            reset = go_duration_seconds(value)
            if reset is None:
                reset = _timestamp_wait(value, now)
            if reset is None:
                reset = _seconds(value)
            if reset is not None:
                waits.append(reset)
        wait = max(waits) if waits else None
    return None if wait is None else min(wait, cap)

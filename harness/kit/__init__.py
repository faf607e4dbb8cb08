"""The public adapter kit: what every HTTP adapter needs, first-party or plugin.

The first-party adapters in ``providers/`` are built from these same pieces, so
a plugin gets exactly the behaviour they have:

* :func:`retry_after_seconds` (:mod:`harness.kit.retry_after`): the one parser of
  ``retry-after-ms``, ``Retry-After`` (seconds or HTTP date) and reset headers,
  capped at :data:`MAX_RETRY_AFTER`;
* :class:`Redactor` (:mod:`harness.kit.redaction`): removes the adapter's secrets in
  every spelling (CR/LF-stripped, percent- and backslash-escaped) and URL
  credentials from any text, before it is shortened into a message;
* :func:`send`, :func:`send_checked`, :func:`status_error` (:mod:`harness.kit.http`):
  send an :class:`httpx.Request` and map 401/403, 408, 429, 5xx, timeouts and
  connection failures onto :mod:`harness.errors`;
* :class:`HttpProvider` (:mod:`harness.kit.adapter`): a
  :class:`~harness.provider.Provider` with those helpers bound to its name and secrets;
* :class:`ChatProvider` (:mod:`harness.kit.chat`): the chat adapter template (one
  paragraph per request, prompt, answer checks, error mapping) that the ``openai``
  and ``anthropic`` adapters fill in with their wire formats.

The chat template is imported from :mod:`harness.kit.chat` (it loads CLDR data).
"""

from __future__ import annotations

from harness.errors import REDACTED
from harness.kit.adapter import HttpProvider
from harness.kit.http import (
    json_body,
    read_json,
    retry_after,
    send,
    send_checked,
    status_error,
    transport_error,
)
from harness.kit.redaction import Redactor, redact, redact_url, short
from harness.kit.retry_after import MAX_RETRY_AFTER, go_duration_seconds, retry_after_seconds

__all__ = [
    "MAX_RETRY_AFTER",
    "REDACTED",
    "HttpProvider",
    "Redactor",
    "go_duration_seconds",
    "json_body",
    "read_json",
    "redact",
    "redact_url",
    "retry_after",
    "retry_after_seconds",
    "send",
    "send_checked",
    "short",
    "status_error",
    "transport_error",
]

"""Sending one request and mapping what comes back onto the harness error tree.

* :func:`send` sends an :class:`httpx.Request` through the client the core
  handed in. Timeouts, refused connections and resets become a retryable
  :class:`~harness.errors.TransientError` whose message names no URL (URLs can
  carry keys) and whose cause is dropped when it would repeat a secret.
* :func:`status_error` is the mapping by HTTP status that every adapter falls
  back on: 401/403 :class:`~harness.errors.AuthError`, 429
  :class:`~harness.errors.RateLimitError` and 408/5xx
  :class:`~harness.errors.TransientError` (both with the backend's Retry-After),
  anything else a plain :class:`~harness.errors.ProviderError`.
* :func:`send_checked` does both: the response on success, else the mapped error,
  with a hook for the statuses and error codes one backend gives its own meaning.
* :func:`read_json` decodes a success answer or raises
  :class:`~harness.errors.BadResponseError`.

Every piece of backend text is redacted before it is shortened and put in a message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import httpx

from harness.errors import (
    AuthError,
    BadResponseError,
    HarnessError,
    ProviderError,
    RateLimitError,
    TransientError,
)
from harness.kit.redaction import Redactor
from harness.kit.retry_after import retry_after_seconds

#: A backend's own reading of a failed answer, or None to fall back on the status mapping.
Explain = Callable[[httpx.Response, str], HarnessError | None]


def transport_error(backend: str, exc: httpx.HTTPError) -> TransientError:
    """A retryable error for a failed connection or timeout; the message names no URL."""
    if isinstance(exc, httpx.TimeoutException):
        return TransientError(f"{backend}: no answer in time ({type(exc).__name__})")
    return TransientError(f"{backend}: cannot reach the server ({type(exc).__name__})")


async def send(
    client: httpx.AsyncClient | None,
    request: httpx.Request,
    *,
    backend: str,
    redactor: Redactor | None = None,
) -> httpx.Response:
    """Send ``request``; transport failures become :class:`TransientError`."""
    if client is None:
        raise RuntimeError(f"{backend}: the core must hand in an HTTP client")
    try:
        return await client.send(request)
    except httpx.TransportError as exc:
        failure = exc
    error = transport_error(backend, failure)
    leaks = redactor is not None and redactor.leaks(f"{failure!s} {failure!r}")
    # Raised outside the except block, so a cause that names a secret stays out of the chain.
    raise error from (None if leaks else failure)


def error_text(response: httpx.Response) -> str:
    """What a failed answer says: the usual JSON message fields, else its text."""
    try:
        body = response.json()
    except ValueError:
        return response.text
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, str):
            return error
        if isinstance(error, dict):
            parts = [str(error[k]) for k in ("message", "explanation", "detail") if error.get(k)]
            if parts:
                return ": ".join(parts)
    return response.text


def retry_after(response: httpx.Response, reset_headers: Iterable[str] = ()) -> float | None:
    """Seconds ``response`` asks us to wait (capped), or None: :func:`retry_after_seconds`."""
    return retry_after_seconds(response.headers, reset_headers=reset_headers)


def status_error(
    response: httpx.Response,
    *,
    backend: str,
    message: str = "",
    label: str | None = None,
    redactor: Redactor | None = None,
    reset_headers: Iterable[str] = (),
) -> ProviderError:
    """The harness error for a failed answer, by HTTP status alone.

    ``message`` is what the backend said (redacted and shortened here); ``label``
    names the failure (the backend's error code), default ``HTTP <status>``;
    ``reset_headers`` are the backend's rate-limit reset headers, read when a 429
    carries no Retry-After.
    """
    status = response.status_code
    said = (redactor or Redactor()).clean(message) or response.reason_phrase
    text = f"{backend}: {label or f'HTTP {status}'}: {said}"
    if status in (401, 403):
        return AuthError(f"{text} (check the key)", status=status)
    if status == 429:
        return RateLimitError(text, status=status, retry_after=retry_after(response, reset_headers))
    if status == 408 or status >= 500:
        return TransientError(text, status=status, retry_after=retry_after(response))
    return ProviderError(text, status=status)


async def send_checked(
    client: httpx.AsyncClient | None,
    request: httpx.Request,
    *,
    backend: str,
    redactor: Redactor | None = None,
    explain: Explain | None = None,
    ok: Callable[[int], bool] = lambda status: 200 <= status < 300,
) -> httpx.Response:
    """Send ``request`` and return the response if ``ok`` says its status is a success.

    Otherwise raise ``explain(response, redacted_message)`` when it returns an
    error, else :func:`status_error`.
    """
    response = await send(client, request, backend=backend, redactor=redactor)
    if ok(response.status_code):
        return response
    redactor = redactor or Redactor()
    message = redactor.clean(error_text(response))
    if explain is not None and (error := explain(response, message)) is not None:
        raise error
    raise status_error(response, backend=backend, message=message, redactor=redactor)


def json_body(response: httpx.Response) -> Any:
    """The decoded JSON body, or None when there is none or it is not JSON."""
    try:
        return response.json()
    except ValueError:
        return None


def read_json(response: httpx.Response, *, backend: str, redactor: Redactor | None = None) -> Any:
    """The JSON body of an answer; anything else is a :class:`BadResponseError`."""
    try:
        return response.json()
    except ValueError as exc:
        snippet = (redactor or Redactor()).clean(response.text, 120)
        raise BadResponseError(
            f"{backend}: HTTP {response.status_code} answer is not JSON: {snippet!r}",
            status=response.status_code,
        ) from exc

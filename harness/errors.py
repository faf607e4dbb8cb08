"""The harness exception tree and the exit codes the command line maps it to.

::

    HarnessError                      exit 3 unless a subclass says otherwise
    ├── UsageError                    exit 2: bad flags, unknown names, bad input files
    │   ├── ConfigError               exit 2: harness.toml or -o overrides (says where)
    │   ├── UnknownProviderError      exit 2: with "did you mean" suggestions
    │   ├── UnsupportedLanguageError  exit 2: lists what the backend offers
    │   ├── MissingKeyError           exit 2: names the environment variable to set
    │   ├── ArticleError              exit 2: missing or inconsistent reference article
    │   └── RunFileError              exit 2: malformed or foreign run file (says line)
    └── ProviderError                 raised by adapters for one request
        ├── AuthError                 fatal: bad or missing key; stops the run
        ├── QuotaError                fatal: quota or spend limit exhausted; stops the run
        ├── WaitTooLongError          fatal: asked to wait longer than ``max_wait``
        ├── RateLimitError            retried, honouring ``retry_after``
        ├── TransientError            retried: overload, 5xx, timeouts, resets
        └── BadResponseError          the backend answered something unusable
            └── RequestRejectedError  fatal: the backend refuses the request itself

Adapters translate foreign exceptions (httpx, subprocess, JSON) into this tree at
one boundary with ``raise ... from exc``. Messages never contain secrets: the
core passes every message that leaves a run through :func:`scrub_message`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

EXIT_OK = 0
EXIT_GATE_FAILED = 1
EXIT_USAGE = 2
EXIT_RUNTIME = 3


class HarnessError(Exception):
    """Base class of every error the harness raises on purpose."""

    exit_code = EXIT_RUNTIME


class UsageError(HarnessError):
    """The user asked for something that cannot be done as asked."""

    exit_code = EXIT_USAGE


class ConfigError(UsageError):
    """A configuration file or override is broken; the message says where."""


class UnknownProviderError(UsageError):
    """No provider (adapter or configured instance) has the requested name."""

    def __init__(self, name: str, suggestions: list[str], known: list[str]) -> None:
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(
            f"unknown provider {name!r}.{hint} Known providers: {', '.join(known) or 'none'}."
        )
        self.name = name
        self.suggestions = suggestions


class UnsupportedLanguageError(UsageError):
    """The provider cannot translate the requested language pair."""


class MissingKeyError(UsageError):
    """The provider needs a key and its environment variable is unset or empty."""

    def __init__(self, provider: str, variable: str, option: str = "") -> None:
        instead = f" or the {option} option (-o {option}=...)" if option else ""
        super().__init__(
            f"provider {provider!r} needs an API key: set the environment variable "
            f"{variable}{instead}"
        )
        self.variable = variable


class ArticleError(UsageError):
    """A reference article is missing or inconsistent."""


class RunFileError(UsageError):
    """A run file is malformed, truncated beyond repair or belongs elsewhere."""


class ProviderError(HarnessError):
    """One request to a backend failed. ``retryable`` tells the runner what to do."""

    retryable = False
    fatal = False

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class AuthError(ProviderError):
    """The backend refused the credentials: nothing later can succeed."""

    fatal = True


class QuotaError(ProviderError):
    """Quota, credits or a spend limit are exhausted: stop instead of retrying."""

    fatal = True


class WaitTooLongError(ProviderError):
    """The backend asks for a pause longer than the run's ``max_wait``: stop, resume later."""

    fatal = True


class RateLimitError(ProviderError):
    """Too many requests; ``retry_after`` (seconds) comes from the backend if it said."""

    retryable = True

    def __init__(
        self, message: str, *, status: int | None = 429, retry_after: float | None = None
    ) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class TransientError(ProviderError):
    """Overload, server errors, timeouts and resets: worth another attempt."""

    retryable = True

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class BadResponseError(ProviderError):
    """The backend answered, but not with something the adapter can use."""


class RequestRejectedError(BadResponseError):
    """The backend refused the request as invalid (unknown model, bad option): stop the run.

    Fatal, because the same options go into every request; the message carries the
    backend's explanation so the user can fix the model name or option.
    """

    fatal = True


#: Longest message kept from an error, counted after secrets are removed, so that a
#: cut can never leave the first characters of a key behind.
MESSAGE_CHARS = 500
#: The shortest piece of a key that is still removed (a cut or an escape can leave one).
_KEY_PIECE = 6
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@]*@")
#: ANSI/ECMA-48 escape sequences (CSI, OSC and two-character ones), then lone controls.
_ESCAPE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
_HEX_ESCAPE = re.compile(r"%[0-9A-F]{2}")
_WORD = re.compile(r"[A-Za-z0-9_\-+/=.]{" + str(_KEY_PIECE) + ",}")
REDACTED = "[redacted]"


def scrub_message(text: str, secrets: Iterable[str] = (), limit: int | None = MESSAGE_CHARS) -> str:
    """One line without secrets, URL passwords or terminal control sequences.

    Removed: every secret as written and as HTTP and JSON libraries quote it, every
    word of six or more characters that is part of a secret (a cut or an escape
    leaves such pieces), and the ``user:password@`` of URLs. Then control characters
    (ANSI escapes included) become spaces and the text is cut to ``limit``
    characters, in that order.
    """
    keys = [key for key in secrets if key]
    for key in keys:
        for form in sorted(secret_spellings(key), key=len, reverse=True):
            if len(form) >= _KEY_PIECE:
                text = text.replace(form, REDACTED)
    if keys:
        text = _WORD.sub(lambda m: _redact_word(m.group(0), keys), text)
    text = _USERINFO.sub(r"\1", text)
    text = " ".join(without_controls(text).split())
    if limit is None or len(text) <= limit:
        return text
    return text[: limit - 1] + "…"


def secret_spellings(secret: str) -> set[str]:
    """``secret`` and the forms it takes on its way through headers, URLs, JSON and logs."""
    forms = {secret, secret.strip(), secret.replace("\r", "").replace("\n", "")}
    for form in list(forms):
        for encoded in (quote(form, safe=""), quote_plus(form, safe="")):
            forms.add(encoded)
            forms.add(_HEX_ESCAPE.sub(lambda m: m.group().lower(), encoded))
        forms.add(json.dumps(form)[1:-1])
        forms.add(form.encode("unicode_escape").decode("ascii"))
        forms.add(repr(form)[1:-1])
    return {form for form in forms if form}


def without_controls(text: str) -> str:
    """``text`` safe to print on a terminal: escape sequences dropped, controls as spaces."""
    return _CONTROL.sub(" ", _ESCAPE.sub("", text))


def _redact_word(word: str, keys: list[str]) -> str:
    # A word that overlaps a key by six or more characters at either end is a piece of it.
    for key in keys:
        if word in key:
            return REDACTED
        for size in range(min(len(word), len(key)), _KEY_PIECE - 1, -1):
            if word.endswith(key[:size]) or word.startswith(key[-size:]):
                return REDACTED
    return word

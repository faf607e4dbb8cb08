"""Keeping secrets out of messages: the one secret redactor.

A backend's error text, an exception from the HTTP library or a URL can carry a
key in several spellings. :class:`Redactor` removes, from any text:

* each secret as given, and as it looks after the usual transformations on the
  way to a server and back: CR/LF and surrounding blanks stripped (a key read
  from a file with its newline), percent-encoded (in a query string or form
  body, upper- or lower-case hex, ``+`` for spaces), backslash-escaped (inside
  a JSON string or a Python ``repr``);
* any piece of a secret of eight or more key characters (a backend that echoes
  part of the key), and masked keys such as ``sk-proj-****abcd`` (OpenAI's 401
  message);
* credentials in URLs: the userinfo (``https://user:pass@host``) and the values
  of query parameters whose names say they hold one (``key``, ``api_key``,
  ``token``, ``signature``, ``X-Amz-Credential`` ...).

:meth:`Redactor.clean` redacts first and shortens after, so a cut never leaves
half a key behind.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from harness.errors import REDACTED, secret_spellings

#: Longest piece of a backend's text repeated in a message.
MESSAGE_CHARS = 300

# A masked key as OpenAI prints it in 401 messages: "sk-proj-****...abcd".
_MASKED_TOKEN = re.compile(r"\S*\*{3,}\S*")
# Runs of characters keys are made of; a run of eight or more inside a secret is a piece of it.
_KEY_RUN = re.compile(r"[A-Za-z0-9_\-]{8,}")
_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^\s\"'<>`]+")
_USERINFO = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*://)[^/?#@]*@")
_QUERY_PARAM = re.compile(r"([?&;])([^=&;#]*)=([^&;#]*)")
# Query parameter names that carry credentials (lower case, "-" and "_" ignored):
# generic names, Google's "key", AWS SigV4 presigned URLs, Azure SAS "sig".
_SECRET_PARAM = re.compile(
    r"key|apikey|token|secret|password|passwd|pwd|auth|authorization|credential|signature|sig|"
    r"session|sessiontoken|xamzcredential|xamzsignature|xamzsecuritytoken|code"
)


class Redactor:
    """Removes the given secrets (in all their spellings) and URL credentials from text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        values = [secret for secret in secrets if secret and secret.strip()]
        self._secrets = [secret.strip() for secret in values]
        # Longest first, so a form is never half-replaced by a shorter one inside it.
        self._forms = sorted(
            {form for secret in values for form in secret_spellings(secret)}, key=len, reverse=True
        )

    def __call__(self, text: str) -> str:
        """``text`` with every secret, piece of one, masked key and URL credential removed."""
        for form in self._forms:
            text = text.replace(form, REDACTED)
        text = _URL.sub(lambda match: redact_url(match.group()), text)
        text = _MASKED_TOKEN.sub(REDACTED, text)
        if self._secrets:
            text = _KEY_RUN.sub(
                lambda m: REDACTED if any(m.group() in s for s in self._secrets) else m.group(),
                text,
            )
        return text

    def clean(self, text: str, limit: int = MESSAGE_CHARS) -> str:
        """One redacted line of at most ``limit`` characters, for an error message."""
        return short(self(text), limit)

    def leaks(self, text: str) -> bool:
        """True if ``text`` holds one of the secrets in any spelling."""
        return any(form in text for form in self._forms)


def redact_url(url: str) -> str:
    """``url`` without userinfo and without the values of credential query parameters."""
    url = _USERINFO.sub(lambda m: f"{m.group(1)}{REDACTED}@", url)

    def value(match: re.Match[str]) -> str:
        name = match.group(2).lower().replace("-", "").replace("_", "")
        if _SECRET_PARAM.fullmatch(name) or name.endswith(("key", "token", "secret")):
            return f"{match.group(1)}{match.group(2)}={REDACTED}"
        return match.group()

    return _QUERY_PARAM.sub(value, url)


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` without any of ``secrets``: a one-off :class:`Redactor`."""
    return Redactor(secrets)(text)


def short(text: str, limit: int = MESSAGE_CHARS) -> str:
    """One line of at most ``limit`` characters. Shorten only text already redacted."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"

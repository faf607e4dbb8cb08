"""JSON at the speed of orjson, with the standard library's results.

Reading a big run file or a scoring scratch store spends much of its time in
``json``. orjson parses and writes the same documents several times faster, but
differs from the standard library at the edges: it turns an integer past 64 bits into
a float, rejects lone surrogates, ``NaN`` and ``Infinity`` (which ``json`` accepts), and
writes NaN as ``null``. :func:`loads` therefore hands a document to orjson only when no
run of 19 digits could be such an integer, and falls back to :mod:`json` on anything
orjson refuses, so that every document decodes to exactly what :func:`json.loads`
gives and a bad one fails with the standard library's message. :func:`dumps` is for
scratch data of finite numbers read back by :func:`loads` (the round trip is exact),
not for files whose bytes matter.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson

# 19 digits can exceed a signed 64-bit integer, which orjson would read as a float
# where the standard library keeps the integer. Every digit mapped to "9" and one
# substring search find such a run far faster than a regular expression does.
_DIGITS_TO_NINE = bytes.maketrans(b"0123456789", b"9" * 10)
_LONG_DIGITS = b"9" * 19
_ASCII = json.JSONEncoder(ensure_ascii=True, separators=(",", ":"))


def loads(
    document: bytes, text: str | None = None, parse_constant: Callable[[str], Any] | None = None
) -> Any:
    """:func:`json.loads` of the UTF-8 ``document`` (``text``: the same, decoded, when the
    caller has it), through orjson wherever that gives the same value. A byte-order mark
    or a bad document is the standard library's to judge, as is a constant
    (``parse_constant`` as for :func:`json.loads`: orjson rejects ``NaN``)."""
    if _LONG_DIGITS not in document.translate(_DIGITS_TO_NINE):
        try:
            return orjson.loads(document)
        except orjson.JSONDecodeError:
            pass  # the standard library decides, with its own message
    if text is None:
        text = document.decode("utf-8")
    return json.loads(text, parse_constant=parse_constant)


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON of ``value`` that :func:`loads` reads back as ``value`` (a string
    with a lone surrogate is written with JSON escapes, which orjson cannot write)."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return _ASCII.encode(value).encode("ascii")

"""Pairs files for ``harness fidelity``: one JSON object per line.

Each line has ``source``, ``translation`` and ``target_lang`` (strings), and
optionally ``source_lang`` (default ``en``) and ``id``. Blank lines are skipped.
A bad line is a :class:`~harness.errors.UsageError` naming ``file:line``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from harness.errors import UsageError

# BCP-47: a 2-3 letter language, then subtags (script, region, variants).
_LANG_TAG = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*$")


@dataclass(frozen=True, slots=True)
class Pair:
    line: int
    id: str
    source: str
    translation: str
    target_lang: str
    source_lang: str


def _language(value: object, key: str, where: str) -> str:
    if not isinstance(value, str) or not _LANG_TAG.match(value.strip()):
        raise UsageError(f"{where}: {key} must be a BCP-47 language tag such as 'de' or "
                         f"'pt-BR', not {value!r}")
    return value.strip().replace("_", "-")


def parse_pair(text: str, where: str, line: int) -> Pair:
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(record, dict):
        raise UsageError(f"{where}: expected a JSON object with source, translation, target_lang")
    for key in ("source", "translation"):
        if key not in record:
            raise UsageError(f"{where}: missing {key!r}")
        if not isinstance(record[key], str):
            raise UsageError(f"{where}: {key!r} must be a string, not "
                             f"{type(record[key]).__name__}")
    if "target_lang" not in record:
        raise UsageError(f"{where}: missing 'target_lang'")
    target = _language(record["target_lang"], "target_lang", where)
    source_lang = _language(record.get("source_lang", "en"), "source_lang", where)
    raw_id = record.get("id", line)
    if not isinstance(raw_id, str | int) or isinstance(raw_id, bool):
        raise UsageError(f"{where}: 'id' must be a string or an integer")
    return Pair(line, str(raw_id), record["source"], record["translation"], target, source_lang)


def read_pairs(path: Path) -> Iterator[Pair]:
    """Stream the pairs of ``path``; the first bad line raises with ``file:line``."""
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror})") from None
    with fh:
        for number, raw in enumerate(fh, 1):
            where = f"{path}:{number}"
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise UsageError(f"{where}: not UTF-8 text") from None
            if number == 1:
                text = text.removeprefix("\ufeff")
            if text.strip():
                yield parse_pair(text, where, number)

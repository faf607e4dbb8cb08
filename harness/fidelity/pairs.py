"""Pairs files for ``harness fidelity``: one JSON object per line.

Each line has ``source``, ``translation`` and ``target_lang`` (strings), and
optionally ``source_lang`` (default ``en``) and ``id``. Blank lines are skipped.
A bad line is a :class:`~harness.errors.UsageError` naming ``file:line``.

A pair may carry its own facts, as data sets with entity annotations do:

* ``names``: ``[{"source": "Bastrykin", "forms": {"ru": ["Бастрыкин"]}}]``: names
  the translation must have, with accepted forms per language (optional);
* ``numbers``: values the translation must have, each a JSON number (``20000``),
  a string read in the source language (``"May 20"``, ``"20,000"``) or
  ``{"text": "20,000", "value": 20000}``; given, they replace the numbers read
  from the source.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

from harness.errors import UsageError
from harness.fidelity.extraction import extract_numbers
from harness.fidelity.glossary import GlossaryEntry
from harness.fidelity.names import NameSpec
from harness.fidelity.values import NumberMention

# BCP-47: a 2-3 letter language, then subtags (script, region, variants).
_LANG_TAG = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*$")


class Pair(NamedTuple):
    """One pair of a pairs file (a named tuple: one is built for every line)."""

    line: int
    id: str
    source: str
    translation: str
    target_lang: str
    source_lang: str
    names: tuple[NameSpec, ...] = ()
    numbers: tuple[NumberMention, ...] | None = None


def _names(raw: object, target: str, where: str) -> tuple[NameSpec, ...]:
    if not isinstance(raw, list):
        raise UsageError(f'{where}: \'names\' must be a list of {{"source": ..., "forms": ...}}')
    specs = []
    for index, item in enumerate(raw, 1):
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("source"), str)
            or not item["source"].strip()
        ):
            raise UsageError(f"{where}: names[{index}] needs a 'source' string")
        forms = item.get("forms", {})
        if not isinstance(forms, dict) or not all(
            isinstance(v, list) and all(isinstance(f, str) for f in v) for v in forms.values()
        ):
            raise UsageError(
                f"{where}: names[{index}].forms must map languages to lists of strings"
            )
        entry = GlossaryEntry(
            f"pair{index}",
            (item["source"].strip(),),
            {str(k).lower().replace("_", "-"): tuple(v) for k, v in forms.items()},
        )
        specs.append(replace(entry.spec(target), id=f"pair:{item['source'].strip()}", kind="pair"))
    return tuple(specs)


def _numbers(raw: object, source_lang: str, where: str) -> tuple[NumberMention, ...]:
    if not isinstance(raw, list):
        raise UsageError(f"{where}: 'numbers' must be a list")
    mentions: list[NumberMention] = []
    for index, item in enumerate(raw, 1):
        if isinstance(item, bool):
            raise UsageError(f"{where}: numbers[{index}] is not a number")
        if isinstance(item, int | float):
            mentions.append(NumberMention(Decimal(str(item)), str(item), -1, -1, "pair"))
        elif isinstance(item, str):
            read = extract_numbers(item, source_lang)
            if not read:
                raise UsageError(f"{where}: numbers[{index}] {item!r} holds no number")
            mentions.extend(replace(m, start=-1, end=-1, how="pair") for m in read)
        elif (
            isinstance(item, dict)
            and isinstance(item.get("value"), int | float)
            and not isinstance(item.get("value"), bool)
        ):
            text = str(item.get("text") or item["value"])
            mentions.append(NumberMention(Decimal(str(item["value"])), text, -1, -1, "pair"))
        else:
            raise UsageError(
                f"{where}: numbers[{index}] must be a number, a string or "
                '{"text": ..., "value": ...}'
            )
    return tuple(mentions)


def parse_pair(text: str, where: str, line: int) -> Pair:
    """One line as a :class:`Pair`; a bad line raises naming ``where``."""
    return _fast_pair(text, line) or _checked_pair(text, where, line)


def _checked_pair(text: str, where: str, line: int) -> Pair:
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
            raise UsageError(f"{where}: {key!r} must be a string, not {type(record[key]).__name__}")
    if "target_lang" not in record:
        raise UsageError(f"{where}: missing 'target_lang'")
    target = _language(record["target_lang"], "target_lang", where)
    source_lang = _language(record.get("source_lang", "en"), "source_lang", where)
    raw_id = record.get("id", line)
    if not isinstance(raw_id, str | int) or isinstance(raw_id, bool):
        raise UsageError(f"{where}: 'id' must be a string or an integer")
    names = _names(record["names"], target, where) if "names" in record else ()
    numbers = _numbers(record["numbers"], source_lang, where) if "numbers" in record else None
    return Pair(
        line,
        str(raw_id),
        record["source"],
        record["translation"],
        target,
        source_lang,
        names,
        numbers,
    )


# Language tags already checked, as they are written -> as they are used: a pairs file
# repeats a handful of tags on every line.
_TAGS: dict[str, str] = {}
_MAX_TAGS = 4096
# json.loads without its wrappers (the whitespace checks are the caller's).
_scan_object = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def _fast_pair(text: str, line: int) -> Pair | None:
    """The common line (strings, known-good tags, no facts of its own) read without
    the checks' overhead; ``None`` sends any other line to :func:`_checked_pair`,
    which reads it again and says what is wrong, so both agree on every line."""
    if text[:1] != "{":
        return None
    try:
        record, end = _scan_object(text, 0)
    except (StopIteration, ValueError):
        return None
    # What json.loads would return: nothing but the line's end follows the object.
    if end != len(text) and text[end:] not in ("\n", "\r\n"):
        return None
    if type(record) is not dict or "names" in record or "numbers" in record:
        return None
    source, translation = record.get("source"), record.get("translation")
    raw_target, raw_source_lang = record.get("target_lang"), record.get("source_lang", "en")
    raw_id = record.get("id", line)
    if (
        type(source) is not str
        or type(translation) is not str
        or type(raw_target) is not str
        or type(raw_source_lang) is not str
        or (type(raw_id) is not str and type(raw_id) is not int)
    ):
        return None
    target, source_lang = _TAGS.get(raw_target), _TAGS.get(raw_source_lang)
    if target is None or source_lang is None:
        return None
    return Pair(line, str(raw_id), source, translation, target, source_lang)


def _language(value: object, key: str, where: str) -> str:
    if not isinstance(value, str) or not _LANG_TAG.match(value.strip()):
        raise UsageError(
            f"{where}: {key} must be a BCP-47 language tag such as 'de' or 'pt-BR', not {value!r}"
        )
    tag = value.strip().replace("_", "-")
    if len(_TAGS) < _MAX_TAGS:
        _TAGS[value] = tag
    return tag


def read_pairs(path: Path) -> Iterator[Pair]:
    """Stream the pairs of ``path``; the first bad line raises with ``file:line``."""
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror})") from None
    with fh:
        for number, raw in enumerate(fh, 1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise UsageError(f"{path}:{number}: not UTF-8 text") from None
            if number == 1:
                text = text.removeprefix("\ufeff")
            if text[:1] == "{" or text.strip():
                # ``file:line`` is spelled out only for a line that is not plain.
                yield _fast_pair(text, number) or _checked_pair(text, f"{path}:{number}", number)

"""Reading a user's file into segments: ``.txt``, ``.jsonl``, ``.tsv`` and reference files.

* ``FILE.txt``: a plain article; each non-empty line is a segment, ``p01``,
  ``p02``... in order.
* ``FILE.jsonl``: one segment per line: ``id``, ``source``, optional
  ``source_lang``, ``references`` (``{"de": "..."}``) and ``article``.
* ``FILE.tsv``: a header row ``id``, ``source``, then one column per reference
  language; every row has as many cells as the header.
* a reference file (``--reference de=FILE``): one translation per non-empty line,
  as many as the input has segments, the way sacreBLEU, FLORES and NTREX ship
  test sets.

Bad input is refused with :class:`InputError` (exit 2), one line naming the file
and, where there is one, the line: an empty or binary file, a ragged TSV row, a
JSONL line without ``id`` or ``source`` or with an ``id`` seen before, a
reference file with another number of lines than the input.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import UsageError

FORMATS = ("txt", "jsonl", "tsv")


class InputError(UsageError):
    """A user's input file cannot be read as the format it claims (exit 2)."""


@dataclass(frozen=True, slots=True)
class InputSegment:
    """One segment of a user's file, with its line number (1-based) in that file."""

    id: str
    source: str
    line: int
    source_lang: str | None = None
    article: str | None = None
    references: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RawFile:
    """A file's text and the sha256 of its bytes."""

    path: Path
    text: str
    sha256: str


def file_format(path: Path) -> str:
    """``txt``, ``jsonl`` or ``tsv`` from the file name; anything else is refused."""
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise InputError(
            f"{path}: unknown input format {path.suffix or '(no suffix)'!r}; "
            "use .txt (a plain article), .jsonl or .tsv (segments)"
        )
    return suffix


def read_raw(path: Path, what: str = "input") -> RawFile:
    """The file as UTF-8 text; empty, binary or unreadable files are refused."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{what} {path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{what} {path}: is a directory, not a file") from None
    except OSError as exc:
        raise InputError(f"{what} {path}: {exc.strerror}") from None
    if not data.strip():
        raise InputError(f"{what} {path}: the file is empty")
    if b"\0" in data:
        raise InputError(f"{what} {path}: a binary file (it has NUL bytes), not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"{what} {path}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02x}); "
            "a binary file or another encoding"
        ) from None
    return RawFile(path, text, hashlib.sha256(data).hexdigest())


def read_segments(raw: RawFile, fmt: str) -> list[InputSegment]:
    """The segments of an input file in order; at least one."""
    reader = {"txt": _txt, "jsonl": _jsonl, "tsv": _tsv}[fmt]
    segments = reader(raw)
    if not segments:
        raise InputError(f"{raw.path}: no segments (every line is empty)")
    return segments


def _lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _txt(raw: RawFile) -> list[InputSegment]:
    segments: list[InputSegment] = []
    for number, line in enumerate(_lines(raw.text), 1):
        if line.strip():
            segments.append(InputSegment(f"p{len(segments) + 1:02d}", line.strip(), number))
    return segments


def _check_id(path: Path, number: int, value: str, seen: dict[str, int]) -> None:
    if not value.strip():
        raise InputError(f"{path}:{number}: empty id")
    if "/" in value or value != value.strip():
        raise InputError(f"{path}:{number}: id {value!r} may not contain '/' or surrounding spaces")
    if value in seen:
        raise InputError(
            f"{path}:{number}: id {value!r} appears twice (first on line {seen[value]})"
        )
    seen[value] = number


def _text_field(path: Path, number: int, record: dict[str, Any], key: str) -> str:
    value = record.get(key)
    if isinstance(value, int | float) and not isinstance(value, bool) and key == "id":
        return str(value)
    if not isinstance(value, str):
        kind = "missing" if value is None else f"not a string ({type(value).__name__})"
        raise InputError(f"{path}:{number}: {key!r} is {kind}")
    return value


def _jsonl(raw: RawFile) -> list[InputSegment]:
    segments: list[InputSegment] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(_lines(raw.text), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{raw.path}:{number}: not valid JSON ({exc.msg})") from None
        if not isinstance(record, dict):
            raise InputError(f"{raw.path}:{number}: not a JSON object")
        ident = _text_field(raw.path, number, record, "id")
        _check_id(raw.path, number, ident, seen)
        source = _text_field(raw.path, number, record, "source")
        if not source.strip():
            raise InputError(f"{raw.path}:{number}: 'source' is empty")
        lang = record.get("source_lang")
        article = record.get("article")
        references = record.get("references") or {}
        if lang is not None and not isinstance(lang, str):
            raise InputError(f"{raw.path}:{number}: 'source_lang' is not a string")
        if article is not None and not isinstance(article, str):
            raise InputError(f"{raw.path}:{number}: 'article' is not a string")
        if not isinstance(references, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in references.items()
        ):
            raise InputError(
                f"{raw.path}:{number}: 'references' must map language codes to "
                'strings, e.g. {"de": "..."}'
            )
        segments.append(
            InputSegment(
                ident,
                source.strip(),
                number,
                lang,
                article,
                {k: v.strip() for k, v in references.items() if v.strip()},
            )
        )
    return segments


def _tsv(raw: RawFile) -> list[InputSegment]:
    lines = _lines(raw.text)
    header = lines[0].split("\t")
    if [h.strip().lower() for h in header[:2]] != ["id", "source"]:
        raise InputError(
            f"{raw.path}:1: the header row must start with the columns id and "
            f"source (then one column per reference language); it has "
            f"{', '.join(h.strip() for h in header[:2]) or 'nothing'}"
        )
    languages = [h.strip() for h in header[2:]]
    if any(not lang for lang in languages) or len(set(languages)) != len(languages):
        raise InputError(
            f"{raw.path}:1: reference columns need distinct language codes "
            f"(got {', '.join(languages)})"
        )
    segments: list[InputSegment] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(lines[1:], 2):
        if not line.strip():
            continue
        cells = line.split("\t")
        if len(cells) != len(header):
            raise InputError(
                f"{raw.path}:{number}: a ragged row: {len(cells)} cells where the "
                f"header has {len(header)} columns"
            )
        _check_id(raw.path, number, cells[0], seen)
        if not cells[1].strip():
            raise InputError(f"{raw.path}:{number}: the source cell is empty")
        references = {
            lang: cell.strip()
            for lang, cell in zip(languages, cells[2:], strict=True)
            if cell.strip()
        }
        segments.append(InputSegment(cells[0], cells[1].strip(), number, references=references))
    return segments


def read_reference_lines(raw: RawFile, segments: int, input_path: Path) -> list[str]:
    """A line-aligned reference file: one translation per non-empty line, as many as
    the input has segments."""
    lines = [line.strip() for line in _lines(raw.text) if line.strip()]
    if len(lines) != segments:
        raise InputError(
            f"reference {raw.path} has {len(lines)} lines but input {input_path} "
            f"has {segments} segments; they must be line-aligned"
        )
    return lines

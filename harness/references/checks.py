"""Consistency checks of a reference article: metadata, digests, edits and facts.

``harness references check`` runs :func:`check_article`; every message names the file
and the place that is wrong, and nothing is yielded for a sound article.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from harness.errors import ArticleError
from harness.fidelity.autonames import find_source_names
from harness.references.article import ORIGINAL, Article, apply_edits
from harness.references.facts import FACTS_FILE, load_facts

# A run of digits as a source writes it ("20,000", "1.5", "7").
_DIGITS = re.compile(r"\d[\d,.]*\d|\d")


def check_article(article: Article) -> Iterator[str]:
    """Yield one message per inconsistency; nothing when the article is sound."""
    meta = article.meta
    # A plain text (one variant, "original") may be a user's own document: no
    # publisher or date to record.
    plain = tuple(article.variants) == (ORIGINAL,)
    for key in ("title", "language") if plain else ("title", "publisher", "date", "language"):
        if not meta.get(key):
            yield f"meta.toml: missing {key!r}"
    if meta.get("id", article.id) != article.path.name:
        yield f"meta.toml: id {meta.get('id')!r} differs from the folder name {article.path.name!r}"
    digests = meta.get("digests", {})
    for variant in article.variants:
        expected = digests.get(f"{variant}_sha256")
        actual = article.digest(variant)
        if not expected:
            yield f"meta.toml: missing digests.{variant}_sha256"
        elif expected != actual:
            yield f"{variant} text sha256 is {actual}, meta.toml says {expected}"
    try:
        rebuilt = apply_edits(article.spun_text, article.edits)
    except ArticleError as exc:
        yield f"edits.jsonl: {exc}"
    else:
        if rebuilt != article.restored_text:
            yield "edits.jsonl: applying the edits to the spun text does not give the restored text"
    yield from _check_edit_segments(article)
    yield from check_facts(article)
    spun_lines = article.spun_text.split("\n")
    restored_lines = article.restored_text.split("\n")
    for item in meta.get("furniture", []):
        line = int(item["line"])
        if not 1 <= line <= len(spun_lines):
            yield f"meta.toml: furniture line {line} is outside the text"
            continue
        if item.get("text") and spun_lines[line - 1].strip() != item["text"]:
            yield f"meta.toml: furniture line {line} does not hold the text given for it"
        if spun_lines[line - 1] != restored_lines[line - 1]:
            yield f"furniture line {line} differs between spun and restored text"


def _check_edit_segments(article: Article) -> Iterator[str]:
    line_starts: list[int] = []
    offset = 0
    for line in article.spun_text.split("\n"):
        line_starts.append(offset)
        offset += len(line) + 1
    by_line = {seg.line: seg for seg in article.segments}
    for edit in article.edits:
        line_number = sum(1 for start in line_starts if start <= edit.start)
        seg = by_line.get(line_number)
        if seg is None:
            yield f"edits.jsonl: edit at {edit.start} is not inside a segment"
        elif seg.id != edit.segment:
            yield f"edits.jsonl: edit at {edit.start} says {edit.segment}, it lies in {seg.id}"


def check_facts(article: Article) -> Iterator[str]:
    """Yield one message per fact that does not stand where it says, or per name
    or number of the restored text that no fact covers."""
    path = article.path / FACTS_FILE
    if not path.is_file():
        return
    try:
        facts = load_facts(path)
    except ArticleError as exc:
        yield str(exc)
        return
    segments = {seg.id: seg for seg in article.segments}
    covered: dict[str, list[str]] = {}
    for fact in facts.names:
        for occ in fact.occurs:
            yield from _check_place(segments, occ.segment, occ.text, occ.spun, f"name {fact.id!r}")
            covered.setdefault(occ.segment, []).append(occ.text)
    for number in facts.numbers:
        yield from _check_place(
            segments, number.segment, number.text, number.spun, f"number {number.text!r}"
        )
        covered.setdefault(number.segment, []).append(number.text)
    for seg in article.segments:
        texts = covered.get(seg.id, [])
        for name in find_source_names(seg.restored, article.language):
            if not any(name.text in t or t in name.text for t in texts):
                yield f"{FACTS_FILE}: {seg.id}: name {name.text!r} has no fact"
        for digits in _DIGITS.findall(seg.restored):
            if not any(digits in t for t in texts):
                yield f"{FACTS_FILE}: {seg.id}: number {digits!r} has no fact"


def _check_place(
    segments: Mapping[str, Any], segment: str, text: str, spun: str | None, what: str
) -> Iterator[str]:
    seg = segments.get(segment)
    if seg is None:
        yield f"{FACTS_FILE}: {what}: no segment {segment!r}"
        return
    if text not in seg.restored:
        yield f"{FACTS_FILE}: {what}: {text!r} is not in restored {segment}"
    if (spun or text) not in seg.spun:
        yield f"{FACTS_FILE}: {what}: {(spun or text)!r} is not in spun {segment}"

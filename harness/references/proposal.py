"""A first facts inventory for a new article, for a person to review.

Every number of the restored text (by value, from
:func:`harness.fidelity.numbers.extract_numbers`) and every capitalised name
(:func:`harness.fidelity.autonames.find_source_names`) becomes a fact tied to its
segment, with the spun text of the same spot where the spinner changed it.
The file is written in the format of :mod:`harness.references.facts`, marked
``reviewed = false``: names have no accepted target-language forms yet, and
the finder proposes some phrases that are no names (sentence starts, demonyms).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from harness.fidelity.autonames import find_source_names
from harness.fidelity.numbers import DateValue, RangeValue, extract_numbers
from harness.references.article import ArticleSegment, Edit

_POSSESSIVE = re.compile(r"[’']s$")
_SLUG = re.compile(r"[^a-z0-9]+")

HEADER = """\
# PROPOSED facts, NOT REVIEWED: written by `harness references add`.
# Review before trusting scores: delete entries that are no names (sentence
# starts, demonyms), merge names that are one entity, add accepted forms per
# target language under [names.forms] (e.g. es = ["Ucrania"]), check every
# number's value, then set `reviewed = true`. Format: see harness/references/facts.py.
"""


@dataclass
class _ProposedName:
    source: str
    occurs: list[dict[str, object]] = field(default_factory=list)


def _spun_of(
    segment: ArticleSegment, edits: Sequence[Edit], offset: int, start: int, end: int
) -> str:
    """The spun text standing where ``restored[start:end]`` stands in the segment;
    a position inside an edit widens to the whole edit."""

    def to_spun(position: int, is_end: bool) -> int:
        shift = 0  # restored offset minus spun offset before the current edit
        for edit in sorted(edits, key=lambda e: e.start):
            s0, s1 = edit.start - offset, edit.end - offset
            r0, r1 = s0 + shift, s0 + shift + len(edit.restored)
            if position < r0 or (is_end and position == r0):
                break
            if position < r1 or (is_end and position == r1):
                return s1 if is_end else s0
            shift += len(edit.restored) - (s1 - s0)
        return position - shift

    return segment.spun[to_spun(start, False) : to_spun(end, True)]


def _slug(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-") or "name"


def _value_fields(value: object) -> str:
    if isinstance(value, DateValue):
        parts = [f"month = {value.month}"]
        if value.day is not None:
            parts.append(f"day = {value.day}")
        if value.year is not None:
            parts.append(f"year = {value.year}")
        return "date = { " + ", ".join(parts) + " }"
    if isinstance(value, RangeValue):
        return f"range = [{_q(str(value.low))}, {_q(str(value.high))}]"
    assert isinstance(value, Decimal)
    return f"value = {_q(str(value))}"


def _q(text: str) -> str:
    # A JSON string is a valid TOML basic string (same escapes, \\uXXXX included).
    return json.dumps(text, ensure_ascii=False)


def _merge_surnames(names: dict[str, _ProposedName]) -> None:
    """ "Bastrykin" after "Alexander Bastrykin" is the same person: one fact."""
    for short in [n for n in names if " " not in n]:
        full = next((n for n in names if n != short and n.split()[-1] == short), None)
        if full is not None:
            names[full].occurs.extend(names.pop(short).occurs)


def propose_facts(
    article_id: str,
    segments: Sequence[ArticleSegment],
    edits: Sequence[Edit],
    line_offsets: dict[str, int],
    language: str = "en",
) -> str:
    """The text of a proposed ``facts.toml`` for the article's segments."""
    names: dict[str, _ProposedName] = {}
    numbers: list[str] = []
    for seg in segments:
        seg_edits = [e for e in edits if e.segment == seg.id]
        offset = line_offsets[seg.id]
        for found in find_source_names(seg.restored, language):
            bare = _POSSESSIVE.sub("", found.text)
            occurrence: dict[str, object] = {"segment": seg.id, "text": found.text}
            spun = _spun_of(seg, seg_edits, offset, found.start, found.end)
            if spun != found.text:
                occurrence["spun"] = spun
            if bare != found.text:
                occurrence["adjective"] = True
            names.setdefault(bare, _ProposedName(bare)).occurs.append(occurrence)
        for mention in extract_numbers(seg.restored, language):
            lines = [
                f"segment = {_q(seg.id)}",
                f"text = {_q(mention.text)}",
                _value_fields(mention.value),
            ]
            spun = _spun_of(seg, seg_edits, offset, mention.start, mention.end)
            if spun != mention.text:
                lines.insert(2, f"spun = {_q(spun)}")
            numbers.append("[[numbers]]\n" + "\n".join(lines) + "\n")
    _merge_surnames(names)
    out = [HEADER, "schema = 1", f"article = {_q(article_id)}", "reviewed = false", ""]
    used: set[str] = set()
    for name in names.values():
        ident = _slug(name.source)
        while ident in used:
            ident += "-2"
        used.add(ident)
        occurs = ",\n".join(
            "    { "
            + ", ".join(
                f"{k} = {_q(v) if isinstance(v, str) else str(v).lower()}" for k, v in occ.items()
            )
            + " }"
            for occ in name.occurs
        )
        out += [
            "[[names]]",
            f"id = {_q(ident)}",
            'kind = "name"',
            f"source = {_q(name.source)}",
            f"occurs = [\n{occurs},\n]",
            "[names.forms]",
            "",
        ]
    out += numbers
    return "\n".join(out).rstrip("\n") + "\n"

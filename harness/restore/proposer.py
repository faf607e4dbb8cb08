"""Proposing a restoration of a spun text when no original is at hand.

Every phrasebook entry (:mod:`harness.restore.phrasebook`) is looked for in the
text. A match gets a confidence from three kinds of evidence:

1. the entry's ``prior``: how reliably that spun phrase is a spinning at all;
2. its contexts: the words around it that make the restored reading the
   idiomatic one ("Might" before a day number is the month May; "the place"
   after "areas" is "where"); the best matching context sets the confidence;
3. the document: a text that holds several confident spinnings ("Wall Avenue",
   "legislation enforcement") has been through a spinner, which makes every
   other unambiguous match more likely a spinning too.

An *ambiguous* entry (the spun phrase is ordinary English, or the spinner also
substitutes the other way round, as "fight" <-> "combat") is justified only by
a matching context: without one it is proposed with a low confidence, marked
unjustified, and never applied, whatever the threshold.
Overlapping matches keep the justified, longer, more confident one. Each
proposal is trimmed to the words that change ("Wall Avenue" -> "Wall Street"
proposes "Avenue" -> "Street").
"""

from __future__ import annotations

import re
from bisect import bisect_right, insort
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from harness.restore.phrasebook import Entry, Phrasebook

UNJUSTIFIED_CAP = 0.3
# Each other confident spinning found in the document multiplies the doubt of an
# unambiguous match by this factor, up to DOCUMENT_EVIDENCE_MAX findings.
DOCUMENT_FACTOR = 0.85
DOCUMENT_EVIDENCE_MAX = 6
CONFIDENT = 0.9
_WINDOW = 120  # characters of context either side that the regexes see


@dataclass(frozen=True, slots=True)
class Proposal:
    """One proposed edit of the spun text: ``text[start:end]`` -> ``restored``."""

    start: int
    end: int
    line: int
    spun: str
    restored: str
    confidence: float
    justified: bool
    source: str
    evidence: str

    def to_json(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "line": self.line,
            "spun": self.spun,
            "restored": self.restored,
            "confidence": round(self.confidence, 3),
            "justified": self.justified,
            "source": self.source,
            "evidence": self.evidence,
        }


def _capitalised(restored: str, matched: str) -> str:
    if matched[:1].isupper() and restored[:1].islower():
        return restored[0].upper() + restored[1:]
    return restored


def _trim(text: str, start: int, end: int, restored: str) -> tuple[int, int, str]:
    """Drop the words the match and its restoration share at either end."""
    words = [(m.start() + start, m.end() + start) for m in re.finditer(r"\S+", text[start:end])]
    new = restored.split()
    while len(words) > 1 and len(new) > 1 and text[words[0][0] : words[0][1]] == new[0]:
        words, new = words[1:], new[1:]
    while len(words) > 1 and len(new) > 1 and text[words[-1][0] : words[-1][1]] == new[-1]:
        words, new = words[:-1], new[:-1]
    return words[0][0], words[-1][1], " ".join(new)


def _line_starts(text: str) -> list[int]:
    """Offsets where each line begins, so a match's line number is one bisection."""
    return [0, *(m.end() for m in re.finditer("\n", text))]


def _candidate(text: str, entry: Entry, match: re.Match[str], lines: list[int]) -> Proposal:
    start, end = match.span()
    before = text[max(0, start - _WINDOW) : start]
    after = text[end : end + _WINDOW]
    hits = [c for c in entry.contexts if c.matches(before, after)]
    if hits:
        best = max(hits, key=lambda c: c.confidence)
        confidence, justified = max(best.confidence, entry.prior), True
        evidence = f"context {best.describe()}"
    elif entry.ambiguous:
        confidence, justified = min(entry.prior, UNJUSTIFIED_CAP), False
        evidence = "ambiguous phrase, no context evidence"
    else:
        confidence, justified, evidence = entry.prior, True, "phrasebook prior"
    restored = _capitalised(entry.restored, match.group())
    t_start, t_end, t_restored = _trim(text, start, end, restored)
    return Proposal(
        t_start,
        t_end,
        bisect_right(lines, t_start),
        text[t_start:t_end],
        t_restored,
        confidence,
        justified,
        entry.source,
        evidence,
    )


def _document_boost(chosen: list[Proposal]) -> list[Proposal]:
    confident = {p.spun.lower() for p in chosen if p.justified and p.confidence >= CONFIDENT}
    boosted = []
    for proposal in chosen:
        others = len(confident - {proposal.spun.lower()})
        if proposal.justified and others:
            factor = DOCUMENT_FACTOR ** min(others, DOCUMENT_EVIDENCE_MAX)
            confidence = 1 - (1 - proposal.confidence) * factor
            proposal = replace(
                proposal,
                confidence=confidence,
                evidence=f"{proposal.evidence}; {others} other spinnings in the text",
            )
        boosted.append(proposal)
    return boosted


Progress = Callable[[int, int], None]


def propose_restoration(
    text: str, phrasebook: Phrasebook, progress: Progress | None = None
) -> list[Proposal]:
    """Proposed edits for a spun text, in text order, none overlapping.

    Linear in the text's length (for a given phrasebook): each entry's pattern scans
    the text once, line numbers come from one table of line starts, and overlaps are
    found by bisection among the spans already chosen. ``progress(done, total)`` is
    called after each phrasebook entry.
    """
    lines = _line_starts(text)
    candidates: list[Proposal] = []
    for number, entry in enumerate(phrasebook.entries, start=1):
        candidates += [
            _candidate(text, entry, match, lines) for match in entry.pattern.finditer(text)
        ]
        if progress is not None:
            progress(number, len(phrasebook.entries))
    candidates.sort(key=lambda p: (not p.justified, -(p.end - p.start), -p.confidence))
    chosen: list[Proposal] = []
    spans: list[tuple[int, int]] = []  # the chosen (start, end), sorted and disjoint
    for candidate in candidates:
        at = bisect_right(spans, (candidate.start, candidate.end))
        if at and spans[at - 1][1] > candidate.start:
            continue
        if at < len(spans) and spans[at][0] < candidate.end:
            continue
        insort(spans, (candidate.start, candidate.end))
        chosen.append(candidate)
    return sorted(_document_boost(chosen), key=lambda p: p.start)


def accepted(proposals: list[Proposal], threshold: float) -> list[Proposal]:
    """The proposals safe to apply: justified and at least ``threshold`` confident."""
    return [p for p in proposals if p.justified and p.confidence >= threshold]


def apply_proposals(text: str, proposals: list[Proposal]) -> str:
    pieces: list[str] = []
    cursor = 0
    for proposal in sorted(proposals, key=lambda p: p.start):
        pieces += [text[cursor : proposal.start], proposal.restored]
        cursor = proposal.end
    pieces.append(text[cursor:])
    return "".join(pieces)


def marked_text(text: str, proposals: list[Proposal]) -> str:
    """The text with every proposal inline: ``[[spun=>restored|0.92]]``; an
    unjustified (never applied) one ends in ``?``: ``[[combat=>fight|0.30?]]``."""
    pieces: list[str] = []
    cursor = 0
    for p in sorted(proposals, key=lambda p: p.start):
        flag = "" if p.justified else "?"
        pieces += [text[cursor : p.start], f"[[{p.spun}=>{p.restored}|{p.confidence:.2f}{flag}]]"]
        cursor = p.end
    pieces.append(text[cursor:])
    return "".join(pieces)

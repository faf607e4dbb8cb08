"""Aligning a spun text with its restoration, word by word, into minimal edits.

An article spinner replaces words and phrases with (bad) synonyms; it keeps the
paragraphs, their order and every number. :func:`align_texts` checks that a pair
of texts looks like that and derives the edits that turn the spun text into the
restored one: minimal spans in spun-text character offsets, each tied to its
segment (``p01``...). A pair that is not one text's spinning of the other is
refused with :class:`SpinAlignmentError`, whose message says why.

Words are compared with :class:`difflib.SequenceMatcher` on tokens (words,
numbers, punctuation); whitespace between tokens is compared separately, so the
edits reproduce the restored text byte for byte.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass

from harness.errors import ArticleError
from harness.references.article import Edit, apply_edits

# Numbers first (so "20,000" stays one token), then words with inner hyphens and
# apostrophes ("month-to-month", "don’t", "Russia's"), then any other character.
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|\w+(?:[-’'‘]\w+)*|[^\w\s]")
_NUMBER = re.compile(r"\d")

DEFAULT_MAX_CHANGED = 0.5
# Below this similarity a paragraph is no spinning of its twin: spinners change
# words, so the unchanged words still carry most of the paragraph.
_PARAGRAPH_MIN_SIMILARITY = 0.3


class SpinAlignmentError(ArticleError):
    """The two texts are not a spun text and its restoration."""


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    start: int
    end: int

    @property
    def is_word(self) -> bool:
        return self.text[0].isalnum() or self.text[0] == "_"


@dataclass(frozen=True, slots=True)
class Alignment:
    """The edits between two texts, and how much of the spun text they touch."""

    edits: tuple[Edit, ...]
    words: int
    changed_words: int

    @property
    def changed_share(self) -> float:
        return self.changed_words / self.words if self.words else 0.0


def tokenize(text: str) -> list[Token]:
    return [Token(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


@dataclass(slots=True)
class _Span:
    """A changed region of one line: spun[s0:s1] becomes restored[r0:r1]."""

    s0: int
    s1: int
    r0: int
    r1: int


@dataclass(slots=True)
class _Op:
    tag: str
    i1: int
    i2: int
    j1: int
    j2: int


def _opcodes(a: list[str], b: list[str]) -> list[_Op]:
    """difflib's opcodes with inserts and deletes widened by one neighbouring token
    and adjacent changes merged, so every change has tokens on both sides."""
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    ops = [_Op(*op) for op in matcher.get_opcodes()]
    for index, op in enumerate(ops):
        if op.tag not in ("insert", "delete"):
            continue
        before = ops[index - 1] if index else None
        after = ops[index + 1] if index + 1 < len(ops) else None
        if before and before.tag == "equal" and before.i2 > before.i1:
            before.i2, before.j2 = before.i2 - 1, before.j2 - 1
            op.i1, op.j1 = op.i1 - 1, op.j1 - 1
        elif after and after.tag == "equal" and after.i2 > after.i1:
            after.i1, after.j1 = after.i1 + 1, after.j1 + 1
            op.i2, op.j2 = op.i2 + 1, op.j2 + 1
        op.tag = "replace"
    merged: list[_Op] = []
    for op in ops:
        if op.i1 == op.i2 and op.j1 == op.j2:
            continue
        if merged and merged[-1].tag != "equal" and op.tag != "equal":
            merged[-1].i2, merged[-1].j2 = op.i2, op.j2
        else:
            merged.append(op)
    return merged


def _gap(tokens: list[Token], line: str, index: int) -> tuple[int, int]:
    """Character range of the whitespace before token ``index`` (``len`` = line end)."""
    start = tokens[index - 1].end if index else 0
    end = tokens[index].start if index < len(tokens) else len(line)
    return start, end


def align_line(spun: str, restored: str) -> tuple[list[_Span], int, int]:
    """Changed regions of one line, with its word count and changed word count."""
    s_tok, r_tok = tokenize(spun), tokenize(restored)
    spans: list[_Span] = []
    changed = 0

    def gap(i: int, j: int) -> None:
        s0, s1 = _gap(s_tok, spun, i)
        r0, r1 = _gap(r_tok, restored, j)
        if spun[s0:s1] != restored[r0:r1]:
            spans.append(_Span(s0, s1, r0, r1))

    opcodes = _opcodes([t.text for t in s_tok], [t.text for t in r_tok])
    for op in opcodes:
        tag, i1, i2, j1, j2 = op.tag, op.i1, op.i2, op.j1, op.j2
        gap(i1, j1)
        if tag == "equal":
            for step in range(1, i2 - i1):
                gap(i1 + step, j1 + step)
        elif i2 - i1 == j2 - j1:  # word for word: one edit per changed word
            for step in range(i2 - i1):
                if step:
                    gap(i1 + step, j1 + step)
                spun_tok, restored_tok = s_tok[i1 + step], r_tok[j1 + step]
                if spun_tok.text != restored_tok.text:
                    spans.append(_token_span(spun_tok, restored_tok))
                    changed += spun_tok.is_word
        elif i2 > i1 and j2 > j1:
            # Peel off words that plainly pair up ("averted" ~ "avoided") so the
            # rest is its own edit ("one other" -> "another").
            while i2 - i1 > 1 and j2 - j1 > 1 and _alike(s_tok[i1].text, r_tok[j1].text):
                spans.append(_token_span(s_tok[i1], r_tok[j1]))
                changed += s_tok[i1].is_word
                i1, j1 = i1 + 1, j1 + 1
                gap(i1, j1)
            while i2 - i1 > 1 and j2 - j1 > 1 and _alike(s_tok[i2 - 1].text, r_tok[j2 - 1].text):
                spans.append(_token_span(s_tok[i2 - 1], r_tok[j2 - 1]))
                changed += s_tok[i2 - 1].is_word
                i2, j2 = i2 - 1, j2 - 1
                gap(i2, j2)
            spans.append(_Span(s_tok[i1].start, s_tok[i2 - 1].end,
                               r_tok[j1].start, r_tok[j2 - 1].end))
            changed += sum(1 for t in s_tok[i1:i2] if t.is_word)
        else:  # one side has no tokens at all: the whole line changes
            spans.append(_Span(0, len(spun), 0, len(restored)))
    gap(len(s_tok), len(r_tok))
    return _merge(spans), sum(1 for t in s_tok if t.is_word), changed


def _alike(spun: str, restored: str) -> bool:
    """Two different words that look like one word's variants: same first two
    letters ("averted"/"avoided", "Though"/"Although" is not)."""
    return spun != restored and len(spun) > 2 and len(restored) > 2 and \
        spun[:2].lower() == restored[:2].lower()


def _token_span(spun: Token, restored: Token) -> _Span:
    """One changed word, without a shared ending after an apostrophe or hyphen
    ("nation's" -> "country's" is the edit "nation" -> "country")."""
    a, b = spun.text, restored.text
    cut = 0
    for index in range(1, min(len(a), len(b))):
        if a[-index:] != b[-index:]:
            break
        if a[-index] in "’'-":
            cut = index
    return _Span(spun.start, spun.end - cut, restored.start, restored.end - cut)


def _merge(spans: list[_Span]) -> list[_Span]:
    merged: list[_Span] = []
    for span in sorted(spans, key=lambda s: (s.s0, s.r0)):
        if merged and span.s0 <= merged[-1].s1 and span.r0 <= merged[-1].r1:
            last = merged[-1]
            last.s1, last.r1 = max(last.s1, span.s1), max(last.r1, span.r1)
        else:
            merged.append(span)
    return merged


def _similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(
        None, [t.text.lower() for t in tokenize(a)], [t.text.lower() for t in tokenize(b)],
        autojunk=False).ratio()


def _check_structure(spun_lines: list[str], restored_lines: list[str]) -> None:
    spun_paras = [i for i, line in enumerate(spun_lines) if line.strip()]
    restored_paras = [i for i, line in enumerate(restored_lines) if line.strip()]
    if len(spun_paras) != len(restored_paras):
        raise SpinAlignmentError(
            f"different paragraph structure: the spun text has {len(spun_paras)} paragraphs, "
            f"the restored text {len(restored_paras)} (a spinner keeps every paragraph)")
    _check_order([spun_lines[i] for i in spun_paras], [restored_lines[i] for i in restored_paras])
    if spun_paras != restored_paras:
        first = next(n for n, (a, b) in enumerate(zip(spun_paras, restored_paras, strict=True))
                     if a != b)
        raise SpinAlignmentError(
            f"different line structure: paragraph {first + 1} is on line {spun_paras[first] + 1} "
            f"of the spun text but line {restored_paras[first] + 1} of the restored text "
            "(both texts need the same lines and blank lines)")


def _check_order(spun: list[str], restored: list[str]) -> None:
    """Refuse paragraphs out of order, naming where each moved."""
    if len(spun) < 2:
        return
    moved: list[str] = []
    for index, paragraph in enumerate(spun):
        own = _similarity(paragraph, restored[index])
        if own >= 0.5:
            continue
        scores = [(_similarity(paragraph, other), n) for n, other in enumerate(restored)]
        best, where = max(scores)
        if where != index and best > max(own, _PARAGRAPH_MIN_SIMILARITY):
            moved.append(f"spun paragraph {index + 1} matches restored paragraph {where + 1}")
    if moved:
        raise SpinAlignmentError(
            "paragraphs are not in the same order: " + "; ".join(moved[:5])
            + (f" (and {len(moved) - 5} more)" if len(moved) > 5 else "")
            + "; put the restored paragraphs in the order of the spun text")


def _numbers(line: str) -> Counter[str]:
    return Counter(t.text for t in tokenize(line) if _NUMBER.match(t.text))


def align_texts(spun: str, restored: str, segment_ids: dict[int, str],
                max_changed: float = DEFAULT_MAX_CHANGED) -> Alignment:
    """Edits that turn ``spun`` into ``restored``; ``segment_ids`` maps a line
    number (1-based) to its segment id. Raises :class:`SpinAlignmentError`."""
    if spun == restored:
        raise SpinAlignmentError("the two texts are identical: nothing was spun")
    spun_lines, restored_lines = spun.split("\n"), restored.split("\n")
    _check_structure(spun_lines, restored_lines)
    edits: list[Edit] = []
    words = changed = 0
    offset = 0
    for number, (s_line, r_line) in enumerate(zip(spun_lines, restored_lines, strict=True), 1):
        if _numbers(s_line) != _numbers(r_line):
            only_spun = sorted((_numbers(s_line) - _numbers(r_line)).elements())
            only_restored = sorted((_numbers(r_line) - _numbers(s_line)).elements())
            raise SpinAlignmentError(
                f"numbers differ on line {number}: spun has {', '.join(only_spun) or 'nothing'}"
                f" where restored has {', '.join(only_restored) or 'nothing'} "
                "(spinners keep numbers)")
        spans, line_words, line_changed = align_line(s_line, r_line)
        if line_words >= 8 and _similarity(s_line, r_line) < _PARAGRAPH_MIN_SIMILARITY:
            raise SpinAlignmentError(
                f"line {number} of the restored text is not a restoration of the spun line "
                f"({line_changed} of {line_words} words differ)")
        words += line_words
        changed += line_changed
        for span in spans:
            segment = segment_ids.get(number)
            if segment is None:
                raise SpinAlignmentError(
                    f"line {number} differs but is not part of the article (furniture)")
            edits.append(Edit(segment, offset + span.s0, offset + span.s1,
                              s_line[span.s0:span.s1], r_line[span.r0:span.r1]))
        offset += len(s_line) + 1
    alignment = Alignment(tuple(edits), words, changed)
    if alignment.changed_share > max_changed:
        raise SpinAlignmentError(
            f"{changed} of {words} words differ ({100 * alignment.changed_share:.0f}%, more than "
            f"{100 * max_changed:.0f}%): too much for a spinning of the same text")
    if apply_edits(spun, alignment.edits) != restored:  # a bug here would corrupt articles
        raise SpinAlignmentError("internal error: the derived edits do not rebuild the text")
    return alignment


def edits_between(spun: str, restored: str) -> list[tuple[int, int, str, str]]:
    """Minimal edits (start, end, spun span, restored span) between two texts with
    the same lines, without the checks of :func:`align_texts`: for comparing
    restorations of one spun text with each other."""
    spun_lines, restored_lines = spun.split("\n"), restored.split("\n")
    if len(spun_lines) != len(restored_lines):
        raise SpinAlignmentError("the texts have different numbers of lines")
    edits: list[tuple[int, int, str, str]] = []
    offset = 0
    for s_line, r_line in zip(spun_lines, restored_lines, strict=True):
        if s_line != r_line:
            spans, _, _ = align_line(s_line, r_line)
            edits += [(offset + span.s0, offset + span.s1, s_line[span.s0:span.s1],
                       r_line[span.r0:span.r1]) for span in spans]
        offset += len(s_line) + 1
    return edits

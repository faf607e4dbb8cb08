"""Aligning a spun text with its restoration, paragraph by paragraph and word by word.

An article spinner replaces words and phrases with (bad) synonyms, and writes
some numbers as words ("fifteen" for 15) or words as digits; it keeps the order
of the paragraphs. A copy found on the web also carries page furniture
(captions, section labels) and may have merged, split or dropped paragraphs.
:func:`align_texts` first aligns the paragraphs (:func:`line_up`, through
:mod:`harness.references.paragraphs`), laying the restored text on the spun
text's lines and listing the furniture and dropped paragraphs, then derives the
edits that turn each spun line into its restored line: minimal spans in
spun-text character offsets, each tied to its segment (``p01``...). Digit<->word
swaps count as spun words. What cannot be aligned (paragraphs out of order, a
number that one side lacks in any form, an original most of which the copy
lacks, too many changed words) is refused with :class:`SpinAlignmentError`,
whose message says why.

Words are compared with :class:`difflib.SequenceMatcher` on tokens (words,
numbers, punctuation); whitespace between tokens is compared separately, so the
edits reproduce the restored text byte for byte.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from decimal import Decimal

from harness.errors import ArticleError
from harness.references.article import Edit, apply_edits, split_segments
from harness.references.number_words import compare_numbers, number_values
from harness.references.paragraphs import Link, align_paragraphs, moved, split_text, words

# Numbers first (so "20,000" stays one token), then words with inner hyphens and
# apostrophes ("month-to-month", "don’t", "Russia's"), then any other character.
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|\w+(?:[-’'‘]\w+)*|[^\w\s]")

DEFAULT_MAX_CHANGED = 0.5
# A copy that lacks more than half of the original (by words) is not its spinning, nor
# is one whose words are mostly without an original.
MIN_ALIGNED_SHARE = 0.5


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
    """The edits between two texts, and how much of the spun text they touch.

    ``restored`` is the restored text laid on the spun text's lines (what the
    edits rebuild); ``furniture`` the spun paragraphs without an original (line,
    text), ``dropped`` the original paragraphs the copy lacks; ``merged`` and
    ``split`` count paragraphs the copy joined or divided; ``number_swaps`` the
    numbers written as words on one side and in digits on the other."""

    edits: tuple[Edit, ...]
    words: int
    changed_words: int
    restored: str = ""
    furniture: tuple[tuple[int, str], ...] = ()
    dropped: tuple[str, ...] = ()
    merged: int = 0
    split: int = 0
    number_swaps: int = 0

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
            spans.append(
                _Span(s_tok[i1].start, s_tok[i2 - 1].end, r_tok[j1].start, r_tok[j2 - 1].end)
            )
            changed += sum(1 for t in s_tok[i1:i2] if t.is_word)
        else:  # one side has no tokens at all: the whole line changes
            spans.append(_Span(0, len(spun), 0, len(restored)))
    gap(len(s_tok), len(r_tok))
    return _merge(spans), sum(1 for t in s_tok if t.is_word), changed


def _alike(spun: str, restored: str) -> bool:
    """Two different words that look like one word's variants: same first two
    letters ("averted"/"avoided", "Though"/"Although" is not)."""
    return (
        spun != restored
        and len(spun) > 2
        and len(restored) > 2
        and spun[:2].lower() == restored[:2].lower()
    )


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


def _numbers_line(spun: str, restored: str, number: int, language: str) -> int:
    """Digit<->word swaps on a line; refuses a number that one side lacks in any form."""
    s_values = number_values([t.text for t in tokenize(spun)], language)
    r_values = number_values([t.text for t in tokenize(restored)], language)
    only_spun, only_restored, swaps = compare_numbers(s_values, r_values)
    if only_spun or only_restored:
        raise SpinAlignmentError(
            f"numbers differ on line {number}: spun has "
            f"{', '.join(_plain(v) for v in only_spun) or 'nothing'} where restored has "
            f"{', '.join(_plain(v) for v in only_restored) or 'nothing'} "
            "(spinners keep numbers, at most writing them as words)"
        )
    return swaps


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else str(value)


@dataclass(frozen=True, slots=True)
class Layout:
    """The restored text laid on the spun text's lines, and what did not pair up."""

    lines: list[str]
    furniture: tuple[tuple[int, str], ...]  # (line of the spun text, its text)
    dropped: tuple[str, ...]
    merged: int
    split: int


def line_up(spun: str, restored: str, language: str = "en") -> Layout:
    """Align the paragraphs of both texts (:mod:`harness.references.paragraphs`) and
    give the restored text line for line with the spun one. Refuses what cannot be
    aligned: paragraphs out of order, or an original most of which the copy lacks."""
    spun_lines, restored_lines = spun.split("\n"), restored.split("\n")
    s_index = [n for n, line in enumerate(spun_lines) if line.strip()]
    r_index = [n for n, line in enumerate(restored_lines) if line.strip()]
    s_paras = [spun_lines[n] for n in s_index]
    r_paras = [restored_lines[n] for n in r_index]
    links = align_paragraphs(s_paras, r_paras, language)
    shifted = moved(links, s_paras, r_paras, language)
    if shifted:
        raise SpinAlignmentError(
            "paragraphs are not in the same order: "
            + "; ".join(
                f"spun paragraph {i + 1} matches restored paragraph {j + 1}" for i, j in shifted[:5]
            )
            + (f" (and {len(shifted) - 5} more)" if len(shifted) > 5 else "")
            + "; put the restored paragraphs in the order of the spun text"
        )
    lines = list(spun_lines)  # blank lines and furniture stay as the spun text has them
    furniture: list[tuple[int, str]] = []
    dropped: list[str] = []
    merged = split = 0
    for link in links:
        if link.kind == "furniture":
            furniture.append((s_index[link.spun[0]] + 1, s_paras[link.spun[0]].strip()))
        elif link.kind == "dropped":
            dropped.append(r_paras[link.restored[0]].strip())
        elif link.kind == "match":
            lines[s_index[link.spun[0]]] = r_paras[link.restored[0]]
        elif link.kind == "merged":
            merged += 1
            lines[s_index[link.spun[0]]] = " ".join(r_paras[j].strip() for j in link.restored)
        else:
            split += 1
            pieces = split_text(
                [s_paras[i] for i in link.spun], r_paras[link.restored[0]], language
            )
            for i, piece in zip(link.spun, pieces, strict=True):
                lines[s_index[i]] = piece
    _check_coverage(links, s_paras, r_paras, language)
    return Layout(lines, tuple(furniture), tuple(dropped), merged, split)


def _check_coverage(links: list[Link], spun: list[str], restored: list[str], language: str) -> None:
    """Refuse when most of either text (by words) has no partner in the other."""
    linked_spun = {i for link in links if link.restored for i in link.spun}
    linked_restored = {j for link in links if link.spun for j in link.restored}
    if not linked_restored:
        raise SpinAlignmentError(
            "no paragraph of the restored text matches a paragraph of the "
            "spun text: they are not one text and its spinning"
        )
    for side, paragraphs, linked, other, rest in (
        ("restored", restored, linked_restored, "spun", "the copy lacks most of the original"),
        (
            "spun",
            spun,
            linked_spun,
            "restored",
            "the rest would be page furniture: restore those paragraphs too",
        ),
    ):
        counts = [len(words(p, language)) for p in paragraphs]
        share = sum(counts[n] for n in linked) / max(sum(counts), 1)
        if share < MIN_ALIGNED_SHARE:
            raise SpinAlignmentError(
                f"only {len(linked)} of {len(paragraphs)} {side} paragraphs ({100 * share:.0f}% "
                f"of its words) align with the {other} text; {rest}"
            )


def align_texts(
    spun: str,
    restored: str,
    segment_ids: dict[int, str] | None = None,
    max_changed: float = DEFAULT_MAX_CHANGED,
    language: str = "en",
) -> Alignment:
    """Edits that turn ``spun`` into the restored text laid on its lines
    (:func:`line_up`); ``segment_ids`` maps a line number (1-based) to its segment id
    (default: the non-empty, non-furniture lines as ``p01``...). Raises
    :class:`SpinAlignmentError` with the reason when the texts cannot be aligned."""
    if spun == restored:
        raise SpinAlignmentError("the two texts are identical: nothing was spun")
    layout = line_up(spun, restored, language)
    aligned = "\n".join(layout.lines)
    furniture_lines = frozenset(line for line, _ in layout.furniture)
    if segment_ids is None:
        segment_ids = {s.line: s.id for s in split_segments(spun, aligned, furniture_lines)}
    edits: list[Edit] = []
    words_total = changed = swaps = 0
    offset = 0
    for number, (s_line, r_line) in enumerate(zip(spun.split("\n"), layout.lines, strict=True), 1):
        if number not in furniture_lines:
            swaps += _numbers_line(s_line, r_line, number, language)
            spans, line_words, line_changed = align_line(s_line, r_line)
            words_total += line_words
            changed += line_changed
            for span in spans:
                segment = segment_ids.get(number)
                if segment is None:
                    raise SpinAlignmentError(
                        f"line {number} differs but is not part of the article (furniture)"
                    )
                edits.append(
                    Edit(
                        segment,
                        offset + span.s0,
                        offset + span.s1,
                        s_line[span.s0 : span.s1],
                        r_line[span.r0 : span.r1],
                    )
                )
        offset += len(s_line) + 1
    alignment = Alignment(
        tuple(edits),
        words_total,
        changed,
        aligned,
        layout.furniture,
        layout.dropped,
        layout.merged,
        layout.split,
        swaps,
    )
    if alignment.changed_share > max_changed:
        raise SpinAlignmentError(
            f"{changed} of {words_total} words differ ({100 * alignment.changed_share:.0f}%, "
            f"more than {100 * max_changed:.0f}%): too much for a spinning of the same text"
        )
    if apply_edits(spun, alignment.edits) != aligned:  # a bug here would corrupt articles
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
            edits += [
                (
                    offset + span.s0,
                    offset + span.s1,
                    s_line[span.s0 : span.s1],
                    r_line[span.r0 : span.r1],
                )
                for span in spans
            ]
        offset += len(s_line) + 1
    return edits

"""Aligning the paragraphs of a spun copy with those of its original.

Spun copies found on the web are not line-for-line twins of their original: the
page around them adds captions, section labels and calls to subscribe, and the
spinner (or the site) merges two paragraphs into one, splits one in two, or
drops one. :func:`align_paragraphs` finds the monotone alignment that keeps the
most words in common (dynamic programming over the two paragraph sequences, as
sentence aligners do) with links of six kinds: ``match`` (one to one),
``merged`` (one spun paragraph holds two or three original ones), ``split``
(two or three spun paragraphs hold one original), ``furniture`` (a spun
paragraph without an original: caption, label, page chrome) and ``dropped`` (an
original paragraph the copy lacks).

Paragraphs are compared as bags of lower-case words with number words read as
their value ("fifteen" = "15"). A link gains ``3 * shared - 0.5 * (words of both
sides)``: positive when more than a third of the words are shared, which a
spinning keeps (it changes a word in three or four) and an unrelated paragraph
does not reach; a paragraph that does not belong in a link costs it more than
its coincidental shared words bring.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from harness.references.number_words import digit_value, word_value

_WORD = re.compile(r"\d+(?:[.,]\d+)*|\w+(?:[-’'‘]\w+)*")
# (spun paragraphs, restored paragraphs) a link may join.
_SHAPES = ((1, 1), (1, 2), (2, 1), (1, 3), (3, 1))
_KINDS = {(1, 1): "match", (1, 2): "merged", (1, 3): "merged", (2, 1): "split", (3, 1): "split"}
# Each paragraph of a merge or split must have this share of its words in the other side.
_PART_RECALL = 0.3
MOVED_SIMILARITY = 0.5


@dataclass(frozen=True, slots=True)
class Link:
    """Spun paragraphs ``spun`` and restored paragraphs ``restored`` (indices) belong
    together; one side is empty for ``furniture`` and ``dropped``."""

    kind: str
    spun: tuple[int, ...]
    restored: tuple[int, ...]


def words(text: str, language: str = "en") -> list[str]:
    """Lower-case words, number words as digits ("fifteen" -> "15")."""
    out = []
    for match in _WORD.finditer(text):
        token = match.group()
        value = word_value(token, language) if not token[0].isdigit() else None
        if value is not None:
            out.append(str(value))
        elif token[0].isdigit():
            number = digit_value(token)
            out.append(str(number) if number is not None else token)
        else:
            out.append(token.lower())
    return out


def similarity(a: Counter[str], b: Counter[str]) -> float:
    """Dice coefficient of two bags of words."""
    total = sum(a.values()) + sum(b.values())
    return 2 * sum((a & b).values()) / total if total else 0.0


def _gain(shared: int, size: int) -> float:
    return 3 * shared - 0.5 * size


def _shared_matrix(spun: list[Counter[str]], restored: list[Counter[str]]) -> list[list[int]]:
    """Words shared by every (spun, restored) pair of paragraphs, through an inverted
    index: only pairs with a word in common are ever touched."""
    postings: dict[str, list[tuple[int, int]]] = {}
    for j, bag in enumerate(restored):
        for word, count in bag.items():
            postings.setdefault(word, []).append((j, count))
    matrix = []
    for bag in spun:
        row = [0] * len(restored)
        for word, count in bag.items():
            for j, other in postings.get(word, ()):
                row[j] += min(count, other)
        matrix.append(row)
    return matrix


def align_paragraphs(
    spun: Sequence[str], restored: Sequence[str], language: str = "en"
) -> list[Link]:
    """The best monotone alignment of two paragraph sequences (see the module docstring)."""
    s_bags = [Counter(words(p, language)) for p in spun]
    r_bags = [Counter(words(p, language)) for p in restored]
    s_size = [sum(b.values()) for b in s_bags]
    r_size = [sum(b.values()) for b in r_bags]
    shared = _shared_matrix(s_bags, r_bags)

    def link_gain(i0: int, i1: int, j0: int, j1: int) -> float | None:
        """Gain of linking spun[i0:i1] with restored[j0:j1], or ``None``."""
        size = sum(s_size[i0:i1]) + sum(r_size[j0:j1])
        if i1 - i0 == 1 and j1 - j0 == 1:
            gain = _gain(shared[i0][j0], size)
            return gain if gain > 0 else None
        # In a merge or split every part must be found in the single paragraph on the
        # other side: an unrelated neighbour is never absorbed for a few function words.
        if i1 - i0 == 1:
            parts = [(shared[i0][j], r_size[j]) for j in range(j0, j1)]
        else:
            parts = [(shared[i][j0], s_size[i]) for i in range(i0, i1)]
        if any(not n or common / n < _PART_RECALL for common, n in parts):
            return None
        a: Counter[str] = sum(s_bags[i0:i1], Counter())
        b: Counter[str] = sum(r_bags[j0:j1], Counter())
        gain = _gain(sum((a & b).values()), size)
        return gain if gain > 0 else None

    n, m = len(spun), len(restored)
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    step: list[list[tuple[int, int] | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    for i in range(n + 1):
        for j in range(m + 1):
            if i == 0 and j == 0:
                continue
            # Ties go to the first option: skipping, so a link must earn its place.
            top, move = (best[i - 1][j], (1, 0)) if i else (best[i][j - 1], (0, 1))
            if i and j and best[i][j - 1] > top:
                top, move = best[i][j - 1], (0, 1)
            for a, b in _SHAPES:
                if i < a or j < b:
                    continue
                gain = link_gain(i - a, i, j - b, j)
                if gain is not None and best[i - a][j - b] + gain > top:
                    top, move = best[i - a][j - b] + gain, (a, b)
            best[i][j], step[i][j] = top, move
    links: list[Link] = []
    i, j = n, m
    while i or j:
        found = step[i][j]
        assert found is not None
        a, b = found
        kind = _KINDS.get(found) or ("furniture" if a else "dropped")
        links.append(Link(kind, tuple(range(i - a, i)), tuple(range(j - b, j))))
        i, j = i - a, j - b
    return links[::-1]


def moved(
    links: Sequence[Link], spun: Sequence[str], restored: Sequence[str], language: str = "en"
) -> list[tuple[int, int]]:
    """(spun, restored) paragraphs left unlinked that are one paragraph moved elsewhere."""
    unlinked_spun = [i for link in links if link.kind == "furniture" for i in link.spun]
    unlinked_restored = [j for link in links if link.kind == "dropped" for j in link.restored]
    pairs = []
    for i in unlinked_spun:
        bag = Counter(words(spun[i], language))
        for j in unlinked_restored:
            if similarity(bag, Counter(words(restored[j], language))) >= MOVED_SIMILARITY:
                pairs.append((i, j))
                break
    return pairs


def split_text(parts: Sequence[str], whole: str, language: str = "en") -> list[str]:
    """Cut ``whole`` (one restored paragraph) where ``parts`` (spun paragraphs) divide it,
    by word alignment, preferring a sentence end near each cut."""
    tokens = list(_WORD.finditer(whole))
    whole_words = [words(t.group(), language)[0] for t in tokens]
    part_words = [words(part, language) for part in parts]
    joined = [w for part in part_words for w in part]
    matcher = difflib.SequenceMatcher(None, joined, whole_words, autojunk=False)
    blocks = matcher.get_matching_blocks()
    cuts: list[int] = []
    boundary = 0
    for part in part_words[:-1]:
        boundary += len(part)
        cuts.append(_map_position(boundary, blocks, len(whole_words)))
    pieces = []
    start = 0
    for cut in cuts:
        cut = max(cut, 0)
        at = _sentence_end_near(whole, tokens, cut)
        pieces.append(whole[start:at].strip())
        start = at
    pieces.append(whole[start:].strip())
    return pieces


def _map_position(position: int, blocks: Sequence[difflib.Match], size: int) -> int:
    """The index in the second sequence that corresponds to ``position`` in the first."""
    previous_end_b = 0
    for block in blocks:
        if block.a + block.size <= position:
            previous_end_b = block.b + block.size
            continue
        if block.a <= position:
            return block.b + (position - block.a)
        return max(previous_end_b, min(block.b, block.b - (block.a - position)))
    return size


def _sentence_end_near(text: str, tokens: Sequence[re.Match[str]], index: int) -> int:
    """Character offset to cut ``text`` at before token ``index``, moved to just after a
    sentence end within three tokens when there is one."""
    if not tokens:
        return len(text)
    for distance in range(4):
        for candidate in (index - distance, index + distance):
            if 0 < candidate < len(tokens):
                gap = text[tokens[candidate - 1].end() : tokens[candidate].start()]
                if re.search(r"[.!?…][\"'”’)]*\s", gap + " "):
                    return tokens[candidate].start()
    return tokens[min(max(index, 0), len(tokens) - 1)].start() if index < len(tokens) else len(text)

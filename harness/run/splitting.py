"""Split text that is too long for one request at sentence boundaries, and rejoin it.

Backends cut or refuse long inputs (APy silently truncates above a few thousand
characters and still answers 200), so the runner never sends more than a
provider's ``max_chars`` in one piece. Pieces are cut between sentences, found
by pysbd (the maintained port of the Golden Rules sentence-boundary rules, with
abbreviation lists per language: "St. Petersburg" and "Mr. Smith" stay whole);
languages pysbd lacks use its English rules. A sentence that alone exceeds the
limit is cut at the last space before it, and only a space-free run of text is
cut hard.
"""

from __future__ import annotations

from functools import cache

import pysbd
from pysbd.languages import LANGUAGE_CODES


@cache
def _segmenter(lang: str) -> pysbd.Segmenter:
    base = lang.split("-")[0].lower()
    return pysbd.Segmenter(language=base if base in LANGUAGE_CODES else "en", clean=False)


def sentences(text: str, lang: str = "en") -> list[str]:
    """The sentences of ``text`` in language ``lang``, each keeping its punctuation."""
    parts = [p.strip() for p in _segmenter(lang).segment(text) if p.strip()]
    return parts or [text]


def split_text(text: str, max_chars: int, lang: str = "en") -> list[str]:
    """Pieces of at most ``max_chars`` characters that ``join_pieces`` puts back together."""
    if max_chars < 1:
        raise ValueError("max_chars must be positive")
    if len(text) <= max_chars:
        return [text]
    pieces: list[str] = []
    current = ""
    for sentence in sentences(text, lang):
        for chunk in _hard_wrap(sentence, max_chars):
            candidate = f"{current} {chunk}" if current else chunk
            if len(candidate) <= max_chars:
                current = candidate
            else:
                pieces.append(current)
                current = chunk
    if current:
        pieces.append(current)
    return pieces


def _hard_wrap(sentence: str, max_chars: int) -> list[str]:
    chunks: list[str] = []
    rest = sentence
    while len(rest) > max_chars:
        cut = rest.rfind(" ", 0, max_chars + 1)
        if cut <= 0:
            cut = max_chars
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        chunks.append(rest)
    return chunks


def join_pieces(pieces: list[str], target_lang: str) -> str:
    """Rejoin translated pieces: with a space, except for scripts written without spaces."""
    glue = "" if target_lang.split("-")[0] in {"zh", "ja", "th", "lo", "km", "my"} else " "
    return glue.join(piece.strip() for piece in pieces)

"""Split text that is too long for one request at sentence boundaries, and rejoin it.

Backends cut or refuse long inputs (APy silently truncates above a few thousand
characters and still answers 200), so the runner never sends more than a
provider's ``max_chars`` in one piece. Pieces are cut after sentence-ending
punctuation followed by a space; a sentence that alone exceeds the limit is cut
at the last space before it, and only a space-free run of text is cut hard.
"""

from __future__ import annotations

import re

# Sentence ends: ., !, ? or an ellipsis, optionally followed by closing quotes or
# brackets, then whitespace. Also CJK full stops, which need no following space.
_SENTENCE_END = re.compile(r"(?<=[.!?…][\"'”’»)\]])\s+|(?<=[.!?…])\s+|(?<=[。！？])")


def sentences(text: str) -> list[str]:
    """The sentences of ``text``, each keeping its trailing punctuation."""
    parts = [p for p in _SENTENCE_END.split(text) if p]
    return parts or [text]


def split_text(text: str, max_chars: int) -> list[str]:
    """Pieces of at most ``max_chars`` characters that ``join_pieces`` puts back together."""
    if max_chars < 1:
        raise ValueError("max_chars must be positive")
    if len(text) <= max_chars:
        return [text]
    pieces: list[str] = []
    current = ""
    for sentence in sentences(text):
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

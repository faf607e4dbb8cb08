"""Curated facts for text that comes from a reference article.

``harness fidelity`` judges arbitrary pairs. When a pair's source is a paragraph of
a reference article (or a passage of one), the article's curated facts know its
names and their accepted forms in many languages, which beats reading capitalised
spans; other sources are scored automatically. A passage must be long enough
(``MIN_CHARS``) that it cannot stand in an unrelated text by chance.
"""

from __future__ import annotations

import re
from pathlib import Path

from harness.references.article import list_article_ids
from harness.references.facts import Facts, SegmentFacts
from harness.references.library import ReferenceLibrary

MIN_CHARS = 25
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})
_SPACE = re.compile(r"\s+")


def _normalise(text: str) -> str:
    """Compare texts regardless of spacing and of straight or curly quotes."""
    return _SPACE.sub(" ", text.translate(_QUOTES)).strip()


class ReferenceFacts:
    """The facts of every reference article that has a facts file, found by text."""

    def __init__(self, root: Path) -> None:
        self.problems: list[str] = []
        self._articles: list[tuple[Facts, list[tuple[str, tuple[str, str]]]]] = []
        library = ReferenceLibrary(root)
        for article_id in list_article_ids(root):
            loaded = library.load(article_id)
            article, facts = loaded.article, loaded.facts
            if loaded.problem is not None:
                self.problems.append(loaded.problem)
            if article is None or facts is None:
                continue
            segments = [
                (seg.id, (_normalise(seg.restored), _normalise(seg.spun)))
                for seg in article.segments
            ]
            self._articles.append((facts, segments))

    def lookup(self, source: str) -> SegmentFacts | None:
        """The facts of ``source`` if it is a paragraph, or a passage of one, of an article."""
        wanted = _normalise(source)
        if len(wanted) < MIN_CHARS:
            return None
        for facts, segments in self._articles:
            for segment_id, texts in segments:
                if wanted in texts:
                    return facts.for_segment(segment_id)
        for facts, segments in self._articles:
            for _, texts in segments:
                if any(wanted in text for text in texts):
                    return facts.for_text(source)
        return None

    def names_in(self, source: str) -> SegmentFacts | None:
        """For any other source: the curated names that occur in it, if any."""
        for facts, _ in self._articles:
            found = facts.for_text(source)
            if found.names:
                return found
        return None

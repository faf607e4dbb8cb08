"""The reference library: articles, their facts and gold translations, loaded on first use.

Scoring, comparing and leakage all look articles up by id while they stream a run file.
One :class:`ReferenceLibrary` serves them all, so an article is read, parsed and
checked once per command, and its problems are noted once (not once per caller).

The most recently used ``keep`` articles stay loaded: runs write an article's segments
close together, and a run over thousands of articles must not hold them all.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from harness.errors import ArticleError
from harness.references.article import Article, load_article
from harness.references.facts import FACTS_FILE, Facts, article_facts

GOLD_DIR = "translations"


@dataclass(frozen=True, slots=True)
class LoadedArticle:
    """An article and its facts, or why it could not be loaded."""

    article: Article | None
    facts: Facts | None
    problem: str | None = None


class ReferenceLibrary:
    """Articles of one references folder, with their facts and gold translations."""

    def __init__(self, root: Path, keep: int = 64) -> None:
        self.root = root
        self.keep = keep
        self.notes: list[str] = []
        self._articles: OrderedDict[str, LoadedArticle] = OrderedDict()
        self._gold: dict[tuple[str, str], dict[str, str] | None] = {}
        self._facts: dict[str, Facts] = {}  # by the digest of the facts file's bytes
        # Reference translations carried by a run's own inputs (``harness run --input``),
        # by article, language and segment: they come first.
        self._given: dict[str, dict[str, dict[str, str]]] = {}

    def add_gold(self, article_id: str, target: str, lines: dict[str, str]) -> None:
        """Reference translations of an article's segments from elsewhere than its folder."""
        self._given.setdefault(article_id, {}).setdefault(target, {}).update(lines)

    def load(self, article_id: str) -> LoadedArticle:
        """The article ``article_id`` (cached); a broken or missing one has a ``problem``."""
        if article_id in self._articles:
            self._articles.move_to_end(article_id)
            return self._articles[article_id]
        try:
            article = load_article(article_id, self.root)
            loaded = LoadedArticle(article, self._facts_of(article))
        except ArticleError as exc:
            loaded = LoadedArticle(None, None, str(exc))
        self._articles[article_id] = loaded
        if len(self._articles) > self.keep:
            evicted, _ = self._articles.popitem(last=False)
            for key in [k for k in self._gold if k[0] == evicted]:
                del self._gold[key]
        return loaded

    def _facts_of(self, article: Article) -> Facts | None:
        """The article's facts; copies of one facts file (same bytes) are parsed once."""
        path = article.path / FACTS_FILE
        if not path.is_file():
            return None
        digest = hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()
        facts = self._facts.get(digest)
        if facts is None:
            facts = article_facts(article)
            if facts is None:
                return None
            if len(self._facts) >= self.keep:
                self._facts.clear()
            self._facts[digest] = facts
        return facts

    def get(self, article_id: str) -> tuple[Article | None, Facts | None]:
        loaded = self.load(article_id)
        return loaded.article, loaded.facts

    def gold_lines(self, article_id: str, target: str) -> dict[str, str] | None:
        """``references/<article>/translations/<lang>.txt``: one line per segment, by id.

        A file whose line count differs from the article's segments is not used, and
        noted once."""
        key = (article_id, target)
        if key not in self._gold:
            article = self.load(article_id).article
            lines = None
            path = article.path / GOLD_DIR / f"{target}.txt" if article else None
            if article is not None and path is not None and path.is_file():
                texts = [ln.strip() for ln in path.read_text("utf-8").split("\n") if ln.strip()]
                if len(texts) == len(article.segments):
                    lines = {s.id: t for s, t in zip(article.segments, texts, strict=True)}
                else:
                    self.notes.append(
                        f"{path.name} of {article.id}: {len(texts)} lines for "
                        f"{len(article.segments)} segments; not used"
                    )
            self._gold[key] = lines
        return self._gold[key]

    def gold(self, article_id: str, segment: str, target: str) -> str | None:
        """The gold translation of one segment into ``target``, if the article has one."""
        given = self._given.get(article_id, {}).get(target, {}).get(segment)
        if given is not None:
            return given
        lines = self.gold_lines(article_id, target)
        return lines.get(segment) if lines else None

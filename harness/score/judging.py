"""The bridge to the fidelity judge: one output judged against its segment's facts.

:class:`Judge` calls :func:`harness.fidelity.scorer.score_pair` with the facts of
the *restored* segment (also for the spun variant). A segment the reference
article does not have (an id outside it, or an article missing from the
references) is judged on the run's own source text, its names and numbers read
automatically. Of the :class:`PairJudgement` it keeps only what reports read, as
a :class:`Judged`: counts, unexpected surfaces, and each expected fact kept (how,
where) or lost (why).

A judgement depends only on what the judge sees: the segment's facts, the source
text, the output and the languages. :class:`Judge` keys its memory by exactly
that content, so a sentence a backend translated the same way in two articles
that share a paragraph, in two runs, or twice in one run is judged once. Recent
judgements stay in memory (bounded); :class:`JudgementMemo` (a scratch SQLite
table) remembers the rest for ``harness compare``, whose runs of one
deterministic backend repeat whole runs of outputs.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import ArticleError
from harness.fidelity.scorer import PairJudgement, score_pair
from harness.references.article import Article, load_article
from harness.references.facts import FACTS_FILE, Facts, article_facts

# Memoised judgements are written to SQLite in batches of this many.
_FLUSH_EVERY = 5000
# Judgements kept in memory; past this the oldest half is forgotten (flat memory).
_RECENT = 20_000

@dataclass(frozen=True, slots=True)
class FactOutcome:
    """One fact of a segment in one output: kept (with how and the surface found) or lost.

    ``key`` identifies the fact within its article: ``name:<id>`` or
    ``number:<text as in the restored source>``. ``start``/``end`` locate the
    surface in the output (``-1`` when lost).
    """

    key: str
    kind: str
    label: str
    kept: bool
    how: str
    found: str = ""
    start: int = -1
    end: int = -1

    def to_json(self) -> list[Any]:
        return [self.key, self.kind, self.label, self.kept, self.how, self.found,
                self.start, self.end]

    @classmethod
    def from_json(cls, data: list[Any]) -> FactOutcome:
        key, kind, label, kept, how, found, start, end = data
        return cls(str(key), str(kind), str(label), bool(kept), str(how), str(found),
                   int(start), int(end))


@dataclass(frozen=True, slots=True)
class Judged:
    """What the reports keep of one judgement."""

    names_expected: int
    names_kept: int
    names_unexpected: int
    numbers_expected: int
    numbers_kept: int
    numbers_unexpected: int
    names_ok: bool
    numbers_ok: bool
    unexpected_texts: tuple[str, ...]
    facts: tuple[FactOutcome, ...]

    def to_json(self) -> list[Any]:
        return [self.names_expected, self.names_kept, self.names_unexpected,
                self.numbers_expected, self.numbers_kept, self.numbers_unexpected,
                self.names_ok, self.numbers_ok,
                list(self.unexpected_texts), [f.to_json() for f in self.facts]]

    @classmethod
    def from_json(cls, data: list[Any]) -> Judged:
        *counts, names_ok, numbers_ok, unexpected, facts = data
        ne, nk, nu, me, mk, mu = (int(c) for c in counts)
        return cls(ne, nk, nu, me, mk, mu, bool(names_ok), bool(numbers_ok),
                   tuple(str(t) for t in unexpected),
                   tuple(FactOutcome.from_json(f) for f in facts))


def facts_of(judgement: PairJudgement) -> tuple[FactOutcome, ...]:
    """The judgement's expected names and numbers as kept/lost outcomes, source order."""
    outcomes: list[FactOutcome] = []
    found_names = {match.id: match for match in judgement.names.found}
    for spec in judgement.names.expected:
        match = found_names.get(spec.id)
        if match is not None:
            outcomes.append(FactOutcome(f"name:{spec.id}", "name", spec.source, True, match.how,
                                        match.found, match.start, match.end))
        else:
            miss = next((m for m in judgement.names.missing if m.id == spec.id), None)
            outcomes.append(FactOutcome(f"name:{spec.id}", "name", spec.source, False,
                                        miss.why if miss is not None else "missing"))
    # Numbers are matched mention by mention; a range split in two matches twice.
    pending = list(judgement.numbers.found)
    for mention in judgement.numbers.expected:
        number = next((m for m in pending if m.expected is mention), None)
        key = f"number:{mention.text}"
        if number is not None:
            pending = [m for m in pending if m.expected is not mention]
            outcomes.append(FactOutcome(key, "number", mention.text, True, number.how,
                                        number.found.text, number.found.start, number.found.end))
        else:
            outcomes.append(FactOutcome(key, "number", mention.text, False, "missing"))
    return tuple(outcomes)


def judged_from(judgement: PairJudgement) -> Judged:
    stats = judgement.stats
    unexpected = tuple(m.found for m in judgement.names.unexpected) + tuple(
        m.text for m in judgement.numbers.unexpected)
    return Judged(stats.names_expected, stats.names_kept, stats.names_unexpected,
                  stats.numbers_expected, stats.numbers_kept, stats.numbers_unexpected,
                  bool(stats.names_ok), bool(stats.numbers_ok), unexpected, facts_of(judgement))




@dataclass(frozen=True)
class LoadedArticle:
    """An article as the judge reads it: restored text per segment, facts, and a token
    naming the facts' content (two copies of one facts file share it)."""

    article: Article
    facts: Facts | None
    facts_token: str
    restored: dict[str, str]


class ArticleBook:
    """Articles, their facts and gold translations, loaded on first use.

    The most recently used ``keep`` articles stay loaded: runs write an article's
    segments close together, and a run over thousands of articles must not hold
    them all. ``problems`` holds a note per article that could not be loaded and per
    gold translation that could not be used.
    """

    def __init__(self, root: Path, keep: int = 64) -> None:
        self.root = root
        self.keep = keep
        self.problems: dict[str, str] = {}
        self._articles: OrderedDict[str, LoadedArticle | None] = OrderedDict()
        self._gold: dict[tuple[str, str], dict[str, str] | None] = {}
        self._facts: dict[str, Facts] = {}

    def load(self, article_id: str) -> LoadedArticle | None:
        if article_id in self._articles:
            self._articles.move_to_end(article_id)
            return self._articles[article_id]
        loaded: LoadedArticle | None
        try:
            article = load_article(article_id, self.root)
            facts_file = article.path / FACTS_FILE
            token = (hashlib.blake2b(facts_file.read_bytes(), digest_size=16).hexdigest()
                     if facts_file.is_file() else "no-facts")
            # Copies of one facts file are parsed once; a judgement reads only their content.
            facts = self._facts.get(token) if token != "no-facts" else None
            if facts is None:
                facts = article_facts(article)
                if facts is not None:
                    if len(self._facts) >= self.keep:
                        self._facts.clear()
                    self._facts[token] = facts
        except ArticleError as exc:
            self.problems[article_id] = (f"{article_id}: {exc}; names and numbers are read "
                                         "from the run's own source text")
            loaded = None
        else:
            loaded = LoadedArticle(article, facts, token,
                                   {seg.id: seg.restored for seg in article.segments})
        self._articles[article_id] = loaded
        if len(self._articles) > self.keep:
            evicted, _ = self._articles.popitem(last=False)
            for key in [k for k in self._gold if k[0] == evicted]:
                del self._gold[key]
        return loaded

    def get(self, article_id: str) -> tuple[Article | None, Facts | None]:
        loaded = self.load(article_id)
        return (None, None) if loaded is None else (loaded.article, loaded.facts)

    def restored(self, article_id: str, segment: str) -> str | None:
        loaded = self.load(article_id)
        return None if loaded is None else loaded.restored.get(segment)

    def gold(self, article_id: str, segment: str, target: str) -> str | None:
        """``references/<article>/translations/<lang>.txt``: one line per segment."""
        key = (article_id, target)
        if key not in self._gold:
            article, _ = self.get(article_id)
            lines = None
            path = article.path / "translations" / f"{target}.txt" if article else None
            if article is not None and path is not None and path.is_file():
                texts = [ln.strip() for ln in path.read_text("utf-8").split("\n") if ln.strip()]
                if len(texts) == len(article.segments):
                    lines = {s.id: t for s, t in zip(article.segments, texts, strict=True)}
                else:
                    self.problems[f"{article_id}/{target}"] = (
                        f"{path.name} of {article_id}: {len(texts)} lines for "
                        f"{len(article.segments)} segments; not used")
            self._gold[key] = lines
        gold = self._gold[key]
        return gold.get(segment) if gold else None


class Judge:
    """Judges outputs against the facts of their restored segment, each distinct
    (facts, source, output, languages) once."""

    def __init__(self, book: ArticleBook, memo: JudgementMemo | None = None,
                 recent: int = _RECENT) -> None:
        self.book = book
        self.memo = memo
        self.judged = 0
        self.remembered = 0
        self._limit = recent
        self._recent: dict[tuple[str, ...], Judged] = {}

    def __call__(self, article_id: str, segment: str, target: str, source_lang: str,
                 output: str, run_source: str) -> Judged:
        loaded = self.book.load(article_id)
        restored = loaded.restored.get(segment) if loaded is not None else None
        if loaded is None or restored is None:
            # Not a segment of a reference article: judge the run's own source.
            key: tuple[str, ...] = ("", "", run_source, output, target, source_lang)
        else:
            key = (loaded.facts_token, segment, restored, output, target, source_lang)
        known = self._recent.get(key)
        if known is not None:
            self.remembered += 1
            return known
        digest = ""
        if self.memo is not None:
            digest = hashlib.blake2b("\0".join(key).encode("utf-8"),
                                     digest_size=16).hexdigest()
            known = self.memo.get(digest)
        if known is None:
            facts = loaded.facts if loaded is not None and restored is not None else None
            judgement = score_pair(key[2], output, target, source_lang,
                                   facts=facts.for_segment(segment) if facts else None)
            known = judged_from(judgement)
            self.judged += 1
            if self.memo is not None:
                self.memo.put(digest, known)
        else:
            self.remembered += 1
        if len(self._recent) >= self._limit:
            # Forget the older half (dicts keep insertion order): memory stays flat.
            for stale in list(self._recent)[: self._limit // 2]:
                del self._recent[stale]
        self._recent[key] = known
        return known


class JudgementMemo:
    """Judgements already made, by key, in a scratch SQLite file (flat memory)."""

    def __init__(self, directory: Path, name: str = "judged.sqlite") -> None:
        self._db = sqlite3.connect(directory / name)
        self._db.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-16384;"
            "CREATE TABLE judged (key TEXT PRIMARY KEY, payload TEXT) WITHOUT ROWID;")
        self._pending: dict[str, str] = {}

    def get(self, key: str) -> Judged | None:
        payload = self._pending.get(key)
        if payload is None:
            row = self._db.execute("SELECT payload FROM judged WHERE key = ?",
                                   (key,)).fetchone()
            payload = row[0] if row else None
        return None if payload is None else Judged.from_json(json.loads(payload))

    def put(self, key: str, judged: Judged) -> None:
        self._pending[key] = json.dumps(judged.to_json(), ensure_ascii=False,
                                        separators=(",", ":"))
        if len(self._pending) >= _FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        self._db.executemany("INSERT OR REPLACE INTO judged VALUES (?, ?)",
                             self._pending.items())
        self._db.commit()
        self._pending.clear()

    def close(self) -> None:
        self._db.close()

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
deterministic backend repeat whole runs of outputs. Articles come from the shared
:class:`~harness.references.library.ReferenceLibrary`.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.fidelity.glossary import Glossary
from harness.fidelity.scorer import FidelityStats, PairJudgement, score_pair
from harness.jsoncodec import dumps, loads
from harness.references.facts import FACTS_FILE, Facts, SegmentFacts
from harness.references.library import ReferenceLibrary

# Memoised judgements are written to SQLite in batches of this many.
_FLUSH_EVERY = 5000
# Judgements kept in memory; past this the oldest half is forgotten (flat memory).
_RECENT = 5_000


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
        return [
            self.key,
            self.kind,
            self.label,
            self.kept,
            self.how,
            self.found,
            self.start,
            self.end,
        ]

    @classmethod
    def from_json(cls, data: list[Any]) -> FactOutcome:
        key, kind, label, kept, how, found, start, end = data
        return cls(
            str(key), str(kind), str(label), bool(kept), str(how), str(found), int(start), int(end)
        )


@dataclass(frozen=True, slots=True)
class Judged:
    """What the reports keep of one judgement: its additive stats (names and numbers
    expected, kept, unexpected; the language verdict's counts; chatter), the output's
    language verdict, unexpected surfaces and each expected fact kept or lost."""

    stats: FidelityStats
    unexpected_texts: tuple[str, ...]
    facts: tuple[FactOutcome, ...]
    #: The output's language verdict (:mod:`harness.fidelity.language`).
    verdict: str = "ok"
    #: Whether the adapter removed chatter around the translation.
    chatter: bool = False

    @property
    def names_expected(self) -> int:
        return self.stats.names_expected

    @property
    def names_kept(self) -> int:
        return self.stats.names_kept

    @property
    def numbers_expected(self) -> int:
        return self.stats.numbers_expected

    @property
    def numbers_kept(self) -> int:
        return self.stats.numbers_kept

    def to_json(self) -> list[Any]:
        return [
            self.stats.to_json(),
            list(self.unexpected_texts),
            [f.to_json() for f in self.facts],
            self.verdict,
            self.chatter,
        ]

    @classmethod
    def from_json(cls, data: list[Any]) -> Judged:
        stats, unexpected, facts, verdict, chatter = data
        return cls(
            FidelityStats.from_json(stats),
            tuple(str(t) for t in unexpected),
            tuple(FactOutcome.from_json(f) for f in facts),
            str(verdict),
            bool(chatter),
        )


def facts_of(judgement: PairJudgement) -> tuple[FactOutcome, ...]:
    """The judgement's expected names and numbers as kept/lost outcomes, source order.
    An untranslated, wrong-language or refused output loses every fact, with the
    verdict as the reason."""
    if judgement.language.fails:
        verdict = judgement.language.verdict
        return tuple(
            [
                FactOutcome(f"name:{spec.id}", "name", spec.source, False, verdict)
                for spec in judgement.names.judged
            ]
            + [
                FactOutcome(f"number:{mention.text}", "number", mention.text, False, verdict)
                for mention in judgement.numbers.expected
            ]
        )
    outcomes: list[FactOutcome] = []
    found_names = {match.id: match for match in judgement.names.found}
    for spec in judgement.names.judged:
        match = found_names.get(spec.id)
        if match is not None:
            outcomes.append(
                FactOutcome(
                    f"name:{spec.id}",
                    "name",
                    spec.source,
                    True,
                    match.how,
                    match.found,
                    match.start,
                    match.end,
                )
            )
        else:
            miss = next((m for m in judgement.names.missing if m.id == spec.id), None)
            outcomes.append(
                FactOutcome(
                    f"name:{spec.id}",
                    "name",
                    spec.source,
                    False,
                    miss.why if miss is not None else "missing",
                )
            )
    # Numbers are matched mention by mention; a range split in two matches twice.
    pending = list(judgement.numbers.found)
    for mention in judgement.numbers.expected:
        number = next((m for m in pending if m.expected is mention), None)
        key = f"number:{mention.text}"
        if number is not None:
            pending = [m for m in pending if m.expected is not mention]
            outcomes.append(
                FactOutcome(
                    key,
                    "number",
                    mention.text,
                    True,
                    number.how,
                    number.found.text,
                    number.found.start,
                    number.found.end,
                )
            )
        else:
            outcomes.append(FactOutcome(key, "number", mention.text, False, "missing"))
    return tuple(outcomes)


def judged_from(judgement: PairJudgement) -> Judged:
    stats = judgement.stats
    unexpected = tuple(m.found for m in judgement.names.unexpected) + tuple(
        m.text for m in judgement.numbers.unexpected
    )
    return Judged(stats, unexpected, facts_of(judgement), judgement.verdict, bool(stats.chatter))


@dataclass(frozen=True)
class _Prepared:
    """What the judge reads of an article, worked out once per article: the restored
    text per segment, and a token naming the facts' content (copies of one facts file
    share it, so their judgements are shared too)."""

    facts: Facts | None
    facts_token: str
    restored: dict[str, str]


class Judge:
    """Judges outputs against the facts of their restored segment, each distinct
    (facts, source, output, languages) once.

    ``problems`` holds one note per article that could not be loaded (its segments
    are judged on the run's own source text)."""

    def __init__(
        self,
        book: ReferenceLibrary,
        memo: JudgementMemo | None = None,
        recent: int = _RECENT,
        glossary: Glossary | None = None,
    ) -> None:
        self.book = book
        self.memo = memo
        self.glossary = glossary
        self.judged = 0
        self.remembered = 0
        self.problems: dict[str, str] = {}
        # Per article judged: the digest of its restored text and whether a person
        # reviewed its facts (what the run header is checked against, without reloading).
        self.seen: dict[str, tuple[str, bool]] = {}
        self._limit = recent
        self._recent: dict[tuple[str, ...], Judged] = {}
        self._prepared: OrderedDict[str, _Prepared | None] = OrderedDict()

    def prepared(self, article_id: str) -> _Prepared | None:
        if article_id in self._prepared:
            return self._prepared[article_id]
        loaded = self.book.load(article_id)
        prepared = None
        if loaded.article is None:
            self.problems.setdefault(
                article_id,
                f"{article_id}: {loaded.problem}; names and "
                "numbers are read from the run's own source text",
            )
        else:
            facts_file = loaded.article.path / FACTS_FILE
            token = (
                hashlib.blake2b(facts_file.read_bytes(), digest_size=16).hexdigest()
                if loaded.facts is not None and facts_file.is_file()
                else "no-facts"
            )
            prepared = _Prepared(
                loaded.facts, token, {seg.id: seg.restored for seg in loaded.article.segments}
            )
            self.seen[article_id] = (
                loaded.article.digest("restored"),
                loaded.facts is not None and loaded.facts.reviewed,
            )
        self._prepared[article_id] = prepared
        if len(self._prepared) > self.book.keep:
            self._prepared.popitem(last=False)
        return prepared

    def inputs(
        self,
        article_id: str,
        segment: str,
        target: str,
        source_lang: str,
        output: str,
        run_source: str,
        flags: tuple[str, ...] = (),
        glossary: Glossary | None = None,
        *,
        own: bool = False,
    ) -> tuple[tuple[str, ...], SegmentFacts | None]:
        """What a judgement reads, as a key (facts token, segment, source, the text sent,
        output, target, source language, glossary, flags), and the facts of the segment.
        The source is the restored text of the article's segment, or the run's own source
        for a segment the article lacks (``own``: the article is the user's own content,
        with no reference folder)."""
        digest = glossary.digest if glossary else ""
        prepared = None if own else self.prepared(article_id)
        restored = prepared.restored.get(segment) if prepared is not None else None
        if prepared is None or restored is None:
            return (
                "",
                "",
                run_source,
                run_source,
                output,
                target,
                source_lang,
                digest,
                *flags,
            ), None
        facts = prepared.facts.for_segment(segment) if prepared.facts is not None else None
        return (
            prepared.facts_token,
            segment,
            restored,
            run_source,
            output,
            target,
            source_lang,
            digest,
            *flags,
        ), facts

    def judgement(
        self,
        article_id: str,
        segment: str,
        target: str,
        source_lang: str,
        output: str,
        run_source: str,
        flags: tuple[str, ...] = (),
        glossary: Glossary | None = None,
        *,
        own: bool = False,
    ) -> PairJudgement:
        """The full judgement (every match and miss), not remembered: for drill-down."""
        glossary = glossary or self.glossary
        key, facts = self.inputs(
            article_id, segment, target, source_lang, output, run_source, flags, glossary, own=own
        )
        return _score(key, facts, flags, glossary)

    def __call__(
        self,
        article_id: str,
        segment: str,
        target: str,
        source_lang: str,
        output: str,
        run_source: str,
        flags: tuple[str, ...] = (),
        glossary: Glossary | None = None,
        *,
        own: bool = False,
    ) -> Judged:
        """What reports keep of the judgement, each distinct :meth:`inputs` judged once."""
        glossary = glossary or self.glossary
        key, facts = self.inputs(
            article_id, segment, target, source_lang, output, run_source, flags, glossary, own=own
        )
        known = self._recent.get(key)
        if known is not None:
            self.remembered += 1
            return known
        digest = ""
        if self.memo is not None:
            digest = hashlib.blake2b("\0".join(key).encode("utf-8"), digest_size=16).hexdigest()
            known = self.memo.get(digest)
        if known is None:
            known = judged_from(_score(key, facts, flags, glossary))
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


def _score(
    key: tuple[str, ...],
    facts: SegmentFacts | None,
    flags: tuple[str, ...],
    glossary: Glossary | None,
) -> PairJudgement:
    """The judgement of what :meth:`Judge.inputs` keyed: (facts token, segment, source,
    text sent, output, target, source language, ...)."""
    _, _, source, sent, output, target, source_lang = key[:7]
    return score_pair(
        source,
        output,
        target,
        source_lang,
        facts=facts,
        flags=flags,
        glossary=glossary,
        sent=sent,
    )


class JudgementMemo:
    """Judgements already made, by key, in a scratch SQLite file (flat memory)."""

    def __init__(
        self, directory: Path, name: str = "judged.sqlite", cache_kib: int = 16384
    ) -> None:
        self._db = sqlite3.connect(directory / name)
        self._db.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
            f"PRAGMA cache_size=-{int(cache_kib)};"
            "CREATE TABLE judged (key TEXT PRIMARY KEY, payload BLOB) WITHOUT ROWID;"
        )
        self._pending: dict[str, bytes] = {}

    def get(self, key: str) -> Judged | None:
        payload = self._pending.get(key)
        if payload is None:
            row = self._db.execute("SELECT payload FROM judged WHERE key = ?", (key,)).fetchone()
            payload = row[0] if row else None
        return None if payload is None else Judged.from_json(loads(payload))

    def put(self, key: str, judged: Judged) -> None:
        self._pending[key] = dumps(judged.to_json())
        if len(self._pending) >= _FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        self._db.executemany("INSERT OR REPLACE INTO judged VALUES (?, ?)", self._pending.items())
        self._db.commit()
        self._pending.clear()

    def close(self) -> None:
        self._db.close()

"""The bridge to the fidelity scorer: one output judged against its segment's facts.

:class:`Judge` calls :func:`harness.fidelity.scorer.score_pair` the way
``harness score`` does (facts of the *restored* segment, also for the spun
variant; the run's own source when the article is not available) and keeps of
the :class:`PairJudgement` only what reports read, as a :class:`Judged`: counts,
unexpected surfaces, and each expected fact kept (how, where) or lost (why).

Judgements are remembered in a :class:`JudgementMemo` (a scratch SQLite table)
by article, segment, language and output: runs of one deterministic backend
repeat most outputs, and a look-up costs a fraction of a judgement.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.fidelity.glossary import Glossary
from harness.fidelity.scorer import PairJudgement, score_pair
from harness.references.library import ReferenceLibrary

# Memoised judgements are written to SQLite in batches of this many.
_FLUSH_EVERY = 5000



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
    unexpected_texts: tuple[str, ...]
    facts: tuple[FactOutcome, ...]
    #: The output's language verdict (:mod:`harness.fidelity.language`).
    verdict: str = "ok"
    #: Whether the adapter removed chatter around the translation.
    chatter: bool = False

    def to_json(self) -> list[Any]:
        return [self.names_expected, self.names_kept, self.names_unexpected,
                self.numbers_expected, self.numbers_kept, self.numbers_unexpected,
                list(self.unexpected_texts), [f.to_json() for f in self.facts], self.verdict,
                self.chatter]

    @classmethod
    def from_json(cls, data: list[Any]) -> Judged:
        *counts, unexpected, facts, verdict, chatter = data
        ne, nk, nu, me, mk, mu = (int(c) for c in counts)
        return cls(ne, nk, nu, me, mk, mu, tuple(str(t) for t in unexpected),
                   tuple(FactOutcome.from_json(f) for f in facts), str(verdict), bool(chatter))


def facts_of(judgement: PairJudgement) -> tuple[FactOutcome, ...]:
    """The judgement's expected names and numbers as kept/lost outcomes, source order.
    An untranslated, wrong-language or refused output loses every fact, with the
    verdict as the reason."""
    if judgement.language.fails:
        verdict = judgement.language.verdict
        return tuple(
            [FactOutcome(f"name:{spec.id}", "name", spec.source, False, verdict)
             for spec in judgement.names.judged]
            + [FactOutcome(f"number:{mention.text}", "number", mention.text, False, verdict)
               for mention in judgement.numbers.expected])
    outcomes: list[FactOutcome] = []
    found_names = {match.id: match for match in judgement.names.found}
    for spec in judgement.names.judged:
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
                  unexpected, facts_of(judgement), judgement.verdict,
                  bool(judgement.stats.chatter))


class Judge:
    """Judges outputs against the facts of their restored segment, remembering results."""

    def __init__(self, book: ReferenceLibrary, memo: JudgementMemo | None = None,
                 glossary: Glossary | None = None) -> None:
        self.book = book
        self.memo = memo
        self.glossary = glossary
        self.judged = 0
        self.remembered = 0

    def __call__(self, article_id: str, segment: str, target: str, source_lang: str,
                 output: str, run_source: str, flags: tuple[str, ...] = (),
                 glossary: Glossary | None = None) -> Judged:
        glossary = glossary or self.glossary
        key = hashlib.blake2b("\0".join((article_id, segment, target, source_lang, output,
                                         glossary.digest if glossary else "", *flags))
                              .encode("utf-8"), digest_size=16).hexdigest()
        if self.memo is not None:
            known = self.memo.get(key)
            if known is not None:
                self.remembered += 1
                return known
        _, facts = self.book.get(article_id)
        restored = self.book.restored(article_id, segment)
        segment_facts = facts.for_segment(segment) if facts is not None and restored else None
        judgement = score_pair(restored or run_source, output, target, source_lang,
                               facts=segment_facts, flags=flags, glossary=glossary,
                               sent=run_source)
        judged = judged_from(judgement)
        self.judged += 1
        if self.memo is not None:
            self.memo.put(key, judged)
        return judged


class JudgementMemo:
    """Judgements already made, by key, in a scratch SQLite file (flat memory)."""

    def __init__(self, directory: Path) -> None:
        self._db = sqlite3.connect(directory / "judged.sqlite")
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

"""Scores of a run file, per variant and target language, computed by streaming.

The API the commands and the comparison reports build on:

* :func:`iter_segment_scores` streams one :class:`SegmentScore` per segment line
  of a run file (fidelity judgement against the facts of the *restored* source,
  or the error the backend returned): the drill-down.
* :func:`score_run` folds them into a :class:`RunScore`: one :class:`GroupScore`
  per (variant, target language) with additive :class:`FidelityStats`, chrF and
  BLEU against gold translations (``references/<article>/translations/<lang>.txt``,
  one line per segment, or those of the run's own inputs: :mod:`harness.score.gold`)
  where they exist, error counts; plus per target language
  the spin sensitivity (restored minus spun fidelity) and the spin stability
  (chrF of the spun output against the restored output of the same segment).

Memory stays flat in the number of segments: each group keeps sums, never
texts. The one exception is spin stability, which holds a segment's output
until its other variant arrives (runs write variants of an article in turn).
Errored segments are counted as errors and left out of fidelity and chrF/BLEU.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import ArticleError, RunFileError
from harness.fidelity.glossary import Glossary, run_glossary
from harness.fidelity.language import verdict_flags
from harness.fidelity.scorer import FidelityStats, PairJudgement, score_pair, signature
from harness.references.article import Article, references_root
from harness.references.facts import Facts
from harness.references.library import ReferenceLibrary
from harness.runfile import RunFile, RunHeader
from harness.score.gold import learn_run_references, missing_reference_notes, own_articles
from harness.score.textmetrics import StreamingMetric


@dataclass(frozen=True, slots=True)
class SegmentScore:
    """One segment line of a run, judged (or its error)."""

    id: str
    article: str
    segment: str
    variant: str
    target_lang: str
    output: str | None
    reference_source: str
    judgement: PairJudgement | None
    error: dict[str, Any] | None


@dataclass
class GroupScore:
    """Everything measured for one (variant, target language) of a run."""

    variant: str
    target_lang: str
    stats: FidelityStats = field(default_factory=FidelityStats)
    segments: int = 0
    errors: int = 0
    error_types: Counter[str] = field(default_factory=Counter)
    chrf: StreamingMetric | None = None
    bleu: StreamingMetric | None = None
    segment_scores: list[SegmentScore] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "variant": self.variant, "target_lang": self.target_lang,
            "segments": self.segments, "errors": self.errors,
            "error_types": dict(self.error_types), "stats": self.stats.to_json(),
            "names_fidelity": self.stats.names_fidelity,
            "numbers_fidelity": self.stats.numbers_fidelity,
            "unexpected": self.stats.unexpected,
            "chrf": self.chrf.score() if self.chrf else None,
            "bleu": self.bleu.score() if self.bleu else None,
            "gold_segments": self.chrf.segments if self.chrf else 0,
        }


@dataclass
class RunScore:
    path: Path
    run_id: str
    provider: dict[str, Any]
    complete: bool
    groups: dict[tuple[str, str], GroupScore]
    spin_stability: dict[str, StreamingMetric]
    notes: list[str]
    unreviewed: list[str] = field(default_factory=list)  # articles judged on unreviewed facts

    @property
    def has_references(self) -> bool:
        """Whether any group was measured against a reference translation."""
        return any(group.chrf is not None for group in self.groups.values())

    def targets(self) -> list[str]:
        return sorted({target for _, target in self.groups})

    def group(self, variant: str, target: str) -> GroupScore | None:
        return self.groups.get((variant, target))

    def spin_sensitivity(self, target: str) -> dict[str, float | None]:
        """Restored minus spun fidelity for ``target``: what the spinning cost."""
        restored, spun = self.group("restored", target), self.group("spun", target)
        out: dict[str, float | None] = {"names": None, "numbers": None}
        if restored is None or spun is None:
            return out
        for key in out:
            a = getattr(restored.stats, f"{key}_fidelity")
            b = getattr(spun.stats, f"{key}_fidelity")
            out[key] = None if a is None or b is None else a - b
        return out

    def signatures(self) -> dict[str, str]:
        sigs = {"fidelity": signature()}
        for group in self.groups.values():
            for metric in (group.chrf, group.bleu):
                if metric is not None and metric.signature():
                    sigs[f"{metric.name}:{group.target_lang}"] = metric.signature() or ""
        for target, metric in self.spin_stability.items():
            if metric.signature():
                sigs[f"spin-chrf:{target}"] = metric.signature() or ""
        return sigs

    def to_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id, "path": str(self.path), "provider": self.provider,
            "complete": self.complete,
            "groups": [g.to_json() for _, g in sorted(self.groups.items())],
            "spin": {
                target: {**self.spin_sensitivity(target),
                         "stability_chrf": (self.spin_stability[target].score()
                                            if target in self.spin_stability else None)}
                for target in self.targets()
            },
            "signatures": self.signatures(), "notes": self.notes,
            "unreviewed_facts": self.unreviewed,
        }


def _article(book: ReferenceLibrary, article_id: str,
             own: set[str] | frozenset[str] = frozenset()) -> tuple[Article | None, Facts | None]:
    """The article and facts of a segment; a broken or missing article is noted once.
    Articles of the run's own inputs (``own``) have no folder: their facts are found
    automatically in the source text."""
    if article_id in own:
        return None, None
    first = not book.has_loaded(article_id)
    loaded = book.load(article_id)
    if first and loaded.problem:
        book.notes.append(f"{article_id}: {loaded.problem}; names and numbers are read from "
                          "the run's own source text")
    return loaded.article, loaded.facts


def _check_digests(header: RunHeader, book: ReferenceLibrary) -> None:
    for entry in header.articles:
        article, _ = _article(book, entry.id, own_articles(header))
        restored = entry.digests.get("restored")
        if article is not None and restored and restored != article.digest("restored"):
            book.notes.append(f"{article.id}: the run translated another version of the "
                              "article (digest differs); facts may not match")


def iter_segment_scores(path: Path, references: Path | None = None,
                        *, _book: ReferenceLibrary | None = None,
                        glossary: Glossary | None = None) -> Iterator[SegmentScore]:
    """Judge every segment line of run file ``path``, streaming; ``glossary`` (or the
    one the run's header records) adds accepted name forms."""
    book = _book or ReferenceLibrary(references_root(references))
    run = RunFile(path)
    glossary = run_glossary(run.header, glossary, book.notes)
    own = own_articles(run.header)
    for record in run.segments():
        article, facts = _article(book, record.article, own)
        segment_id = record.segment
        try:
            restored = article.segment(segment_id).restored if article else None
        except ArticleError:
            restored = None
        if restored is None:
            restored = record.source
        output = record.output
        error = record.error.to_dict() if record.error is not None else None
        judgement = None
        if output is not None and not error:
            segment_facts = facts.for_segment(segment_id) if facts is not None else None
            judgement = score_pair(restored, output, record.target_lang,
                                   record.source_lang or "en", facts=segment_facts,
                                   flags=verdict_flags(record.flags), glossary=glossary,
                                   sent=record.source)
        yield SegmentScore(record.id, record.article, segment_id,
                           record.variant, record.target_lang,
                           output, restored, judgement,
                           error if error is not None else
                           ({"type": "NoOutput", "message": "no output"} if output is None
                            else None))


def score_run(path: Path, references: Path | None = None,
              *, keep_segments: bool = False, glossary: Glossary | None = None) -> RunScore:
    """Score run file ``path`` (see the module docstring); ``keep_segments`` keeps
    every :class:`SegmentScore` on its group for drill-down (memory grows)."""
    book = ReferenceLibrary(references_root(references))
    notes = book.notes
    run = RunFile(path)
    learn_run_references(book, run.header)
    _check_digests(run.header, book)
    groups: dict[tuple[str, str], GroupScore] = {}
    spin: dict[str, StreamingMetric] = {}
    waiting: dict[tuple[str, str, str], tuple[str, str]] = {}
    for score in iter_segment_scores(path, references, _book=book, glossary=glossary):
        key = (score.variant, score.target_lang)
        group = groups.get(key)
        if group is None:
            group = groups[key] = GroupScore(score.variant, score.target_lang)
        group.segments += 1
        if keep_segments:
            group.segment_scores.append(score)
        if score.judgement is None or score.output is None:
            group.errors += 1
            group.error_types[str((score.error or {}).get("type", "error"))] += 1
            continue
        group.stats = group.stats + score.judgement.stats
        reference = book.gold(score.article, score.segment, score.target_lang)
        if reference is not None:
            group.chrf = group.chrf or StreamingMetric("chrf", score.target_lang)
            group.bleu = group.bleu or StreamingMetric("bleu", score.target_lang)
            group.chrf.add(score.output, reference)
            group.bleu.add(score.output, reference)
        _pair_variants(score, waiting, spin)
    if waiting:
        notes.append(f"{len(waiting)} segments have only one variant with output; "
                     "left out of spin stability")
    notes += missing_reference_notes([t for _, t in sorted(groups)],
                                     [t for (_, t), g in groups.items() if g.chrf])
    return RunScore(path, run.run_id, dict(run.header.provider),
                    run.footer() is not None, groups, spin, notes,
                    unreviewed=_unreviewed(run.header, book))


def _unreviewed(header: RunHeader, book: ReferenceLibrary) -> list[str]:
    """Articles judged on facts no person checked: found automatically, or proposed
    by ``harness references add`` and not yet marked ``reviewed = true``."""
    own = own_articles(header)
    out = []
    for entry in header.articles:
        _, facts = _article(book, entry.id, own)
        if facts is None or not facts.reviewed:
            out.append(entry.id)
    return out


def _pair_variants(score: SegmentScore, waiting: dict[tuple[str, str, str], tuple[str, str]],
                   spin: dict[str, StreamingMetric]) -> None:
    if score.variant not in ("spun", "restored") or score.output is None:
        return
    slot = (score.article, score.segment, score.target_lang)
    other = waiting.pop(slot, None)
    if other is None or other[0] == score.variant:
        waiting[slot] = (score.variant, score.output)
        return
    spun, restored = ((score.output, other[1]) if score.variant == "spun"
                      else (other[1], score.output))
    metric = spin.get(score.target_lang)
    if metric is None:
        metric = spin[score.target_lang] = StreamingMetric("chrf", score.target_lang)
    metric.add(spun, restored)


def score_runs(paths: list[Path], references: Path | None = None,
               glossary: Glossary | None = None) -> list[RunScore]:
    scores = []
    for path in paths:
        if not path.is_file():
            raise RunFileError(f"{path}: no such run file")
        scores.append(score_run(path, references, glossary=glossary))
    return scores

"""Scores of a run file, per variant and target language: ``harness score``'s figures.

:func:`score_run` runs the scoring pipeline (:mod:`harness.score.pipeline`) over a
run file and wraps its totals as a :class:`RunScore`: one :class:`GroupScore` per
(variant, target language) with additive :class:`FidelityStats`, chrF and BLEU
against gold translations (``references/<article>/translations/<lang>.txt``, one
line per segment, or those of the run's own inputs: :mod:`harness.score.gold`)
where they exist, error counts; plus per target language the spin
sensitivity (restored minus spun fidelity), the spin stability (chrF of the spun
output against the restored output of the same segment) and the spin leakage.

The facts of a segment are those of its *restored* text in the reference article,
also for the spun variant. A segment the article does not have (or an article the
references lack) is judged on the run's own source text. Errored segments are
counted as errors and left out of fidelity and chrF/BLEU. Memory stays flat in the
number of segments: the pipeline keeps sums, never per-segment objects.
:func:`iter_segment_scores` streams each segment's full judgement for drill-down.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import RunFileError
from harness.fidelity.glossary import Glossary, run_glossary
from harness.fidelity.language import verdict_flags
from harness.fidelity.scorer import FidelityStats, PairJudgement, signature
from harness.references.article import references_root
from harness.references.library import ReferenceLibrary
from harness.restore.leakage import LeakageReport
from harness.run.langs import lang_key
from harness.runfile import RunFile, RunHeader
from harness.score.gold import missing_reference_notes, own_articles
from harness.score.judging import Judge
from harness.score.pipeline import CHUNK_LINES, RunTotals, Scorer, score_file
from harness.score.rows import error_type
from harness.score.textmetrics import StreamingMetric
from harness.score.totals import GroupTotals


@dataclass(frozen=True, slots=True)
class SegmentScore:
    """One segment line of a run with its full judgement (or its error): the drill-down."""

    id: str
    article: str
    segment: str
    variant: str
    target_lang: str
    output: str | None
    judgement: PairJudgement | None
    error: str | None


def iter_segment_scores(
    path: Path, references: Path | None = None, *, glossary: Glossary | None = None
) -> Iterator[SegmentScore]:
    """Every segment line of run file ``path`` with its full judgement, streaming; the
    same judge and rules as :func:`score_run`, nothing remembered or summed. ``glossary``
    (or the one the run's header records) adds accepted name forms."""
    judge = Judge(ReferenceLibrary(references_root(references)))
    run = RunFile(path)
    glossary = run_glossary(run.header, glossary, judge.book.notes)
    own = own_articles(run.header)
    for record in run.segments():
        error = error_type(record)
        output = record.output
        article, segment = record.article, record.segment
        judgement = None
        if error is None and output is not None:
            judgement = judge.judgement(
                article,
                segment,
                lang_key(record.target_lang),
                record.source_lang or "en",
                output,
                record.source,
                verdict_flags(record.flags),
                glossary,
                own=article in own,
            )
        yield SegmentScore(
            record.id,
            article,
            segment,
            record.variant,
            record.target_lang,
            output,
            judgement,
            error,
        )


@dataclass
class GroupScore:
    """Everything measured for one (variant, target language) of a run."""

    totals: GroupTotals
    chrf: StreamingMetric | None = None
    bleu: StreamingMetric | None = None

    @classmethod
    def of(cls, totals: GroupTotals) -> GroupScore:
        chrf = bleu = None
        if totals.chrf is not None and totals.bleu is not None:
            chrf = StreamingMetric.from_totals(
                "chrf", totals.target, totals.chrf, totals.gold_segments
            )
            bleu = StreamingMetric.from_totals(
                "bleu", totals.target, totals.bleu, totals.gold_segments
            )
        return cls(totals, chrf, bleu)

    @property
    def variant(self) -> str:
        return self.totals.variant

    @property
    def target_lang(self) -> str:
        return self.totals.target

    @property
    def segments(self) -> int:
        return self.totals.segments

    @property
    def errors(self) -> int:
        return self.totals.errors

    @property
    def error_types(self) -> Counter[str]:
        return self.totals.error_types

    @property
    def stats(self) -> FidelityStats:
        return self.totals.stats

    def to_json(self) -> dict[str, Any]:
        stats = self.stats
        return {
            "variant": self.variant,
            "target_lang": self.target_lang,
            "segments": self.segments,
            "errors": self.errors,
            "error_types": dict(sorted(self.error_types.items())),
            "stats": stats.to_json(),
            "names_fidelity": stats.names_fidelity,
            "numbers_fidelity": stats.numbers_fidelity,
            "unexpected": stats.unexpected,
            "chrf": self.chrf.score() if self.chrf else None,
            "bleu": self.bleu.score() if self.bleu else None,
            "gold_segments": self.totals.gold_segments,
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
    leakage: LeakageReport
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
            "run_id": self.run_id,
            "path": str(self.path),
            "provider": self.provider,
            "complete": self.complete,
            "groups": [g.to_json() for _, g in sorted(self.groups.items())],
            "spin": {
                target: {
                    **self.spin_sensitivity(target),
                    "stability_chrf": (
                        self.spin_stability[target].score()
                        if target in self.spin_stability
                        else None
                    ),
                }
                for target in self.targets()
            },
            "signatures": self.signatures(),
            "notes": self.notes,
            "unreviewed_facts": self.unreviewed,
        }


def _article_info(article_id: str, totals: RunTotals, judge: Judge) -> tuple[str, bool] | None:
    """(restored digest, facts reviewed) of an article: from scoring, or loaded now for
    an article the header names and no segment line has."""
    info = totals.articles.get(article_id)
    if info is None and judge.prepared(article_id) is not None:
        info = judge.seen[article_id]
    return info


def _header_notes(header: RunHeader, totals: RunTotals, judge: Judge) -> list[str]:
    """Articles of the header that could not be loaded, and those whose text differs
    from the reference folder's."""
    own = own_articles(header)
    notes = []
    for entry in header.articles:
        article_id = entry.id
        if article_id in own:
            continue
        info = _article_info(article_id, totals, judge)
        if info is None:
            notes.append(totals.problems.get(article_id) or judge.problems[article_id])
            continue
        restored = entry.digests.get("restored")
        if restored and restored != info[0]:
            notes.append(
                f"{article_id}: the run translated another version of the "
                "article (digest differs); facts may not match"
            )
    return notes


def _unreviewed(header: RunHeader, totals: RunTotals, judge: Judge) -> list[str]:
    """Articles judged on facts no person checked: found automatically, or proposed
    by ``harness references add`` and not yet marked ``reviewed = true``."""
    own = own_articles(header)
    out = []
    for entry in header.articles:
        article_id = entry.id
        info = None if article_id in own else _article_info(article_id, totals, judge)
        if info is None or not info[1]:
            out.append(article_id)
    return out


def run_score(
    path: Path, header: RunHeader, complete: bool, totals: RunTotals, scorer: Scorer
) -> RunScore:
    """A :class:`RunScore` from the pipeline's totals of run file ``path``."""
    notes = list(
        dict.fromkeys(
            [*totals.notes, *_header_notes(header, totals, scorer.judge), *totals.problems.values()]
        )
    )
    if totals.waiting:
        notes.append(
            f"{len(totals.waiting)} segments have only one variant with output; "
            "left out of spin stability"
        )
    groups = {key: GroupScore.of(group) for key, group in totals.groups.items()}
    notes += missing_reference_notes(
        [t for _, t in sorted(groups)], [t for (_, t), g in groups.items() if g.chrf]
    )
    stability = {
        target: StreamingMetric.from_totals("chrf", target, spin.chrf, spin.pairs)
        for target, spin in sorted(totals.spin.items())
    }
    run_id = header.run_id or path.stem
    provider = dict(header.provider)
    leakage = totals.leaks.report(run_id, str(provider.get("name", "?")), len(totals.waiting))
    return RunScore(
        path,
        run_id,
        provider,
        complete,
        groups,
        stability,
        notes,
        leakage,
        unreviewed=_unreviewed(header, totals, scorer.judge),
    )


def score_run(
    path: Path,
    references: Path | None = None,
    *,
    workers: int | None = None,
    chunk_lines: int = CHUNK_LINES,
    glossary: Glossary | None = None,
) -> RunScore:
    """Score run file ``path`` (see the module docstring) with ``workers`` processes
    (default: one per usable core for a big file); the figures do not depend on
    ``workers`` or ``chunk_lines``."""
    scorer = Scorer(references_root(references), glossary=glossary)
    run, totals = score_file(path, scorer, workers, chunk_lines=chunk_lines)
    return run_score(path, run.header, run.footer() is not None, totals, scorer)


def score_runs(
    paths: list[Path],
    references: Path | None = None,
    glossary: Glossary | None = None,
    *,
    workers: int | None = None,
) -> list[RunScore]:
    scores = []
    for path in paths:
        if not path.is_file():
            raise RunFileError(f"{path}: no such run file")
        scores.append(score_run(path, references, workers=workers, glossary=glossary))
    return scores

"""Build a :class:`Report` from run files: check, stream, pair, gate.

Pass one streams each run once through the scoring pipeline (the rows and totals
``harness score`` reports; :mod:`harness.compare.passone`, in worker processes for
big runs), folding rows into the per-fact table and, when there is a baseline,
writing them to scratch :class:`RowStore` files (one per worker process). Pass two
pairs every other run with the baseline through those stores, read as one
(:class:`RowReader`). Memory stays flat in the number of segments; the scratch files
are removed at the end.
"""

from __future__ import annotations

import gc
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from harness import __version__
from harness.compare.align import RunIdentity, check_alignment, run_labels
from harness.compare.collect import DetailCollector, FactTable, group_summary
from harness.compare.engines import package_notes
from harness.compare.gates import Gate, evaluate
from harness.compare.model import (
    Column,
    FactRow,
    Report,
    RunInfo,
    SpinSummary,
)
from harness.compare.pairing import compare_all, pairing_pool
from harness.compare.passone import run_chunks, shown_slots, store_files, worker_pool
from harness.compare.significance import SIGNATURE as SIGNIFICANCE_SIGNATURE
from harness.compare.store import RowReader, RowStore
from harness.errors import RunFileError, UsageError
from harness.fidelity.glossary import Glossary, run_glossary
from harness.references.article import references_root
from harness.references.library import ReferenceLibrary
from harness.restore.leakage import LeakageReport
from harness.runfile import RunFile, utc_now
from harness.score.gold import learn_run_references, missing_reference_notes, own_articles
from harness.score.judging import Judge, JudgementMemo
from harness.score.pipeline import Scorer, check_unique, default_workers
from harness.score.rows import TextMetrics, scorer_signature

# Below this, a bootstrap resamples too few segments for its p-value to mean much.
MIN_PAIRED_FOR_TESTS = 10
# Runs smaller than this together are compared in this process: a pool would cost more.
PARALLEL_FROM_BYTES = 4 * 2**20


@dataclass
class CompareOptions:
    baseline: Path | None = None
    references: Path | None = None
    allow_mismatch: bool = False
    gates: list[Gate] = field(default_factory=list)
    detail_segments: int = 40
    broken_shown: int = 50
    fact_rows: int = 200
    workers: int | None = None  # processes for pass one; None: one per usable core
    glossary: Glossary | None = None


def expand_runs(paths: list[Path]) -> list[Path]:
    """Run files as given; a directory stands for the ``*.jsonl`` files in it."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(path.glob("*.jsonl"))
            if not found:
                raise RunFileError(f"{path}: a directory without run files (*.jsonl)")
            out.extend(found)
        elif path.is_file():
            out.append(path)
        else:
            raise RunFileError(f"{path}: no such run file")
    unique = list(dict.fromkeys(p.resolve() for p in out))
    return unique


def build_report(paths: list[Path], options: CompareOptions) -> Report:
    runs = expand_runs(paths)
    baseline_index: int | None = None
    if options.baseline is not None:
        baseline = expand_runs([options.baseline])
        if len(baseline) != 1:
            raise UsageError(
                f"--baseline {options.baseline}: give one run file, found {len(baseline)}"
            )
        runs = baseline + [r for r in runs if r != baseline[0]]
        baseline_index = 0
    if baseline_index is None and len(runs) < 1:
        raise UsageError("give at least one run file to compare")
    if baseline_index is not None and len(runs) < 2:
        raise UsageError("a baseline needs at least one other run to compare with")
    files = [RunFile(path) for path in runs]
    providers = [str(f.header.provider.get("name") or f.run_id) for f in files]
    labels = run_labels(providers, [f.run_id for f in files])
    notes: list[str] = []
    identities = [
        RunIdentity.from_header(label, f.header, {"fidelity": scorer_signature()})
        for label, f in zip(labels, files, strict=True)
    ]
    problems = check_alignment(identities)
    if problems and not options.allow_mismatch:
        raise UsageError(
            "runs are not comparable: "
            + "; ".join(problems)
            + " (--allow-mismatch compares them anyway)"
        )
    notes += [f"mismatch allowed: {p}" for p in problems]
    notes += package_notes(labels, [f.header for f in files])

    root = references_root(options.references)
    book = ReferenceLibrary(root)
    for run_file in files:
        learn_run_references(book, run_file.header)
    glossaries = [run_glossary(f.header, options.glossary, book.notes) for f in files]
    learned = list(book.notes)  # about the runs' inputs and glossaries; scoring adds the rest
    reference_notes_at = len(notes)  # filled in after pass one, from what it loaded
    facts = FactTable(options.fact_rows)
    details = DetailCollector(options.detail_segments)
    infos: list[RunInfo] = []
    groups = []
    leakage: list[LeakageReport] = []
    with tempfile.TemporaryDirectory(prefix="harness-compare-") as scratch:
        storing = baseline_index is not None  # rows kept for pairing with the baseline
        memo = JudgementMemo(Path(scratch))
        scorer = Scorer(
            root,
            book,
            Judge(book, memo, glossary=options.glossary),
            spin_chrf=False,
            glossary=options.glossary,
        )
        metrics = scorer.metrics
        workers = options.workers or (
            default_workers()
            if sum(f.path.stat().st_size for f in files) >= PARALLEL_FROM_BYTES
            else 1
        )
        pool = (
            worker_pool(workers, root, Path(scratch), [f.header for f in files], storing)
            if workers > 1
            else None
        )
        # Workers write the rows they score to stores of their own; alone, this process.
        store = RowStore(Path(scratch)) if storing and pool is None else None
        shown = shown_slots(files[0].path, options.detail_segments)
        try:
            totals = [scorer.totals() for _ in files]
            owns = [frozenset(own_articles(f.header)) for f in files]
            for index, part in run_chunks(
                [f.path for f in files],
                owns,
                glossaries,
                scorer,
                pool,
                workers,
                shown,
                store,
            ):
                if index:
                    details.close()  # the first run chose the segments shown in full
                scorer.merge(totals[index], part.totals)
                for fact_entry in part.facts:
                    facts.add_facts(index, *fact_entry)
                for row in part.shown:
                    details.add(labels[index], row)
            for index, (label, run) in enumerate(zip(labels, files, strict=True)):
                run_totals = totals[index]
                check_unique(run.path, run_totals.ids)
                groups += [
                    group_summary(index, run_totals.groups[key], metrics)
                    for key in sorted(run_totals.groups)
                ]
                leakage.append(run_totals.leaks.report(run.run_id, label, len(run_totals.waiting)))
                infos.append(
                    _run_info(index, label, run, run_totals.segments, index == baseline_index)
                )
                if run.footer() is None:
                    notes.append(
                        f"{label}: the run has no footer (interrupted); "
                        "only its finished segments are compared"
                    )
            seen = {k: v for run_totals in totals for k, v in run_totals.articles.items()}
            notes[reference_notes_at:reference_notes_at] = _reference_notes(
                files, labels, book, seen
            )
            comparisons = []
            if pool is not None:
                # Pairing needs none of what the workers remember of pass one: fresh ones.
                pool.shutdown()  # each worker's rows are committed chunk by chunk
                pool = pairing_pool(workers)
            if store is not None:
                store.close()
                store = None
            if storing and baseline_index is not None:
                candidates = [i for i in range(len(files)) if i != baseline_index]
                reader = RowReader(store_files(Path(scratch)))
                try:
                    comparisons = compare_all(
                        reader, baseline_index, candidates, metrics, options.broken_shown, pool
                    )
                finally:
                    reader.close()
        finally:
            if pool is not None:
                pool.shutdown()
                gc.unfreeze()  # frozen for the workers' fork; collectable again
            memo.close()
            if store is not None:
                store.close()
    notes += [
        note
        for note in dict.fromkeys([*learned, *(n for t in totals for n in t.notes)])
        if note not in notes
    ]
    notes += missing_reference_notes(
        sorted({g.target for g in groups}), {g.target for g in groups if g.gold_segments}
    )
    if facts.truncated:
        notes.append(
            f"the per-fact table shows the first {facts.limit} facts; the others "
            "count in every rate and in the newly broken lists (--facts N for more)"
        )
    few = sorted(
        {
            f"{g.target} {g.variant}"
            for c in comparisons
            for g in c.groups
            if g.paired_segments < MIN_PAIRED_FOR_TESTS
        }
    )
    if few:
        notes.append(
            f"fewer than {MIN_PAIRED_FOR_TESTS} paired segments in {', '.join(few)}: "
            "bootstrap p-values on so few segments are indicative only"
        )
    for comparison in comparisons:
        if comparison.only_baseline or comparison.only_candidate:
            notes.append(
                f"{labels[comparison.run]}: {comparison.only_baseline} segments only in "
                f"the baseline, {comparison.only_candidate} only in this run "
                "(left out of the paired comparison)"
            )
    report = Report(
        created=utc_now(),
        harness_version=__version__,
        runs=infos,
        signatures=_signatures(metrics, sorted({g.target for g in groups})),
        groups=groups,
        spin=[],
        fact_columns=[],
        facts=[],
        comparisons=comparisons,
        gates=[],
        details=details.ordered(),
        notes=notes,
        baseline=baseline_index,
    )
    report.spin = _spin(report)
    _fill_leakage(report, leakage)
    report.fact_columns, report.facts = _fact_rows(report, facts)
    report.gates = evaluate(report, options.gates)
    return report


def _reference_notes(
    files: list[RunFile],
    labels: list[str],
    book: ReferenceLibrary,
    seen: dict[str, tuple[str, bool]],
) -> list[str]:
    """Runs whose article text differs from the reference folder's: facts may not fit.
    ``seen``: the restored-text digest of each article pass one loaded (the others are
    loaded here)."""
    notes = []
    for label, run in zip(labels, files, strict=True):
        own = own_articles(run.header)
        for entry in run.header.articles:
            article_id = entry.id
            if article_id in own:
                notes.append(
                    f"{article_id} is your own content; its names and numbers "
                    "are found automatically in the source text (unreviewed facts)"
                )
                continue
            digest = seen[article_id][0] if article_id in seen else None
            if digest is None:
                article, _ = book.get(article_id)
                digest = article.digest("restored") if article is not None else None
            restored = entry.digests.get("restored")
            if digest is None:
                notes.append(
                    f"{label}: article {article_id} is not among the references; "
                    "names and numbers are read from the run's own source text"
                )
            elif restored and restored != digest:
                notes.append(
                    f"{label}: translated another version of {article_id} than the "
                    "references hold (digest differs); facts may not match"
                )
    return list(dict.fromkeys(notes))


def _run_info(index: int, label: str, run: RunFile, segments: int, baseline: bool) -> RunInfo:
    provider = run.header.provider
    return RunInfo(
        index=index,
        label=label,
        run_id=run.run_id,
        path=str(run.path),
        provider=str(provider.get("name") or ""),
        adapter=str(provider.get("adapter") or ""),
        adapter_version=str(provider.get("adapter_version") or ""),
        complete=run.footer() is not None,
        segments=segments,
        baseline=baseline,
    )


def _signatures(metrics: TextMetrics, targets: list[str]) -> dict[str, object]:
    per_target = {t: metrics.signatures(t) for t in targets}
    return {
        "fidelity": scorer_signature(),
        "chrf": next(iter(per_target.values()))["chrf"] if per_target else None,
        "bleu": {t: sigs["bleu"] for t, sigs in per_target.items()},
        "significance": SIGNIFICANCE_SIGNATURE,
    }


def _spin(report: Report) -> list[SpinSummary]:
    spins = []
    for run in report.runs:
        for target in report.targets():
            restored = report.group(run.index, "restored", target)
            spun = report.group(run.index, "spun", target)
            if restored is None or spun is None:
                continue
            summary = SpinSummary(run.index, target)
            for metric in ("names", "numbers", "fidelity"):
                a, b = restored.metric(metric), spun.metric(metric)
                setattr(summary, metric, None if a is None or b is None else a - b)
            spins.append(summary)
    return spins


def _fill_leakage(report: Report, leakage: list[LeakageReport]) -> None:
    """Spin leakage per run and language (counts only; its examples stay in
    ``harness score``)."""
    for run in report.runs:
        found = leakage[run.index]
        for spin in (s for s in report.spin if s.run == run.index):
            target = found.targets.get(spin.target)
            if target is not None:
                spin.leakage = {
                    k: v
                    for k, v in target.to_json().items()
                    if k not in ("examples", "target_lang")
                }


def _fact_rows(report: Report, table: FactTable) -> tuple[list[Column], list[FactRow]]:
    columns = [
        Column(g.run, g.target, g.variant)
        for g in sorted(
            report.groups, key=lambda g: (g.target, g.variant != "restored", g.variant, g.run)
        )
    ]
    rows = []
    for info in sorted(table.facts.values(), key=lambda f: (f.article, f.order)):
        row = FactRow(info.article, info.key, info.kind, info.label, info.segments)
        for column in columns:
            cell = table.cells.get((info.article, info.key, column.key))
            if cell is not None:
                row.cells[column.key] = cell
        rows.append(row)
    return columns, rows

"""One candidate run against the baseline, segment by segment.

Reads the pairs of rows both runs have (:meth:`RowStore.pairs`, ordered by
group and id) once, and per (variant, target language) feeds a
:class:`PairedBootstrap` with the additive statistics of the segments both runs
translated (names kept/expected, numbers kept/expected, chrF and BLEU
statistics). Per fact it counts the discordant pairs for McNemar's test and
records the newly broken facts (kept by the baseline, lost by the candidate)
with both outputs, the first ``show`` of them in full.
"""

from __future__ import annotations

import gc
from collections import Counter
from concurrent.futures import Executor, ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from harness.compare.model import BrokenFact, Comparison, Delta, GroupDelta
from harness.compare.significance import (
    PairedBootstrap,
    columns_ratio,
    mcnemar_exact,
    sacrebleu_metric,
)
from harness.compare.store import RowStore, StoredRow
from harness.score.rows import TextMetrics

CHRF_DIMS = 18  # sacreBLEU chrF defaults: char order 6, word order 0, 3 stats each
BLEU_DIMS = 10  # sacreBLEU BLEU: hyp and ref length, 4 x (matches, totals)
_FIDELITY_DIMS = 4


def _has_gold(row: StoredRow) -> bool:
    return row.chrf is not None and row.bleu is not None


def _text_vector(row: StoredRow) -> list[float]:
    return [*(row.chrf or ()), *(row.bleu or ())]


def _fact_counts(row: StoredRow) -> dict[str, list[Any]]:
    """Fact key -> [kept, total, first outcome] for one row (a key can repeat)."""
    out: dict[str, list[Any]] = {}
    for fact in row.facts:
        entry = out.setdefault(str(fact[0]), [0, 0, fact])
        entry[0] += int(bool(fact[3]))
        entry[1] += 1
        if fact[3] and not entry[2][3]:
            entry[2] = fact
    return out


class _GroupState:
    def __init__(self, variant: str, target: str) -> None:
        self.variant = variant
        self.target = target
        # Fidelity over every pair; chrF/BLEU over the pairs with a gold translation.
        self.fidelity = PairedBootstrap(_FIDELITY_DIMS)
        self.text = PairedBootstrap(CHRF_DIMS + BLEU_DIMS)
        self.paired = 0

    def add(self, base: StoredRow, cand: StoredRow) -> None:
        self.paired += 1
        self.fidelity.add([float(x) for x in base.counts], [float(x) for x in cand.counts])
        if _has_gold(base) and _has_gold(cand):
            self.text.add(_text_vector(base), _text_vector(cand))

    def deltas(self, metrics: TextMetrics) -> GroupDelta:
        tests = {
            "names": (self.fidelity, columns_ratio((0,), (1,))),
            "numbers": (self.fidelity, columns_ratio((2,), (3,))),
            "fidelity": (self.fidelity, columns_ratio((0, 2), (1, 3))),
            "chrf": (self.text, sacrebleu_metric(0, CHRF_DIMS, metrics.chrf_score)),
            "bleu": (
                self.text,
                sacrebleu_metric(
                    CHRF_DIMS, CHRF_DIMS + BLEU_DIMS, lambda s: metrics.bleu_score(s, self.target)
                ),
            ),
        }
        group = GroupDelta(self.variant, self.target, self.paired)
        for name, (bootstrap, fn) in tests.items():
            result = bootstrap.result(fn)
            if result.baseline is None and result.candidate is None:
                continue
            group.metrics.append(
                Delta(
                    name,
                    result.baseline,
                    result.candidate,
                    result.delta,
                    result.p_value,
                    result.ci95,
                )
            )
        return group


def compare_runs(
    store: RowStore, baseline: int, candidate: int, metrics: TextMetrics, *, show: int = 50
) -> Comparison:
    """Paired comparison of run ``candidate`` with run ``baseline`` (indexes in the store)."""
    comparison = Comparison(run=candidate, baseline=baseline)
    comparison.only_baseline, comparison.only_candidate = store.unpaired(baseline, candidate)
    groups: dict[str, _GroupState] = {}
    errors_added = Counter[str]()
    for grp, ident, base, cand in store.pairs(baseline, candidate):
        comparison.paired_segments += 1
        if base.ok and not cand.ok:
            errors_added[grp] += 1
        if not (base.ok and cand.ok):
            continue
        state = groups.get(grp)
        if state is None:
            variant, target = grp.split("/", 1)
            state = groups[grp] = _GroupState(variant, target)
        state.add(base, cand)
        _compare_facts(comparison, ident, base, cand, show)
    comparison.groups = [groups[g].deltas(metrics) for g in sorted(groups)]
    comparison.errors_added = sum(errors_added.values())
    comparison.mcnemar_p = mcnemar_exact(comparison.facts_broken, comparison.facts_fixed)
    comparison.newly_broken_shown = len(comparison.newly_broken)
    return comparison


def _compare_in_worker(path: Path, baseline: int, candidate: int, show: int) -> Comparison:
    store = RowStore.open(path)
    try:
        return compare_runs(store, baseline, candidate, TextMetrics(), show=show)
    finally:
        store.close()


def pairing_pool(workers: int) -> Executor:
    """Worker processes for :func:`compare_all` (forked: they share what is loaded)."""
    # Objects the garbage collector would walk in a child get copied into it page by page
    # (copy-on-write): frozen, they stay shared.
    gc.freeze()
    return ProcessPoolExecutor(workers, mp_context=get_context("fork"))


def compare_all(
    store: RowStore,
    baseline: int,
    candidates: list[int],
    metrics: TextMetrics,
    show: int,
    pool: Executor | None = None,
) -> list[Comparison]:
    """:func:`compare_runs` for every candidate, in order; in ``pool``'s worker processes
    when given (each comparison reads the store on its own; the results are the same)."""
    if pool is None or len(candidates) < 2:
        return [compare_runs(store, baseline, c, metrics, show=show) for c in candidates]
    store.flush()
    futures = [pool.submit(_compare_in_worker, store.path, baseline, c, show) for c in candidates]
    return [future.result() for future in futures]


def _compare_facts(
    comparison: Comparison, ident: str, base: StoredRow, cand: StoredRow, show: int
) -> None:
    base_facts = _fact_counts(base)
    cand_facts = _fact_counts(cand)
    for key, (kept_b, total_b, outcome_b) in base_facts.items():
        kept_c, total_c, outcome_c = cand_facts.get(key, (0, 0, None))
        comparison.facts_paired += min(total_b, total_c)
        broken = max(0, min(kept_b, total_c) - kept_c)
        fixed = max(0, min(kept_c, total_b) - kept_b)
        comparison.facts_broken += broken
        comparison.facts_fixed += fixed
        if broken and len(comparison.newly_broken) < show and outcome_c is not None:
            article, segment, variant, target = ident.split("/", 3)
            comparison.newly_broken.append(
                BrokenFact(
                    article=article,
                    segment=segment,
                    target=target,
                    variant=variant,
                    kind=str(outcome_b[1]),
                    key=key,
                    label=str(outcome_b[2]),
                    baseline_found=str(outcome_b[5]),
                    baseline_how=str(outcome_b[4]),
                    candidate_why=_why_lost(cand, key),
                    baseline_output=base.output or "",
                    candidate_output=cand.output or "",
                )
            )


def _why_lost(row: StoredRow, key: str) -> str:
    for fact in row.facts:
        if fact[0] == key and not fact[3]:
            return str(fact[4])
    return "missing"

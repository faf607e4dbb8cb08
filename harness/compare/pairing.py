"""Every candidate run against the baseline, segment by segment.

Reads each (variant, target language) group of the row store once
(:meth:`RowReader.segments`: every run's row of a segment together, ordered by
segment id) and per candidate feeds a :class:`PairedBootstrap` with the additive
statistics of the segments both runs translated (names kept/expected, numbers
kept/expected, chrF and BLEU statistics). Per fact it counts the discordant pairs for
McNemar's test and records the newly broken facts (kept by the baseline, lost by the
candidate) with both outputs, the first ``show`` of them in full. Groups are
independent (each bootstrap has its own seeded generator), so they are paired in
worker processes and added up in group order.
"""

from __future__ import annotations

import gc
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
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
from harness.compare.store import RowReader, StoredRow, decode_row
from harness.score.rows import TextMetrics

CHRF_DIMS = 18  # sacreBLEU chrF defaults: char order 6, word order 0, 3 stats each
BLEU_DIMS = 10  # sacreBLEU BLEU: hyp and ref length, 4 x (matches, totals)
_FIDELITY_DIMS = 4


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

    def add(self, base: _Prepared, cand: _Prepared) -> None:
        self.paired += 1
        self.fidelity.add(base.fidelity, cand.fidelity)
        if base.text is not None and cand.text is not None:
            self.text.add(base.text, cand.text)

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


@dataclass
class _Prepared:
    """A stored row decoded once per segment, with what every pairing reads of it."""

    row: StoredRow
    facts: dict[str, list[Any]]
    fidelity: list[float]
    text: list[float] | None


def _prepared(decoded: dict[bytes, _Prepared], payload: bytes) -> _Prepared:
    """``payload`` decoded, once per distinct payload of a segment (``decoded``)."""
    known = decoded.get(payload)
    if known is None:
        row = decode_row(payload)
        # chrF and BLEU statistics exist only for segments with a gold translation.
        gold = row.chrf is not None and row.bleu is not None
        known = decoded[payload] = _Prepared(
            row,
            _fact_counts(row),
            [float(x) for x in row.counts],
            [*(row.chrf or ()), *(row.bleu or ())] if gold else None,
        )
    return known


@dataclass
class _GroupPart:
    """What pairing one (variant, target language) group gives one candidate."""

    paired: int = 0
    only_baseline: int = 0
    only_candidate: int = 0
    errors_added: int = 0
    facts_broken: int = 0
    facts_fixed: int = 0
    facts_paired: int = 0
    delta: GroupDelta | None = None
    newly_broken: list[BrokenFact] = field(default_factory=list)


def pair_group(
    store: RowReader,
    group: str,
    baseline: int,
    candidates: list[int],
    metrics: TextMetrics,
    show: int,
) -> list[_GroupPart]:
    """Every candidate against the baseline within one group (one part per candidate).
    The group's rows are read once, ordered by segment id with every run's row of a
    segment together, so a segment's baseline row is decoded once for all candidates,
    and a candidate row identical to a row already decoded is not decoded again."""
    variant, target = group.split("/", 1)
    parts = [_GroupPart() for _ in candidates]
    states = [_GroupState(variant, target) for _ in candidates]
    index_of = {run: i for i, run in enumerate(candidates)}
    for ident, payloads in store.segments(group):
        decoded: dict[bytes, _Prepared] = {}  # identical rows are decoded once
        base_payload = payloads.get(baseline)
        base = _prepared(decoded, base_payload) if base_payload is not None else None
        for run, payload in payloads.items():
            slot = index_of.get(run)
            if slot is None:
                continue
            part = parts[slot]
            if base is None:
                part.only_candidate += 1
                continue
            cand = _prepared(decoded, payload)
            part.paired += 1
            if not cand.row.ok:
                part.errors_added += int(base.row.ok)
                continue
            if not base.row.ok:
                continue
            states[slot].add(base, cand)
            _compare_facts(part, ident, base, cand, show)
        if base is not None:
            for run in candidates:
                if run not in payloads:
                    parts[index_of[run]].only_baseline += 1
    for part, state in zip(parts, states, strict=True):
        if state.paired:
            part.delta = state.deltas(metrics)
    return parts


def _pair_group_in_worker(
    paths: list[Path], group: str, baseline: int, candidates: list[int], show: int
) -> list[_GroupPart]:
    store = RowReader(paths)
    try:
        return pair_group(store, group, baseline, candidates, TextMetrics(), show)
    finally:
        store.close()


def pairing_pool(workers: int) -> Executor:
    """Worker processes for :func:`compare_all` (forked: they share what is loaded)."""
    # Objects the garbage collector would walk in a child get copied into it page by page
    # (copy-on-write): frozen, they stay shared.
    gc.freeze()
    return ProcessPoolExecutor(workers, mp_context=get_context("fork"))


def compare_all(
    store: RowReader,
    baseline: int,
    candidates: list[int],
    metrics: TextMetrics,
    show: int,
    pool: Executor | None = None,
) -> list[Comparison]:
    """Paired comparison of every candidate run with the baseline (indexes in the
    store), in order. Groups are paired one at a time, in ``pool``'s worker processes
    when given (each reads the store on its own), and their parts added up in group
    order: the result does not depend on the pool."""
    groups = store.groups()
    if pool is None or len(groups) < 2:
        per_group = [pair_group(store, g, baseline, candidates, metrics, show) for g in groups]
    else:
        futures = [
            pool.submit(_pair_group_in_worker, store.paths, g, baseline, candidates, show)
            for g in groups
        ]
        per_group = [future.result() for future in futures]
    comparisons = []
    for slot, run in enumerate(candidates):
        comparison = Comparison(run=run, baseline=baseline)
        for parts in per_group:
            part = parts[slot]
            comparison.paired_segments += part.paired
            comparison.only_baseline += part.only_baseline
            comparison.only_candidate += part.only_candidate
            comparison.errors_added += part.errors_added
            comparison.facts_broken += part.facts_broken
            comparison.facts_fixed += part.facts_fixed
            comparison.facts_paired += part.facts_paired
            if part.delta is not None:
                comparison.groups.append(part.delta)
            comparison.newly_broken += part.newly_broken[: show - len(comparison.newly_broken)]
        comparison.mcnemar_p = mcnemar_exact(comparison.facts_broken, comparison.facts_fixed)
        comparison.newly_broken_shown = len(comparison.newly_broken)
        comparisons.append(comparison)
    return comparisons


def _compare_facts(
    part: _GroupPart, ident: str, base: _Prepared, cand: _Prepared, show: int
) -> None:
    cand_facts = cand.facts
    for key, (kept_b, total_b, outcome_b) in base.facts.items():
        kept_c, total_c, outcome_c = cand_facts.get(key, (0, 0, None))
        part.facts_paired += min(total_b, total_c)
        broken = max(0, min(kept_b, total_c) - kept_c)
        fixed = max(0, min(kept_c, total_b) - kept_b)
        part.facts_broken += broken
        part.facts_fixed += fixed
        if broken and len(part.newly_broken) < show and outcome_c is not None:
            article, segment, variant, target = ident.split("/", 3)
            part.newly_broken.append(
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
                    candidate_why=_why_lost(cand.row, key),
                    baseline_output=base.row.output or "",
                    candidate_output=cand.row.output or "",
                )
            )


def _why_lost(row: StoredRow, key: str) -> str:
    for fact in row.facts:
        if fact[0] == key and not fact[3]:
            return str(fact[4])
    return "missing"

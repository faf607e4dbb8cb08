"""Significance, latency quantiles, alignment checks and gate parsing (no scorer needed)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from harness.compare.align import RunIdentity, check_alignment, run_labels
from harness.compare.gates import parse_gate
from harness.compare.significance import PairedBootstrap, columns_ratio, mcnemar_exact
from harness.errors import UsageError
from harness.runfile import RunHeader
from harness.score.totals import LatencyHistogram


@pytest.mark.parametrize(
    "broken, fixed, expected",
    [
        (0, 0, None),
        (0, 5, 0.0625),  # 2 * (1/2)^5
        (5, 0, 0.0625),
        (1, 9, 2 * 11 / 1024),  # 2 * (C(10,0) + C(10,1)) / 2^10
        (3, 3, 1.0),
        (10, 10, 1.0),
    ],
)
def test_mcnemar_exact(broken: int, fixed: int, expected: float | None) -> None:
    result = mcnemar_exact(broken, fixed)
    if expected is None:
        assert result is None
    else:
        assert result == pytest.approx(expected)


def test_mcnemar_exact_stays_finite_for_large_counts() -> None:
    p = mcnemar_exact(4000, 5000)
    assert p is not None and 0.0 < p < 1e-20


def _fidelity_bootstrap(
    base: list[tuple[int, int]], cand: list[tuple[int, int]]
) -> tuple[float | None, float | None, float | None]:
    boot = PairedBootstrap(2, samples=1000, seed=1)
    for (kb, eb), (kc, ec) in zip(base, cand, strict=True):
        boot.add([kb, eb], [kc, ec])
    result = boot.result(columns_ratio((0,), (1,)))
    return result.delta, result.p_value, result.ci95


def test_bootstrap_of_identical_systems_is_not_significant() -> None:
    rows = [(i % 3, 3) for i in range(500)]
    delta, p, _ = _fidelity_bootstrap(rows, rows)
    assert delta == 0.0 and p == 1.0


def test_bootstrap_detects_a_consistent_drop_and_not_noise() -> None:
    rng = np.random.default_rng(7)
    base = [(int(k), 4) for k in rng.binomial(4, 0.95, size=800)]
    worse = [(max(0, k - int(rng.random() < 0.3)), e) for k, e in base]
    delta, p, ci = _fidelity_bootstrap(base, worse)
    assert delta is not None and delta < -0.05
    assert p is not None and p < 0.01
    assert ci is not None and 0 < ci < abs(delta)
    # One segment differing out of 800: a tiny change that is not significant.
    nearly = list(base)
    nearly[0] = (base[0][0] - 1, 4) if base[0][0] else (1, 4)
    _, p_small, _ = _fidelity_bootstrap(base, nearly)
    assert p_small is not None and p_small > 0.05


def test_bootstrap_streams_in_chunks_with_the_same_totals() -> None:
    boot = PairedBootstrap(2, samples=50, seed=3)
    for i in range(5000):  # more than one chunk
        boot.add([1, 2], [i % 2, 2])
    result = boot.result(columns_ratio((0,), (1,)))
    assert boot.count == 5000
    assert result.baseline == 0.5 and result.candidate == 0.25


def test_latency_histogram_quantiles_within_one_percent() -> None:
    hist = LatencyHistogram()
    values = [float(v) for v in range(1, 1001)]
    for value in reversed(values):
        hist.add(value)
    p50, p95 = hist.quantile(0.5), hist.quantile(0.95)
    assert p50 is not None and math.isclose(p50, 500, rel_tol=0.01)
    assert p95 is not None and math.isclose(p95, 950, rel_tol=0.01)
    assert len(hist.buckets) < 800
    assert LatencyHistogram().quantile(0.5) is None


def _identity(
    label: str, restored: str = "a" * 64, lang: str = "en", fidelity: str = "f1"
) -> RunIdentity:
    header = {
        "source_lang": lang,
        "articles": [{"id": "art", "digests": {"spun": "b" * 64, "restored": restored}}],
    }
    return RunIdentity.from_header(label, RunHeader.model_validate(header), {"fidelity": fidelity})


def test_alignment_lists_what_differs() -> None:
    assert check_alignment([_identity("x"), _identity("y")]) == []
    problems = check_alignment(
        [_identity("x"), _identity("y", restored="c" * 64, lang="de", fidelity="f2")]
    )
    assert any("translated from 'en'" in p and "'de'" in p for p in problems)
    assert any(
        "different restored text" in p and "aaaaaaaaaaaa vs cccccccccccc" in p for p in problems
    )
    assert any("fidelity signature differs" in p for p in problems)


def test_alignment_refuses_runs_without_a_shared_article() -> None:
    other = RunIdentity("y", "en", {"other": {"restored": "d" * 64}})
    assert any("no article in common" in p for p in check_alignment([_identity("x"), other]))


def test_run_labels_are_unique() -> None:
    assert run_labels(["deepl", "google"], ["r1", "r2"]) == ["deepl", "google"]
    assert run_labels(["deepl", "deepl"], ["t1-deepl-ab12", "t2-deepl-cd34"]) == [
        "deepl (ab12)",
        "deepl (cd34)",
    ]
    assert run_labels(["deepl", "deepl"], ["t1-deepl-ab12", "t2-deepl-ab12"]) == [
        "deepl (t1-deepl-ab12)",
        "deepl (t2-deepl-ab12)",
    ]
    assert run_labels(["deepl", "deepl"], ["r1", "r1"]) == ["deepl (r1) #1", "deepl (r1) #2"]


def test_gate_specs_parse_with_variant_scope() -> None:
    gate = parse_gate("fail-under", "Numbers@restored=0.98")
    assert (gate.metric, gate.variant, gate.limit) == ("numbers", "restored", 0.98)
    assert gate.text == "fail-under numbers@restored=0.98"
    assert parse_gate("max-regression", "broken=0").limit == 0
    with pytest.raises(UsageError, match="one of names"):
        parse_gate("fail-under", "broken=1")
    with pytest.raises(UsageError, match="not a number"):
        parse_gate("max-regression", "chrf=lots")
    with pytest.raises(UsageError, match="cannot be negative"):
        parse_gate("max-regression", "chrf=-1")

"""chrF and BLEU through sacreBLEU, accumulated segment by segment.

sacreBLEU's metrics reduce each segment to a vector of additive sufficient
statistics (n-gram matches and totals); the corpus score is computed from their
sum. :class:`StreamingMetric` keeps only that sum, so scoring a run file of a
million segments holds one vector per metric and group, never the texts.

The tokenizer follows the target language: ``zh`` for Chinese, ``char`` for
Japanese and Korean (the ``ja-mecab`` and ``ko-mecab`` tokenizers would need
dictionaries downloaded at run time), ``13a`` (sacreBLEU's default) otherwise.
"""

from __future__ import annotations

from typing import Any

from sacrebleu.metrics.bleu import BLEU
from sacrebleu.metrics.chrf import CHRF

from harness.fidelity.matching import primary_language


def bleu_tokenizer(target_lang: str) -> str:
    lang = primary_language(target_lang)
    if lang == "zh":
        return "zh"
    if lang in {"ja", "ko", "th", "lo", "km", "my"}:
        return "char"
    return "13a"


class StreamingMetric:
    """A sacreBLEU metric fed one (hypothesis, reference) pair at a time."""

    def __init__(self, name: str, target_lang: str) -> None:
        self.name = name
        self.metric: BLEU | CHRF
        if name == "bleu":
            self.metric = BLEU(tokenize=bleu_tokenizer(target_lang))
        elif name == "chrf":
            self.metric = CHRF()
        else:
            raise ValueError(f"unknown metric {name!r}")
        self.totals: list[float] | None = None
        self.segments = 0

    @classmethod
    def from_totals(
        cls, name: str, target_lang: str, totals: list[float] | None, segments: int
    ) -> StreamingMetric:
        """A metric whose statistics were summed elsewhere (see :mod:`harness.score.totals`)."""
        metric = cls(name, target_lang)
        # sacreBLEU learns the number of references on first use; ours is always one.
        metric.metric.num_refs = 1
        metric.totals = None if totals is None else list(totals)
        metric.segments = segments
        return metric

    def add(self, hypothesis: str, reference: str) -> None:
        stats = self.metric._extract_corpus_statistics([hypothesis], [[reference]])[0]
        if self.totals is None:
            self.totals = [float(x) for x in stats]
        else:
            for index, value in enumerate(stats):
                self.totals[index] += value
        self.segments += 1

    def merge(self, other: StreamingMetric) -> None:
        if other.totals is None:
            return
        if self.totals is None:
            self.totals = list(other.totals)
        else:
            self.totals = [a + b for a, b in zip(self.totals, other.totals, strict=True)]
        self.segments += other.segments

    def score(self) -> float | None:
        if self.totals is None:
            return None
        stats: Any = [int(x) for x in self.totals]
        return float(self.metric._compute_score_from_stats(stats).score)

    def signature(self) -> str | None:
        if self.totals is None:
            return None
        return f"{self.name}|{self.metric.get_signature()}"

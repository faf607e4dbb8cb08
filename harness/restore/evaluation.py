"""How well does restoration without the original recover a reference article?

The truth is the article's own restoration; the prediction is the spun text with
the accepted proposals applied. Both are turned into minimal edits of the spun
text by the same alignment (:func:`harness.references.align.edits_between`), so the
curated edit list's grouping of neighbouring words does not count for or
against a proposal. An edit is right when its span and its restored words are
exactly those of a true edit.

Evaluate with the article's own phrasebook entries held out
(``held_out=("seed:<article>",)``): otherwise the phrasebook has seen the answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.references.align import edits_between
from harness.references.article import Article
from harness.restore.phrasebook import Phrasebook
from harness.restore.proposer import accepted, apply_proposals, propose_restoration

EditKey = tuple[int, int, str, str]


@dataclass(frozen=True)
class RestoreScore:
    article: str
    threshold: float
    held_out: tuple[str, ...]
    phrasebook_entries: int
    truth: int
    predicted: int
    correct: int
    missed: list[EditKey] = field(default_factory=list)
    wrong: list[EditKey] = field(default_factory=list)

    @property
    def precision(self) -> float | None:
        return self.correct / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        return self.correct / self.truth if self.truth else None

    def to_json(self) -> dict[str, Any]:
        return {
            "article": self.article,
            "threshold": self.threshold,
            "held_out": list(self.held_out),
            "phrasebook_entries": self.phrasebook_entries,
            "truth": self.truth,
            "predicted": self.predicted,
            "correct": self.correct,
            "precision": self.precision,
            "recall": self.recall,
            "wrong": [list(e) for e in self.wrong],
        }


def evaluate_restoration(
    article: Article, phrasebook: Phrasebook, threshold: float, held_out: tuple[str, ...] = ()
) -> RestoreScore:
    """Precision and recall of the proposals at ``threshold`` against the article."""
    book = phrasebook.without_sources(held_out) if held_out else phrasebook
    spun = article.spun_text
    proposals = accepted(propose_restoration(spun, book), threshold)
    truth = edits_between(spun, article.restored_text)
    predicted = edits_between(spun, apply_proposals(spun, proposals))
    correct, missed, wrong, predicted_count = _match(truth, predicted)
    return RestoreScore(
        article=article.id,
        threshold=threshold,
        held_out=held_out,
        phrasebook_entries=len(book.entries),
        truth=len(truth),
        predicted=predicted_count,
        correct=correct,
        missed=missed,
        wrong=wrong,
    )


def _match(
    truth: list[EditKey], predicted: list[EditKey]
) -> tuple[int, list[EditKey], list[EditKey], int]:
    """Count true edits recovered. Predicted edits that lie inside one true edit
    count together as one prediction ("one other" -> "another" inside the true
    "averted one other" -> "avoided another" is a part, not a separate error),
    which is right when together they give that edit's restored words."""
    inside: dict[EditKey, list[EditKey]] = {t: [] for t in truth}
    outside: list[EditKey] = []
    for edit in predicted:
        home = next((t for t in truth if t[0] <= edit[0] and edit[1] <= t[1]), None)
        if home is None:
            outside.append(edit)
        else:
            inside[home].append(edit)
    correct, missed, wrong = 0, [], list(outside)
    for t, parts in inside.items():
        text = t[2]
        for start, end, _, restored in sorted(parts, reverse=True):
            text = text[: start - t[0]] + restored + text[end - t[0] :]
        if parts and text == t[3]:
            correct += 1
        else:
            missed.append(t)
            if parts:
                wrong.append((t[0], t[1], t[2], text))
    predicted_count = len(outside) + sum(1 for parts in inside.values() if parts)
    return correct, missed, sorted(wrong), predicted_count

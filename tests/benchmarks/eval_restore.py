"""Precision and recall of `harness restore` on the reference articles.

Run: python tests/benchmarks/eval_restore.py [--references DIR] [--phrasebook FILE]

For each article, the spun text is restored from the phrasebook alone and
compared with the article's own restoration (see harness.restore.evaluation):

* held out: the phrasebook less every entry derived from a reference article
  (source "seed:..."), the honest figure for a text the phrasebook has not seen;
* in sample: the whole phrasebook, the article's own entries included (an upper
  bound that checks the seed entries and their contexts, not a generalisation).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from harness.references.article import list_article_ids, load_article, references_root
from harness.restore.evaluation import RestoreScore, evaluate_restoration
from harness.restore.phrasebook import load_phrasebook

THRESHOLDS = (0.5, 0.8, 0.9, 0.95)


def _pct(value: float | None) -> str:
    return "   -  " if value is None else f"{100 * value:5.1f}%"


def _row(label: str, score: RestoreScore) -> str:
    return (
        f"  {label:<11}{score.threshold:>6.2f}{score.phrasebook_entries:>9}{score.truth:>7}"
        f"{score.predicted:>7}{score.correct:>7}  {_pct(score.precision)}  "
        f"{_pct(score.recall)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--references", type=Path)
    parser.add_argument("--phrasebook", type=Path)
    args = parser.parse_args()
    root = references_root(args.references)
    book = load_phrasebook(args.phrasebook)
    for article_id in list_article_ids(root):
        article = load_article(article_id, root)
        print(f"{article_id}  ({len(article.edits)} curated edits)")
        print(
            f"  {'phrasebook':<11}{'thresh':>6}{'entries':>9}{'truth':>7}{'pred':>7}"
            f"{'right':>7}  {'precision':>6}  {'recall':>6}"
        )
        for threshold in THRESHOLDS:
            print(_row("held out", evaluate_restoration(article, book, threshold, ("seed:",))))
        for threshold in THRESHOLDS:
            print(_row("in sample", evaluate_restoration(article, book, threshold)))
        held = evaluate_restoration(article, book, 0.8, ("seed:",))
        print(
            "  held out at 0.8, missed: " + ", ".join(f"{s!r}->{r!r}" for _, _, s, r in held.missed)
        )
        if held.wrong:
            print(
                "  held out at 0.8, wrong: "
                + ", ".join(f"{s!r}->{r!r}" for _, _, s, r in held.wrong)
            )


if __name__ == "__main__":
    main()

"""Time to align a long real-world spun copy with its original (one core).

Joins the spun/original pairs of tests/data/spun_pairs/ (captions, labels, merged,
split and dropped paragraphs, number words) ``--copies`` times into one long pair,
aligns it with :func:`harness.references.align.align_texts` (paragraphs, then words)
and, as the anchor measured in the same run, with one difflib word alignment of the
two whole texts. Prints both times and their ratio. Run:

    python tests/benchmarks/bench_align.py [--copies 20]
"""

from __future__ import annotations

import argparse
import difflib
import time
from pathlib import Path

from harness.references.align import align_texts, tokenize

PAIRS = Path(__file__).resolve().parents[1] / "data" / "spun_pairs"


def _long_pair(copies: int) -> tuple[str, str]:
    spun, restored = [], []
    for copy in range(copies):
        for folder in sorted(PAIRS.iterdir()):
            # A marker per copy keeps repeated paragraphs distinct, as a long text's are.
            tag = f"Part {chr(65 + copy % 26)}{chr(65 + copy // 26)} {folder.name}."
            spun += [
                f"{tag} {line}" if line.strip() else line
                for line in (folder / "spun.txt").read_text("utf-8").strip("\n").split("\n")
            ] + [""]
            restored += [
                f"{tag} {line}" if line.strip() else line
                for line in (folder / "restored.txt").read_text("utf-8").strip("\n").split("\n")
            ]
            restored.append("")
    return "\n".join(spun) + "\n", "\n".join(restored) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=20)
    args = parser.parse_args()
    spun, restored = _long_pair(args.copies)
    paragraphs = sum(1 for line in spun.split("\n") if line.strip())
    started = time.perf_counter()
    alignment = align_texts(spun, restored)
    aligned = time.perf_counter() - started
    started = time.perf_counter()
    difflib.SequenceMatcher(
        None, [t.text for t in tokenize(spun)], [t.text for t in tokenize(restored)], autojunk=False
    ).get_opcodes()
    anchor = time.perf_counter() - started
    print(
        f"spun paragraphs:  {paragraphs} ({alignment.words:,} words; "
        f"{len(alignment.furniture)} furniture, {len(alignment.dropped)} dropped, "
        f"{alignment.merged} merged, {alignment.split} split, "
        f"{alignment.number_swaps} number swaps)"
    )
    print(f"align_texts:      {aligned:.2f} s")
    print(f"anchor (one difflib word alignment of the whole texts): {anchor:.2f} s")
    print(f"ratio:            {aligned / anchor:.2f}x the anchor")


if __name__ == "__main__":
    main()

"""Reference translations of a run's own inputs, for chrF and BLEU; notes where none exist.

A run of the user's own content (``harness run --input``) names its inputs in the
header (``inputs``: path, format, sha256, reference files). :func:`learn_run_references`
reads them again and hands their reference translations (JSONL ``references``,
TSV language columns, ``--reference LANG=FILE`` files) to the shared
:class:`~harness.references.library.ReferenceLibrary`, next to the
``translations/<lang>.txt`` files of reference articles; an input whose bytes
changed since the run is left out, with a note that says so. ``harness score``
and ``harness compare`` both call it, so a segment has a reference in one
exactly when it has one in the other. :func:`missing_reference_notes` words the
one note per language that has none.
"""

from __future__ import annotations

from collections.abc import Iterable

from harness.errors import UsageError
from harness.inputs.content import rebuild_input
from harness.references.library import ReferenceLibrary
from harness.runfile import RunHeader


def own_articles(header: RunHeader) -> set[str]:
    """Ids of the articles a run read from the user's own files: no curated facts."""
    return {str(a) for entry in header.inputs or [] for a in entry.get("articles", [])}


def learn_run_references(library: ReferenceLibrary, header: RunHeader) -> None:
    """Give ``library`` the reference translations of the inputs ``header`` names."""
    for entry in header.inputs or []:
        try:
            loaded = rebuild_input(entry)
        except UsageError as exc:
            if entry.get("references") or str(entry.get("format")) in ("jsonl", "tsv"):
                note = f"{exc}; its reference translations are not used"
                if note not in library.notes:
                    library.notes.append(note)
            continue
        for article, languages in loaded.gold.items():
            for lang, lines in languages.items():
                library.add_gold(article, lang, lines)


def missing_reference_notes(targets: Iterable[str], measured: Iterable[str]) -> list[str]:
    """One note per target language without any reference translation."""
    have = set(measured)
    return [
        f"no reference translation for {t}: chrF and BLEU are not measured"
        for t in dict.fromkeys(targets)
        if t not in have
    ]

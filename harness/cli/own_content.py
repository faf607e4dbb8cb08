"""``harness run --input FILE [--reference LANG=FILE] [--article-id ID] [--from LANG]``:
the flags that name a user's own content, checked and turned into input specs."""

from __future__ import annotations

from pathlib import Path

from harness.errors import UsageError
from harness.inputs.content import InputSpec
from harness.run.langs import normalise_lang


def parse_references(values: tuple[str, ...]) -> dict[str, Path]:
    """``("de=ref.de.txt",)`` -> ``{"de": Path("ref.de.txt")}``; one file per language."""
    found: dict[str, Path] = {}
    for value in values:
        lang, sep, path = value.partition("=")
        if not sep or not lang.strip() or not path.strip():
            raise UsageError(
                f"--reference {value!r}: expected LANG=FILE, e.g. --reference de=newstest.de.txt"
            )
        code = normalise_lang(lang)  # --to DE and --reference de=... are one language
        if code in found:
            raise UsageError(f"--reference: two files for {code!r}")
        found[code] = Path(path.strip())
    return found


def own_content(
    paths: tuple[Path, ...], references: tuple[str, ...], article_id: str | None, source_lang: str
) -> list[InputSpec]:
    """One spec per ``--input``; ``--reference`` and ``--article-id`` need exactly one."""
    if not paths:
        given = [
            flag
            for flag, value in (("--reference", references), ("--article-id", article_id))
            if value
        ]
        if given:
            raise UsageError(f"{', '.join(given)} goes with --input FILE")
        return []
    if len(paths) > 1 and (references or article_id):
        raise UsageError(
            "--reference and --article-id apply to one --input; give the "
            "inputs in separate runs, or use .jsonl/.tsv files that carry "
            "their own ids and references"
        )
    if len(set(paths)) != len(paths):
        raise UsageError("the same --input is given twice")
    refs = parse_references(references)
    return [InputSpec(path, refs, article_id, source_lang) for path in paths]

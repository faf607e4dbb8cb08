"""Accepted name forms from a glossary or termbase: CSV or TBX.

A glossary lists, for a name as the source writes it, the forms a translation
may use in each language. Two formats are read:

* CSV with a header ``source,lang,form`` (one accepted form per row; ``lang`` is
  a BCP-47 tag, matched on its primary language too: a ``pt`` form serves ``pt-BR``);
* TBX, the ISO 30042 term-exchange format: TBX-Basic/TBX 2 (``martif`` /
  ``termEntry`` / ``langSet`` / ``tig`` / ``term``) and TBX 3 (``tbx`` /
  ``conceptEntry`` / ``langSec`` / ``termSec`` / ``term``). Each entry's terms
  in the source language are its source forms; its terms in any other language
  are accepted forms.

A pair whose source mentions a source form (as a whole word) expects the name, and
accepts the glossary's forms for the target language before any automatic rule;
the judgement names the glossary as where the form came from. Bad files are a
:class:`~harness.errors.UsageError` naming the file and line or element.
"""

from __future__ import annotations

import csv
import hashlib
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from harness.errors import UsageError
from harness.fidelity.matching import primary_language
from harness.fidelity.names import NameSpec

_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@dataclass(frozen=True, slots=True)
class GlossaryEntry:
    """One concept: its source forms and accepted forms per language tag."""

    id: str
    source_forms: tuple[str, ...]
    forms: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False, compare=False)

    def forms_for(self, lang: str) -> tuple[str, ...]:
        exact = self.forms.get(lang.lower(), ())
        primary = self.forms.get(primary_language(lang), ())
        return tuple(dict.fromkeys((*exact, *primary)))

    def spec(self, lang: str) -> NameSpec:
        own = self.forms_for(lang)
        others = tuple(f for tag, forms in self.forms.items() for f in forms if f not in own)
        return NameSpec(
            id=f"glossary:{self.id}",
            source=self.source_forms[0],
            forms=(*own, *self.source_forms),
            variants=others,
            source_forms=self.source_forms,
            kind="glossary",
        )


@dataclass(frozen=True, slots=True)
class Concept:
    """A glossary entry as read: its terms per language tag, and for a CSV row its
    source spelling (the same whatever the source language)."""

    id: str
    terms: dict[str, tuple[str, ...]]
    source_terms: tuple[str, ...] = ()

    def entry(self, source_lang: str) -> GlossaryEntry | None:
        """The entry for sources in ``source_lang``: None without a term in it."""
        code = primary_language(source_lang)
        sources = self.source_terms or tuple(
            dict.fromkeys(
                term
                for tag, terms in self.terms.items()
                if primary_language(tag) == code
                for term in terms
            )
        )
        if not sources:
            return None
        targets = {
            tag: terms
            for tag, terms in self.terms.items()
            if self.source_terms or primary_language(tag) != code
        }
        return GlossaryEntry(self.id, sources, targets)


class Glossary:
    """The concepts of a glossary file, looked up by the source forms of a source
    language with a word-bounded finder built once per source language."""

    def __init__(self, concepts: list[Concept], path: Path, digest: str) -> None:
        self.concepts = concepts
        self.path = path
        self.digest = digest
        self._lookups: dict[str, tuple[dict[str, GlossaryEntry], re.Pattern[str] | None]] = {}

    def entries_for(self, source_lang: str) -> list[GlossaryEntry]:
        """The entries that have a source form in ``source_lang``."""
        return list(dict.fromkeys(self._lookup(source_lang)[0].values()))

    def _lookup(self, source_lang: str) -> tuple[dict[str, GlossaryEntry], re.Pattern[str] | None]:
        code = primary_language(source_lang)
        found = self._lookups.get(code)
        if found is None:
            entries = [e for e in (c.entry(code) for c in self.concepts) if e is not None]
            by_form = {f.casefold(): e for e in entries for f in e.source_forms}
            forms = sorted(by_form, key=len, reverse=True)
            finder = (
                re.compile(
                    r"(?<![^\W_])(?:" + "|".join(re.escape(f) for f in forms) + r")(?![^\W_])",
                    re.IGNORECASE,
                )
                if forms
                else None
            )
            found = self._lookups[code] = (by_form, finder)
        return found

    def mentioned(self, source: str, source_lang: str = "en") -> list[GlossaryEntry]:
        """Entries whose source form ``source`` mentions, first mention first."""
        by_form, finder = self._lookup(source_lang)
        if finder is None:
            return []
        found: dict[str, GlossaryEntry] = {}
        for match in finder.finditer(source):
            entry = by_form.get(match.group(0).casefold())
            if entry is not None:
                found.setdefault(entry.id, entry)
        return list(found.values())

    def specs(self, source: str, target_lang: str, source_lang: str = "en") -> tuple[NameSpec, ...]:
        return tuple(entry.spec(target_lang) for entry in self.mentioned(source, source_lang))


def load_glossary(path: Path) -> Glossary:
    """Read a CSV or TBX glossary (by its content: TBX is XML)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the glossary ({exc.strerror})") from None
    concepts = _cached(raw, str(path))
    if not concepts:
        raise UsageError(f"{path}: the glossary has no entries")
    return Glossary(concepts, path, hashlib.blake2b(raw, digest_size=8).hexdigest())


@lru_cache(maxsize=8)
def _cached(raw: bytes, where: str) -> list[Concept]:
    head = raw.lstrip()[:200].lower()
    if head.startswith(b"<") or b"<martif" in head or b"<tbx" in head:
        return _read_tbx(raw, where)
    return _read_csv(raw, where)


def _read_csv(raw: bytes, where: str) -> list[Concept]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"{where}: not UTF-8 text") from None
    reader = csv.DictReader(text.splitlines())
    if reader.fieldnames is None or not {"source", "lang", "form"} <= set(reader.fieldnames):
        raise UsageError(f"{where}: a CSV glossary needs the header 'source,lang,form'")
    forms: dict[str, dict[str, list[str]]] = {}
    for number, row in enumerate(reader, 2):
        source, lang, form = (str(row.get(k) or "").strip() for k in ("source", "lang", "form"))
        if not source or not lang or not form:
            raise UsageError(f"{where}:{number}: source, lang and form must all be given")
        forms.setdefault(source, {}).setdefault(lang.lower().replace("_", "-"), []).append(form)
    return [
        Concept(source, {t: tuple(dict.fromkeys(f)) for t, f in by_lang.items()}, (source,))
        for source, by_lang in forms.items()
    ]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _read_tbx(raw: bytes, where: str) -> list[Concept]:
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as exc:
        raise UsageError(f"{where}: not a valid TBX file ({exc})") from None
    concepts = []
    for index, concept in enumerate(
        (e for e in root.iter() if _local(e.tag) in ("termEntry", "conceptEntry")), 1
    ):
        by_lang: dict[str, list[str]] = {}
        for lang_set in (e for e in concept.iter() if _local(e.tag) in ("langSet", "langSec")):
            lang = (lang_set.get(_XML_LANG) or lang_set.get("lang") or "").strip()
            if not lang:
                raise UsageError(f"{where}: entry {index} has a language section without xml:lang")
            for term in (e for e in lang_set.iter() if _local(e.tag) == "term"):
                text = "".join(term.itertext()).strip()
                if text:
                    by_lang.setdefault(lang.lower().replace("_", "-"), []).append(text)
        if by_lang:
            ident = concept.get("id") or next(iter(by_lang.values()))[0]
            concepts.append(
                Concept(ident, {t: tuple(dict.fromkeys(v)) for t, v in by_lang.items()})
            )
    return concepts


def run_glossary(header: object, given: Glossary | None, notes: list[str]) -> Glossary | None:
    """The glossary to judge a run with: the one given, else the one its header (a
    run file's header record) records (``harness run --glossary``) when that file is
    still there."""
    if given is not None:
        return given
    recorded = getattr(header, "glossary", None)
    if not isinstance(recorded, dict) or not recorded.get("path"):
        return None
    path = Path(str(recorded["path"]))
    try:
        glossary = load_glossary(path)
    except UsageError as exc:
        notes.append(f"the run's glossary is not used: {exc}")
        return None
    if recorded.get("digest") and recorded["digest"] != glossary.digest:
        notes.append(f"{path}: the glossary changed since the run; judged with its current entries")
    return glossary

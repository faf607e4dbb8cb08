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


class Glossary:
    """Entries by source form, with a word-bounded finder for sources."""

    def __init__(self, entries: list[GlossaryEntry], path: Path, digest: str) -> None:
        self.entries = entries
        self.path = path
        self.digest = digest
        forms = sorted({f for e in entries for f in e.source_forms}, key=len, reverse=True)
        self._by_form = {f.casefold(): e for e in entries for f in e.source_forms}
        self._finder = (
            re.compile(
                r"(?<![^\W_])(?:" + "|".join(re.escape(f) for f in forms) + r")(?![^\W_])",
                re.IGNORECASE,
            )
            if forms
            else None
        )

    def mentioned(self, source: str) -> list[GlossaryEntry]:
        """Entries whose source form ``source`` mentions, first mention first."""
        if self._finder is None:
            return []
        found: dict[str, GlossaryEntry] = {}
        for match in self._finder.finditer(source):
            entry = self._by_form.get(match.group(0).casefold())
            if entry is not None:
                found.setdefault(entry.id, entry)
        return list(found.values())

    def specs(self, source: str, target_lang: str) -> tuple[NameSpec, ...]:
        return tuple(entry.spec(target_lang) for entry in self.mentioned(source))


def load_glossary(path: Path, source_lang: str = "en") -> Glossary:
    """Read a CSV or TBX glossary (by its content: TBX is XML)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the glossary ({exc.strerror})") from None
    return _parse(raw, str(path), source_lang, path)


@lru_cache(maxsize=8)
def _cached(raw: bytes, where: str, source_lang: str) -> list[GlossaryEntry]:
    head = raw.lstrip()[:200].lower()
    if head.startswith(b"<") or b"<martif" in head or b"<tbx" in head:
        return _read_tbx(raw, where, source_lang)
    return _read_csv(raw, where, source_lang)


def _parse(raw: bytes, where: str, source_lang: str, path: Path) -> Glossary:
    entries = _cached(raw, where, source_lang)
    if not entries:
        raise UsageError(f"{where}: the glossary has no entries")
    return Glossary(entries, path, hashlib.blake2b(raw, digest_size=8).hexdigest())


def _read_csv(raw: bytes, where: str, source_lang: str) -> list[GlossaryEntry]:
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
        GlossaryEntry(source, (source,), {t: tuple(dict.fromkeys(f)) for t, f in by_lang.items()})
        for source, by_lang in forms.items()
    ]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _read_tbx(raw: bytes, where: str, source_lang: str) -> list[GlossaryEntry]:
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as exc:
        raise UsageError(f"{where}: not a valid TBX file ({exc})") from None
    source_code = primary_language(source_lang)
    entries = []
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
        sources = [t for tag, terms in by_lang.items() for t in terms
                   if primary_language(tag) == source_code]
        if not sources:
            continue  # a concept without a source-language term cannot be looked for
        targets = {tag: tuple(dict.fromkeys(terms)) for tag, terms in by_lang.items()
                   if primary_language(tag) != source_code}
        ident = concept.get("id") or sources[0]
        entries.append(GlossaryEntry(ident, tuple(dict.fromkeys(sources)), targets))
    return entries


def run_glossary(header: dict[str, object], given: Glossary | None,
                 notes: list[str]) -> Glossary | None:
    """The glossary to judge a run with: the one given, else the one its header
    records (``harness run --glossary``) when that file is still there unchanged."""
    if given is not None:
        return given
    recorded = header.get("glossary")
    if not isinstance(recorded, dict) or not recorded.get("path"):
        return None
    path = Path(str(recorded["path"]))
    try:
        glossary = load_glossary(path)
    except UsageError as exc:
        notes.append(f"the run's glossary is not used: {exc}")
        return None
    if recorded.get("digest") and recorded["digest"] != glossary.digest:
        notes.append(f"{path}: the glossary changed since the run; judged with its current "
                     "entries")
    return glossary

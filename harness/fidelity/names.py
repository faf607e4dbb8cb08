"""The names half of the fidelity scorer: are the source's names in the translation?

:func:`judge_names` takes the names expected in one segment (:class:`NameSpec`,
built from an article's facts by :mod:`harness.references.facts`, or found in the source by
:mod:`harness.fidelity.autonames` when there are none) and looks for each one in
the translation through the steps of :mod:`harness.fidelity.matching`: curated
forms first (exact, then case), then transliteration, inflection and a guarded
fuzzy step. Every result says which fact, which surface form matched and how,
or, for a missing name, the nearest candidate and why it was refused.

Names are judged by presence in the segment, not by count: translators replace
a repeated name by a pronoun without losing anything.

Unexpected names are the *known* names (the article's other facts) that appear
in the translation while the source segment does not mention them: a swapped
name ("Putin" for "Bastrykin") is one missing and one unexpected.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from babel import Locale, UnknownLocaleError

from harness.fidelity import crossscript, fuzzy, matching
from harness.fidelity.autonames import caseless, find_source_names
from harness.fidelity.formsets import FormSet, form_set, names_plan
from harness.fidelity.fuzzy import FUZZY_THRESHOLD
from harness.fidelity.matching import (
    Form,
    PreparedText,
    Span,
    fold,
    make_form,
    primary_language,
)

NAMES_SIGNATURE = f"names:curated+translit+inflect+skeleton+fuzzy{FUZZY_THRESHOLD:.0f}"


@dataclass(frozen=True, slots=True)
class NameSpec:
    """One name to look for in one target language.

    ``forms``: accepted forms in the target language, fullest first (curated forms,
    then the source's own spelling and CLDR's name for a territory). ``variants``:
    forms of other languages, tried only through transliteration and fuzzy
    matching ("Бастрыкин" in a Bulgarian text). ``source_forms``: how the source
    language writes it, to tell whether a segment mentions it.
    """

    id: str
    source: str
    forms: tuple[str, ...]
    variants: tuple[str, ...] = ()
    source_forms: tuple[str, ...] = ()
    kind: str = "name"
    curated: bool = True
    #: A name that may be a common word (one capitalised word opening a sentence):
    #: kept when found, ``unchecked`` rather than missing when not.
    soft: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "source": self.source, "kind": self.kind, "curated": self.curated}


@dataclass(frozen=True, slots=True)
class NameMatch:
    """Where a name was found: the surface text, the form it matched and how."""

    id: str
    source: str
    found: str
    form: str
    how: str
    start: int
    end: int

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "found": self.found,
            "form": self.form,
            "how": self.how,
            "start": self.start,
            "end": self.end,
        }


@dataclass(frozen=True, slots=True)
class NameMiss:
    """A name not found, with the nearest refused candidate when there was one."""

    id: str
    source: str
    near: str | None = None
    score: float | None = None
    why: str = "no accepted form found"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "source": self.source, "why": self.why}
        if self.near is not None:
            out["near"] = self.near
            out["score"] = round(self.score or 0.0, 1)
        return out


@dataclass(frozen=True, slots=True)
class NamesJudgement:
    expected: tuple[NameSpec, ...]
    found: tuple[NameMatch, ...]
    missing: tuple[NameMiss, ...]
    unexpected: tuple[NameMatch, ...] = field(default=())
    #: Why the segment's names could not be judged ("" when they could): shown,
    #: never counted as missing.
    unchecked: str = ""
    #: Soft names (see :class:`NameSpec`) that were not found: neither kept nor missing.
    unchecked_names: tuple[NameSpec, ...] = ()

    @property
    def judged(self) -> tuple[NameSpec, ...]:
        """The expected names that count: every one but the unchecked soft ones."""
        skipped = {spec.id for spec in self.unchecked_names}
        return tuple(spec for spec in self.expected if spec.id not in skipped)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.unexpected

    def to_json(self) -> dict[str, Any]:
        return {
            "expected": [spec.to_json() for spec in self.expected],
            "found": [match.to_json() for match in self.found],
            "missing": [miss.to_json() for miss in self.missing],
            "unexpected": [match.to_json() for match in self.unexpected],
            **({"unchecked": self.unchecked} if self.unchecked else {}),
            **(
                {"unchecked_names": [s.source for s in self.unchecked_names]}
                if self.unchecked_names
                else {}
            ),
        }


def auto_specs(
    source: str, source_lang: str = "en", target_lang: str = "en"
) -> tuple[NameSpec, ...]:
    """Names of a source without facts: its capitalised spans, accepted as written
    and, for a country, under its CLDR name in the target language."""
    specs = []
    for name in find_source_names(source, source_lang):
        forms = [name.text, *_source_stems(name.text, source_lang)]
        if name.tail:
            forms.append(name.tail)
        surname = _last_word(name.text)
        if surname and surname not in forms:
            forms.append(surname)
        code = _territory_codes(matching.primary_language(source_lang)).get(name.text)
        if code:
            local = _territory_name(code, target_lang)
            if local and local != name.text:
                forms.insert(0, local)
        specs.append(
            NameSpec(
                id=f"auto:{name.text}",
                source=name.text,
                forms=tuple(forms),
                source_forms=(name.text,),
                curated=False,
                soft=name.soft,
            )
        )
    return tuple(specs)


def merge_specs(base: Sequence[NameSpec], extra: Sequence[NameSpec]) -> tuple[NameSpec, ...]:
    """``base`` with ``extra``'s forms put first on the spec of the same name (same
    source form, case-insensitive); extra names of their own are appended."""
    if not extra:
        return tuple(base)
    merged = list(base)
    for spec in extra:
        keys = {form.casefold() for form in (*spec.source_forms, spec.source)}
        at = next(
            (
                i
                for i, old in enumerate(merged)
                if keys & {f.casefold() for f in (*old.source_forms, old.source)}
            ),
            None,
        )
        if at is None:
            merged.append(spec)
            continue
        old = merged[at]
        merged[at] = replace(
            old,
            forms=tuple(dict.fromkeys((*spec.forms, *old.forms))),
            variants=tuple(dict.fromkeys((*old.variants, *spec.variants))),
        )
    return tuple(merged)


def _last_word(name: str) -> str:
    """The last word of a two- or three-word name of capitalised words only, of five
    letters or more: a translation may keep the surname alone ("Putin",
    "Tokayev"), or render the given names by another convention."""
    words = name.replace("-", " ").split()
    if not 2 <= len(words) <= 4 or not all(w[:1].isupper() for w in words):
        return ""
    last = words[-1]
    return last if len(last) >= 5 and last.isalpha() else ""


def _source_stems(name: str, source_lang: str) -> tuple[str, ...]:
    """The name with the source language's case ending taken off its last word
    ("Бастрыкина" -> "Бастрыкин"), by the same data as the target-side step."""
    if primary_language(source_lang) == "en":
        return ()
    head, _, last = name.rpartition(" ")
    stems = matching.source_stems(last, source_lang)
    return tuple(f"{head} {stem}" if head else stem for stem in stems)


def _locale_territories(lang: str) -> dict[str, str]:
    try:
        return dict(Locale.parse(matching.primary_language(lang)).territories)
    except (UnknownLocaleError, ValueError):
        return {}


@lru_cache(maxsize=64)
def _territory_codes(lang: str) -> dict[str, str]:
    """CLDR country name -> region code, in ``lang``."""
    return {
        name: code
        for code, name in _locale_territories(lang).items()
        if code.isalpha() and len(code) == 2
    }


def _territory_name(code: str, lang: str) -> str | None:
    return _locale_territories(lang).get(code)


@lru_cache(maxsize=64)
def territory_rivals(lang: str) -> tuple[str, ...]:
    """Folded CLDR country names in ``lang`` and English: real names a fuzzy match
    must not be closer to ("Kasachstan" is Kazakhstan, not Kyrgyzstan)."""
    names: set[str] = set()
    for tag in {matching.primary_language(lang), "en"}:
        for code, name in _locale_territories(tag).items():
            if code.isalpha() and len(code) == 2:
                folded = " ".join(fold(word) for word in name.split())
                if folded.strip():
                    names.add(folded)
    return tuple(sorted(names))


@lru_cache(maxsize=4096)
def _rivals(spec: NameSpec, others: tuple[NameSpec, ...], lang: str) -> tuple[str, ...]:
    own = {make_form(text).folded_text for text in spec.forms + spec.variants}
    rivals = {
        make_form(text).folded_text
        for other in others
        if other.id != spec.id
        for text in other.forms + other.variants
    }
    rivals.update(territory_rivals(lang))
    return tuple(sorted(rivals - own))


def _locate(
    text: PreparedText,
    spec: NameSpec,
    *,
    allow_fuzzy: bool,
    rivals: tuple[NameSpec, ...],
    forms: FormSet | None = None,
) -> tuple[str, Form, Span] | fuzzy.FuzzyResult | None:
    if forms is None:
        forms = form_set(spec.forms, spec.variants)
    exact = _exact(text, forms)
    if exact is not None:
        return exact
    continua = text.continua
    if continua:
        squeezed, folded_chars = text.squeezed[0], text.folded_chars[0]
        try_case = any(needle in squeezed for needle in forms.squeezed)
        try_translit = any(needle in folded_chars for needle in forms.folded_squeezed)
        try_inflected = False
    else:
        # Each step needs a form's first word (or its first three letters) among the
        # text's words: one set operation decides whether it can match at all.
        key_set = text.key_set
        try_case = not forms.low_keys.isdisjoint(key_set("low"))
        try_translit = not forms.folded_keys.isdisjoint(key_set("folded"))
        try_inflected = not forms.stem_keys.isdisjoint(
            key_set("low3")
        ) or not forms.folded_stem_keys.isdisjoint(key_set("fold3"))
    if try_case:
        # In a spaced text a form is looked for from its first word: skip the forms
        # whose first word the text lacks.
        low = None if continua else text.key_set("low")
        for form in forms.own:
            if low is not None and (not form.tokens or form.tokens[0] not in low):
                continue
            span = matching.case_find(text, form)
            if span is not None:
                return "case", form, span
    if try_translit:
        folded = None if continua else text.key_set("folded")
        for form in forms.every:
            if folded is not None and (not form.folded or form.folded[0] not in folded):
                continue
            span = matching.transliterated_find(text, form)
            if span is not None:
                return "transliterated", form, span
    if try_inflected:
        low3, fold3 = text.key_set("low3"), text.key_set("fold3")
        for form, low_key, fold_key in forms.inflectable:
            if (low_key is not None and low_key not in low3) and (
                fold_key == "" or (fold_key is not None and fold_key not in fold3)
            ):
                continue  # neither its words nor its folded words have the form's stem
            span = matching.inflected_find(text, form)
            if span is not None:
                return "inflected", form, span
    if not allow_fuzzy:
        return None
    # Across scripts only: where the spec has a form in the text's own script, the
    # steps above and the guarded fuzzy step decide.
    if text.main_script not in forms.scripts:
        for form in forms.every:
            span = crossscript.skeleton_find(text, form)
            if span is not None:
                return "skeleton", form, span
    if continua:
        return None
    initials = text.key_set("fold1")
    candidates = [form for initial, form in forms.fuzzy_forms if initial in initials]
    if not candidates:
        return None
    rival_texts = _rivals(spec, rivals, text.lang)
    best: fuzzy.FuzzyResult | None = None
    rival_refused = False
    for form in candidates:
        # A refused candidate is reported only from 60 up, and only when it is closer
        # than the best so far: weaker windows need no ratio.
        floor = _NEAR_SCORE if best is None else max(_NEAR_SCORE, best.score)
        result = fuzzy.fuzzy_find(text, form, rival_texts, floor=floor)
        if result is None:
            continue
        if result.accepted and result.span is not None:
            return "fuzzy", form, result.span
        rival_refused = rival_refused or result.why.startswith("closer")
        if best is None or result.score > best.score:
            best = result
    if not rival_refused:
        # Another language's spelling in the same script ("Kasan", "Kazań" for
        # "Kazan"): the same skeleton, the same initial and a close spelling.
        for form in candidates:
            span = crossscript.skeleton_find(text, form, same_script=True)
            if span is not None:
                return "skeleton", form, span
    if best is not None and best.score >= _NEAR_SCORE:
        return best
    return None


# The least score a refused fuzzy candidate needs to be reported as the nearest one.
_NEAR_SCORE = 60.0


def _exact(text: PreparedText, forms: FormSet) -> tuple[str, Form, Span] | None:
    """The first step of :func:`_locate` alone."""
    raw = text.raw
    for form in forms.own:
        # A plain substring test first: most forms are absent from most texts.
        if form.text in raw:
            span = matching.exact_find(text, form)
            if span is not None:
                return "exact", form, span
    return None


def judge_names(
    source: str,
    translation: str,
    target_lang: str,
    *,
    source_lang: str = "en",
    expected: Sequence[NameSpec] | None = None,
    known: Sequence[NameSpec] = (),
) -> NamesJudgement:
    """Judge the names of one segment: found (and how), missing, unexpected.

    ``expected``: the names of this segment (from facts); ``None`` finds them in
    ``source`` as capitalised spans. ``known``: other names (the article's), which
    count as unexpected when the translation has them and the source does not.
    """
    unchecked = ""
    if expected is None:
        specs = auto_specs(source, source_lang, target_lang)
        if not specs and caseless(source):
            unchecked = (
                "the source script has no capitals to find names by; "
                "give facts, a glossary or per-pair names"
            )
    else:
        specs = tuple(expected)
    known_specs = tuple(known)
    text = PreparedText(translation, target_lang)
    expected_ids = {spec.id for spec in specs}
    everyone = specs + tuple(k for k in known_specs if k.id not in expected_ids)
    found: list[NameMatch] = []
    missing: list[NameMiss] = []
    soft_unchecked: list[NameSpec] = []
    for spec, forms in names_plan(specs).entries:
        located = _locate(text, spec, allow_fuzzy=True, rivals=everyone, forms=forms)
        if isinstance(located, tuple):
            how, form, (start, end) = located
            found.append(
                NameMatch(spec.id, spec.source, text.raw[start:end], form.text, how, start, end)
            )
        elif spec.soft:
            soft_unchecked.append(spec)
        elif located is not None:
            missing.append(
                NameMiss(
                    spec.id,
                    spec.source,
                    located.candidate,
                    located.score,
                    f"fuzzy candidate refused: {located.why}",
                )
            )
        else:
            missing.append(NameMiss(spec.id, spec.source))
    unexpected: list[NameMatch] = []
    if known_specs:
        # The known names the source neither expects nor mentions, looked for without
        # the fuzzy step: those whose keys the text lacks only as written (see
        # NamesPlan.beyond_exact).
        plan = names_plan(known_specs).looked_for(source, frozenset(expected_ids))
        beyond = plan.beyond_exact(text) if plan.entries else set()
        for index, (spec, forms) in enumerate(plan.entries):
            located = (
                _locate(text, spec, allow_fuzzy=False, rivals=everyone, forms=forms)
                if beyond is None or index in beyond
                else _exact(text, forms)
            )
            if isinstance(located, tuple):
                how, form, (start, end) = located
                unexpected.append(
                    NameMatch(spec.id, spec.source, text.raw[start:end], form.text, how, start, end)
                )
    return NamesJudgement(
        specs, tuple(found), tuple(missing), tuple(unexpected), unchecked, tuple(soft_unchecked)
    )

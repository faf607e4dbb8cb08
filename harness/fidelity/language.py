"""Is the output a translation into the target language at all?

One verdict per output, before any name or number is judged:

``ok``              the output is in the target language (or cannot be told apart
                    from a close sibling of it: Bosnian/Croatian/Serbian, Malay/
                    Indonesian, the Norwegian written standards);
``untranslated``    the source came back: the same text, or text identified as the
                    source language;
``wrong_language``  identified as another language than the target, or written in
                    another script than the target's (CLDR likely subtags);
``refusal``         the backend flagged the answer as a refusal;
``unchecked``       too short to identify honestly (a number, a name): never a failure.

The identifier is lingua (its statistical models ship with the package), built
lazily in its low-accuracy mode over the widely used languages of
:data:`CANDIDATES` plus the pair's source and target, and kept: about a
millisecond per output. It reads only the output's words that the source does
not have (names and numbers say nothing about the language). Lingua documents
its low-accuracy mode as reliable from about 120 characters: on shorter outputs,
another language than the source's (or English) is not called a wrong language
but ``unchecked``. Backends' own flags (``wrong_language``, ``refusal`` from the LLM
adapters) count like the identifier's verdict.

The identifier is the judge's dearest step, and it is cheaper on many outputs in a
row than between the judge's other steps: :func:`identify_ahead` asks it about a run
of outputs first, and judging them then finds its answers remembered.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from typing import TYPE_CHECKING, Any, NamedTuple

from babel.core import get_global
from rapidfuzz import fuzz

from harness.fidelity.matching import primary_language

if TYPE_CHECKING:
    from lingua import LanguageDetector

VERDICTS = ("ok", "untranslated", "wrong_language", "refusal", "unchecked")
FAILING = frozenset({"untranslated", "wrong_language", "refusal"})

# Below these sizes statistical identification is unreliable (lingua's own
# documentation: accuracy drops sharply under a few words), so it is not tried.
MIN_LETTERS = 20
MIN_WORDS = 3
# An output of at least COPY_MIN_WORDS words that takes COPY_SHARE of its words from
# the source, or is this close to it (rapidfuzz ratio, casefolded), is a copy.
COPY_MIN_WORDS = 6
COPY_SHARE = 0.8
COPY_RATIO = 95.0
# The target language (with its siblings) must keep at least this share of the
# identifier's confidence for a different top language not to count.
TARGET_FLOOR = 0.2

# Written standards an identifier cannot tell apart reliably: one group, one verdict.
_SIBLINGS = (
    frozenset({"bs", "hr", "sr", "cnr", "sh"}),
    frozenset({"ms", "id"}),
    frozenset({"no", "nb", "nn"}),
    frozenset({"fa", "prs"}),
)
_WORD = re.compile(r"[^\W\d_]+")


# Flags of the LLM adapters the judge reads: the first two fail the segment; chatter
# (text around the translation, removed by the adapter) is counted and shown.
JUDGED_FLAGS = ("refusal", "wrong_language", "chatter")


def verdict_flags(raw: object) -> tuple[str, ...]:
    """The flags of a run file's segment line the judge reads (:data:`JUDGED_FLAGS`),
    sorted."""
    if not isinstance(raw, list | tuple):
        return ()
    return tuple(sorted({str(f) for f in raw if f in JUDGED_FLAGS}))


def _group(lang: str) -> frozenset[str]:
    for group in _SIBLINGS:
        if lang in group:
            return group
    return frozenset({lang})


@dataclass(frozen=True, slots=True)
class LanguageVerdict:
    """The verdict on one output, with what was identified and why."""

    verdict: str
    detected: str | None = None
    confidence: float | None = None
    why: str = ""

    @property
    def fails(self) -> bool:
        return self.verdict in FAILING

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"verdict": self.verdict}
        if self.detected is not None:
            out["detected"] = self.detected
        if self.confidence is not None:
            out["confidence"] = round(self.confidence, 3)
        if self.why:
            out["why"] = self.why
        return out


# The languages an output is told apart from, besides the pair's own: the widely
# used ones, so that a rare language's statistics (Kazakh for a short Ukrainian
# sentence) cannot outvote them.
CANDIDATES = frozenset(
    [
        "en",
        "es",
        "fr",
        "de",
        "it",
        "pt",
        "nl",
        "ru",
        "uk",
        "pl",
        "cs",
        "sk",
        "sv",
        "da",
        "nb",
        "fi",
        "hu",
        "ro",
        "tr",
        "el",
        "bg",
        "sr",
        "hr",
        "bs",
        "sl",
        "lt",
        "lv",
        "et",
        "ar",
        "fa",
        "he",
        "hi",
        "bn",
        "ur",
        "zh",
        "ja",
        "ko",
        "th",
        "vi",
        "id",
        "ms",
        "ka",
        "hy",
    ]
)
RELIABLE_CHARS = 120
IDENTIFY_CHARS = 240


@lru_cache(maxsize=16)
def _detector(extra: frozenset[str]) -> LanguageDetector:
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = [getattr(IsoCode639_1, code.upper()) for code in sorted(CANDIDATES | extra)]
    return (
        LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
        .with_low_accuracy_mode()
        .with_preloaded_language_models()
        .build()
    )


@lru_cache(maxsize=1)
def identifiable() -> frozenset[str]:
    """ISO 639-1 codes of the languages the identifier knows."""
    from lingua import Language

    return frozenset(lang.iso_code_639_1.name.lower() for lang in Language.all())


def identifier_version() -> str:
    try:
        return f"lingua{metadata.version('lingua-language-detector')}"
    except metadata.PackageNotFoundError:
        return "lingua?"


def likeliest(text: str, *also: str) -> str | None:
    """The likeliest language of ``text`` (ISO 639-1), as :func:`identify` would rank
    first, without the confidence of every other language (the cheaper call)."""
    known = identifiable()
    extra = frozenset(code for code in also if code in known) - CANDIDATES
    return _likeliest(text[:IDENTIFY_CHARS], extra)


# The identifier is the judge's dearest step and outputs repeat (a translation memory,
# a deterministic backend, the same sentence judged against several sources): each
# distinct (text, candidate set) is identified once while it stays recent.
@lru_cache(maxsize=1 << 14)
def _likeliest(text: str, extra: frozenset[str]) -> str | None:
    found = _detector(extra).detect_language_of(text)
    return None if found is None else str(found.iso_code_639_1.name.lower())


def identify(text: str, *also: str) -> list[tuple[str, float]]:
    """(ISO 639-1 code, confidence) of the likeliest languages, best first, among
    :data:`CANDIDATES` and the languages ``also`` names (when lingua knows them).
    Reads the first :data:`IDENTIFY_CHARS` characters: far past the length lingua
    needs, and the cost grows with the text."""
    known = identifiable()
    extra = frozenset(code for code in also if code in known) - CANDIDATES
    return list(_identify(text[:IDENTIFY_CHARS], extra))


@lru_cache(maxsize=1 << 12)
def _identify(text: str, extra: frozenset[str]) -> tuple[tuple[str, float], ...]:
    values = _detector(extra).compute_language_confidence_values(text)
    return tuple(
        (v.language.iso_code_639_1.name.lower(), v.value) for v in values[:5] if v.value > 0
    )


@lru_cache(maxsize=256)
def other_scripts(code: str) -> tuple[str, ...]:
    """Further scripts CLDR has locales of ``code`` in (``sr_Latn``, ``uz_Cyrl``)."""
    from babel.localedata import locale_identifiers

    scripts = {
        ident.split("_")[1]
        for ident in locale_identifiers()
        if ident.startswith(f"{code}_") and len(ident.split("_")[1]) == 4
    }
    return tuple(sorted(scripts - {expected_script(code) or ""}))


@lru_cache(maxsize=256)
def expected_script(lang: str) -> str | None:
    """The ISO 15924 script a language is written in by default (CLDR likely subtags)."""
    tag = lang.replace("-", "_")
    parts = tag.split("_")
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha():
            return part.title()
    likely = get_global("likely_subtags").get(parts[0].lower())
    if not likely:
        return None
    for part in str(likely).split("_")[1:]:
        if len(part) == 4:
            return part
    return None


# Unicode character-name prefixes of the scripts named by ISO 15924 codes; "Jpan"
# and "Kore" mix Han with their own syllabaries.
_SCRIPT_NAMES = {
    "Latn": ("LATIN",),
    "Cyrl": ("CYRILLIC",),
    "Grek": ("GREEK",),
    "Arab": ("ARABIC",),
    "Hebr": ("HEBREW",),
    "Deva": ("DEVANAGARI",),
    "Beng": ("BENGALI",),
    "Thai": ("THAI",),
    "Hans": ("CJK",),
    "Hant": ("CJK",),
    "Hani": ("CJK",),
    "Jpan": ("CJK", "HIRAGANA", "KATAKANA"),
    "Kore": ("HANGUL", "CJK"),
    "Geor": ("GEORGIAN",),
    "Armn": ("ARMENIAN",),
    "Taml": ("TAMIL",),
    "Telu": ("TELUGU",),
    "Knda": ("KANNADA",),
    "Mlym": ("MALAYALAM",),
    "Gujr": ("GUJARATI",),
    "Guru": ("GURMUKHI",),
    "Orya": ("ORIYA",),
    "Sinh": ("SINHALA",),
    "Khmr": ("KHMER",),
    "Laoo": ("LAO",),
    "Mymr": ("MYANMAR",),
    "Ethi": ("ETHIOPIC",),
    "Tibt": ("TIBETAN",),
}


def script_share(text: str, script: str) -> float | None:
    """Share of the letters (of the first :data:`IDENTIFY_CHARS` characters) that
    belong to ``script``; None without letters or for an unknown script."""
    prefixes = _SCRIPT_NAMES.get(script)
    if prefixes is None:
        return None
    # Counted per distinct letter: a text has far fewer distinct letters than letters.
    members = _script_members(script)
    inside = total = 0
    for ch, n in Counter(text[:IDENTIFY_CHARS]).items():
        member = members.get(ch)
        if member is None:
            if len(members) >= _MEMBERS:
                members.clear()
            member = members[ch] = (
                (1 if _char_script(ch).startswith(prefixes) else 0) if ch.isalpha() else -1
            )
        if member >= 0:
            total += n
            if member:
                inside += n
    if not total:
        return None
    return inside / total


_MEMBERS = 1 << 14


@lru_cache(maxsize=64)
def _script_members(script: str) -> dict[str, int]:
    """Character -> 1 if it is a letter of ``script``, 0 if another letter, -1 if no
    letter, filled as characters are met: texts of one language share most of theirs."""
    return {}


@lru_cache(maxsize=1 << 14)
def _char_script(ch: str) -> str:
    return unicodedata.name(ch, "")


# Scripts written without spaces between words: word counts say nothing there.
_CONTINUA = ("CJK", "HIRAGANA", "KATAKANA", "THAI")


@lru_cache(maxsize=1 << 14)
def _continua_char(ch: str) -> bool:
    return _char_script(ch).startswith(_CONTINUA)


# The characters met so far, and those of them in a script without spaces: a text's
# characters are then told apart by two set operations, each new one looked up once.
_MET: set[str] = set()
_CONTINUA_MET: set[str] = set()


def _has_continua(text: str) -> bool:
    """Whether ``text`` has a character of a script without word spaces."""
    chars = set(text)
    new = chars - _MET
    if new:
        if len(_MET) >= 1 << 16:
            _MET.clear()
            _CONTINUA_MET.clear()
            new = chars
        _CONTINUA_MET.update(ch for ch in new if _continua_char(ch))
        _MET.update(new)
    return not chars.isdisjoint(_CONTINUA_MET)


# Han is shared by Chinese and Japanese (and Korean text may hold it).
_SCRIPT_FAMILY = {"Hans": "Han", "Hant": "Han", "Hani": "Han", "Jpan": "Han", "Kore": "Han"}


@lru_cache(maxsize=256)
def alone_in_script(lang: str, source: str) -> bool:
    """Whether no other language the identifier weighs (:data:`CANDIDATES`, the
    source) is written in ``lang``'s script: then the script check settles it."""
    script = expected_script(lang)
    if script is None:
        return False
    family = _SCRIPT_FAMILY.get(script, script)
    return not any(
        _SCRIPT_FAMILY.get(other or "", other) == family
        for other in (expected_script(code) for code in (CANDIDATES | {source}) - _group(lang))
    )


def _normalised(text: str) -> str:
    return " ".join(text.casefold().split())


# A source is judged against many outputs (languages, backends, runs): what the
# judge reads from it is worked out once while it stays recent.
@lru_cache(maxsize=4096)
def _source_normalised(source: str) -> str:
    return _normalised(source)


@lru_cache(maxsize=4096)
def _source_words(source: str) -> frozenset[str]:
    return frozenset(_WORD.findall(source.casefold()))


def _copy_of(source: str, output: str, out_words: list[str], out_normalised: str) -> str:
    """Why ``output`` is a copy of ``source`` ("" when it is not); ``out_normalised``
    is :func:`_normalised` of ``output``."""
    if out_normalised == _source_normalised(source) and sum(map(str.isalpha, output)) >= 3:
        return "the output is the source"
    if len(out_words) >= COPY_MIN_WORDS:
        source_words = _source_words(source)
        copied = sum(map(source_words.__contains__, out_words)) / len(out_words)
        if (
            copied >= COPY_SHARE
            or fuzz.ratio(out_normalised, _source_normalised(source)) >= COPY_RATIO
        ):
            return f"{copied:.0%} of the words are the source's"
    return ""


def judge_language(
    source: str,
    output: str,
    source_lang: str,
    target_lang: str,
    flags: Sequence[str] = (),
    *,
    sent: str | None = None,
) -> LanguageVerdict:
    """The verdict on ``output`` as a translation of ``source`` into ``target_lang``;
    ``sent`` is the text the backend was given when it differs from ``source`` (a
    spun variant): a copy of it is untranslated too."""
    early = _before_identifier(source, output, source_lang, target_lang, tuple(flags), sent)
    if isinstance(early, LanguageVerdict):
        return early
    own, source_code, target_code = early
    target_group = _group(target_code)
    if likeliest(own, source_code, target_code) in target_group:
        return LanguageVerdict("ok", target_code)
    ranked = identify(own, source_code, target_code)
    if not ranked:
        return LanguageVerdict("unchecked", why="the identifier gave no language")
    top, confidence = ranked[0]
    if top in target_group:
        return LanguageVerdict("ok", top, confidence)
    target_share = sum(value for code, value in ranked if code in target_group)
    if target_share >= TARGET_FLOOR:
        return LanguageVerdict(
            "ok", top, confidence, why=f"{target_code} keeps {target_share:.0%} of the confidence"
        )
    if top in _group(source_code):
        return LanguageVerdict(
            "untranslated", top, confidence, why=f"identified as the source language ({top})"
        )
    if len(output) < RELIABLE_CHARS and top != "en":
        return LanguageVerdict(
            "unchecked",
            top,
            confidence,
            why=f"identified as {top} on too little text to be sure",
        )
    return LanguageVerdict("wrong_language", top, confidence, why=f"identified as {top}")


class _Question(NamedTuple):
    """What the identifier is asked about an output: its own words (see judge_language),
    and the primary languages of the source and the target."""

    own: str
    source_code: str
    target_code: str


# Worked out once per output while it stays recent: identify_ahead asks it for a run
# of outputs, then judge_language again for each one.
@lru_cache(maxsize=1 << 12)
def _before_identifier(
    source: str,
    output: str,
    source_lang: str,
    target_lang: str,
    flags: tuple[str, ...],
    sent: str | None,
) -> LanguageVerdict | _Question:
    """The verdict on ``output`` that needs no identifier, or what to ask it."""
    if "refusal" in flags:
        return LanguageVerdict("refusal", why="the backend flagged a refusal")
    if "wrong_language" in flags:
        return LanguageVerdict("wrong_language", why="the backend flagged the language")
    source_code, target_code = primary_language(source_lang), primary_language(target_lang)
    if source_code == target_code:
        return LanguageVerdict("ok", why="source and target language are the same")
    out_words = _WORD.findall(output.casefold())
    out_normalised = _normalised(output)
    for given in (source, sent) if sent and sent != source else (source,):
        copy = _copy_of(given, output, out_words, out_normalised)
        if copy:
            return LanguageVerdict("untranslated", why=copy)
    source_words = _source_words(source)
    # Names and numbers are shared with the source and tell nothing about the
    # language: the identifier sees the other words only.
    own = " ".join(word for word in out_words if word not in source_words)
    continua = _has_continua(own[:200])
    letters = sum(map(str.isalpha, own))
    if letters < MIN_LETTERS or (not continua and len(own.split()) < MIN_WORDS):
        return LanguageVerdict(
            "unchecked", why="too little text of its own to identify the language"
        )
    script = expected_script(target_lang)
    share = own_share = script_share(output, script) if script else None
    if share is not None and share < 0.5:
        # A language CLDR has locales in several scripts for (Serbian in Latin and
        # Cyrillic, Uzbek, Azerbaijani...) may be written in any of them.
        share = max(
            [share, *(script_share(output, other) or 0.0 for other in other_scripts(target_code))]
        )
    if share is not None and share < 0.5:
        return LanguageVerdict(
            "wrong_language", why=f"only {share:.0%} of the letters are in the {script} script"
        )
    if target_code not in identifiable():
        return LanguageVerdict(
            "ok",
            why=f"written in the {script} script; the identifier does not know {target_code!r}",
        )
    if (
        share is not None
        and alone_in_script(target_code, source_code)
        and (own_share or 0.0) >= 0.5
    ):
        return LanguageVerdict(
            "ok", why=f"written in the {script} script, which no other candidate language uses"
        )
    return _Question(own, source_code, target_code)


def identify_ahead(outputs: Iterable[tuple[str, str, str, str]]) -> None:
    """Ask the identifier, one after the other, what :func:`judge_language` will ask it
    about each (source, output, source language, target language) judged without
    flags: its answers are remembered (:func:`likeliest`, :func:`identify`), and
    judging the outputs next gets the same verdicts. The identifier's models stay in
    the processor's caches over a run of outputs, where the other steps of the judge
    between two outputs push them out: a run of them takes about two thirds of the
    time (less still when the run is long and asked language by language). Keep runs
    well below the memories' sizes (:data:`AHEAD`)."""
    asked = []
    for source, output, source_lang, target_lang in outputs:
        early = _before_identifier(source, output, source_lang, target_lang, (), None)
        if not isinstance(early, LanguageVerdict):
            asked.append(early)
    # Outputs of one language in a row use the same models: the order of the questions
    # changes no answer.
    asked.sort(key=lambda question: (question.target_code, question.source_code))
    unsure = [q for q in asked if likeliest(*q) not in _group(q.target_code)]
    for question in unsure:
        identify(*question)


#: The most outputs to pass to identify_ahead at once: its answers must still be
#: remembered when the outputs are judged.
AHEAD = 2048

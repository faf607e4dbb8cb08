"""One pair (source, translation) judged on names and numbers, with additive stats.

:func:`score_pair` runs the names judge (:mod:`harness.fidelity.names`) and the
numbers judge (:mod:`harness.fidelity.numbers`) on one pair and returns a
:class:`PairJudgement`. Its :class:`FidelityStats` are additive, like
sacreBLEU's sufficient statistics: the stats of a corpus are the sum of its
segments' stats, so corpus rates, confidence intervals and paired tests all
come from one place. :func:`signature` names the settings and versions a score
was measured with.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from importlib import metadata
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Protocol

from harness import __version__
from harness.fidelity.language import LanguageVerdict, identifier_version, judge_language
from harness.fidelity.names import (
    NAMES_SIGNATURE,
    NamesJudgement,
    NameSpec,
    auto_specs,
    judge_names,
    merge_specs,
)
from harness.fidelity.rbnf_words import rbnf_version
from harness.fidelity.transliteration import transliterator_version

if TYPE_CHECKING:
    from harness.fidelity.glossary import Glossary
    from harness.fidelity.numbers import NumberMention, NumbersJudgement


class SegmentFacts(Protocol):
    """What the judge needs of known facts (curated, proposed or per pair): the accepted
    name forms in a target language, and the number facts as they stand in a source.
    :class:`harness.references.facts.SegmentFacts` is one; the judge never imports it."""

    def name_specs(self, lang: str) -> tuple[NameSpec, ...]: ...

    def known_specs(self, lang: str) -> tuple[NameSpec, ...]: ...

    def number_mentions(self, source: str) -> list[NumberMention]: ...


@dataclass(frozen=True, slots=True)
class FidelityStats:
    """Additive per-segment counts: add segments' stats to get a corpus's."""

    segments: int = 0
    names_expected: int = 0
    names_kept: int = 0
    names_unexpected: int = 0
    names_ok: int = 0
    numbers_expected: int = 0
    numbers_kept: int = 0
    numbers_unexpected: int = 0
    numbers_ok: int = 0
    # Segments by language verdict (:mod:`harness.fidelity.language`): the first three
    # fail every fact of the segment; ``language_unchecked`` ones were too short to tell.
    untranslated: int = 0
    wrong_language: int = 0
    refusal: int = 0
    language_unchecked: int = 0
    # Outputs an LLM adapter found wrapped in chatter (removed before judging): shown.
    chatter: int = 0
    # Segments whose names could not be judged (a source script without capitals and
    # no facts): shown, never counted as missing.
    names_unchecked: int = 0

    def __add__(self, other: FidelityStats) -> FidelityStats:
        # A corpus sum adds every segment's stats: the field names are looked up once.
        return FidelityStats(*[getattr(self, name) + getattr(other, name) for name in _STAT_NAMES])

    @property
    def names_fidelity(self) -> float | None:
        """Share of expected names kept; ``None`` when none were expected."""
        return self.names_kept / self.names_expected if self.names_expected else None

    @property
    def numbers_fidelity(self) -> float | None:
        return self.numbers_kept / self.numbers_expected if self.numbers_expected else None

    @property
    def not_translated(self) -> int:
        """Segments that failed as a whole: untranslated, wrong language or refused."""
        return self.untranslated + self.wrong_language + self.refusal

    @property
    def unexpected(self) -> int:
        return self.names_unexpected + self.numbers_unexpected

    def to_json(self) -> dict[str, Any]:
        # Every field is an int: no deep copy (``asdict``) needed.
        return dict(zip(_STAT_NAMES, _stat_values(self), strict=True))

    def as_tuple(self) -> tuple[int, ...]:
        """The counts in field order (``astuple`` without its deep copy)."""
        return _stat_values(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FidelityStats:
        return cls(**{f.name: int(data.get(f.name, 0)) for f in fields(cls)})


_STAT_NAMES = tuple(f.name for f in fields(FidelityStats))
# Every count of a FidelityStats, in field order, in one call.
_stat_values = attrgetter(*_STAT_NAMES)


@dataclass(frozen=True, slots=True)
class PairJudgement:
    names: NamesJudgement
    numbers: NumbersJudgement
    stats: FidelityStats
    language: LanguageVerdict = field(default_factory=lambda: LanguageVerdict("ok"))

    @property
    def verdict(self) -> str:
        """The segment's language verdict: ``ok``, ``untranslated``, ``wrong_language``,
        ``refusal`` or ``unchecked`` (too short to identify, not a failure)."""
        return self.language.verdict

    @property
    def names_ok(self) -> bool:
        return self.names.ok and not self.language.fails

    @property
    def numbers_ok(self) -> bool:
        return bool(self.numbers.ok) and not self.language.fails

    def to_json(self) -> dict[str, Any]:
        return {
            "language": self.language.to_json(),
            "names": self.names.to_json(),
            "numbers": self.numbers.to_json(),
            "names_ok": self.names_ok,
            "numbers_ok": self.numbers_ok,
            "stats": self.stats.to_json(),
        }


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "?"


def numbers_signature() -> str:
    """The numbers judge's settings and the versions of the CLDR data it reads."""
    from harness.fidelity.numbers import SIGNATURE

    return f"{SIGNATURE}+cldr-babel{_version('babel')}+{rbnf_version()}"


def signature() -> str:
    """``fidelity|names:...|numbers:...|translit:anyascii-x|fuzzy:rapidfuzz-x|v:0.1.0``."""
    return "|".join(
        (
            "fidelity",
            NAMES_SIGNATURE,
            numbers_signature(),
            f"translit:anyascii{_version('anyascii')}+{transliterator_version()}",
            f"fuzzy:rapidfuzz{_version('rapidfuzz')}",
            f"langid:{identifier_version()}",
            f"stopwords:stopwords-iso{_version('stopwordsiso')}",
            f"v:{__version__}",
        )
    )


def score_pair(
    source: str,
    translation: str,
    target_lang: str,
    source_lang: str = "en",
    facts: SegmentFacts | None = None,
    *,
    curated_names: SegmentFacts | None = None,
    flags: Sequence[str] = (),
    check_language: bool = True,
    glossary: Glossary | None = None,
    pair_names: Sequence[NameSpec] = (),
    pair_numbers: Sequence[NumberMention] | None = None,
    sent: str | None = None,
) -> PairJudgement:
    """Judge one pair. ``facts`` (of the restored source) replace the automatic
    extraction of names and numbers from ``source`` when given.

    ``curated_names`` (facts whose names occur in ``source``, e.g. from a reference
    article the text quotes loosely) lend their curated forms to those names, while
    the source's other names and all its numbers are found automatically.

    ``flags`` are the backend's own (``refusal``, ``wrong_language``); with
    ``check_language`` the output's language is identified once
    (:func:`~harness.fidelity.language.judge_language`): an untranslated,
    wrong-language or refused output fails every fact of the segment.

    ``glossary`` (:mod:`harness.fidelity.glossary`) and ``pair_names`` (names a
    pairs file gives with the pair) add accepted forms: to the fact of the same
    name when there are facts, as names of their own otherwise. ``pair_numbers``
    replace the numbers read from the source. ``sent`` is the text the backend was
    given when it differs from ``source`` (a spun variant judged by the facts of the
    restored one): a copy of either is untranslated."""
    from harness.fidelity.numbers import judge_numbers

    extra = (*pair_names, *(glossary.specs(source, target_lang, source_lang) if glossary else ()))
    if facts is not None:
        expected: tuple[NameSpec, ...] | None = merge_specs(facts.name_specs(target_lang), extra)
        known = facts.known_specs(target_lang)
    else:
        curated = merge_specs(
            curated_names.name_specs(target_lang) if curated_names is not None else (), extra
        )
        known = curated_names.known_specs(target_lang) if curated_names is not None else ()
        expected = None
        if curated:
            covered = [form.casefold() for spec in curated for form in spec.source_forms]
            automatic = [
                spec
                for spec in auto_specs(source, source_lang, target_lang)
                if not any(
                    spec.source.casefold() in form or form in spec.source.casefold()
                    for form in covered
                )
            ]
            expected = (*curated, *automatic)
    names = judge_names(
        source, translation, target_lang, source_lang=source_lang, expected=expected, known=known
    )
    if pair_numbers is not None:
        number_facts: Sequence[NumberMention] | None = pair_numbers
    else:
        number_facts = facts.number_mentions(source) if facts is not None else None
    numbers = judge_numbers(
        source, translation, target_lang, source_lang=source_lang, expected=number_facts
    )
    language = (
        judge_language(source, translation, source_lang, target_lang, flags, sent=sent)
        if check_language
        else LanguageVerdict("ok", why="not checked")
    )
    fails = language.fails
    stats = FidelityStats(
        segments=1,
        names_expected=len(names.judged),
        names_kept=0 if fails else len(names.found),
        names_unexpected=len(names.unexpected),
        names_ok=int(names.ok and not fails),
        numbers_expected=len(numbers.expected),
        numbers_kept=0 if fails else len(numbers.found),
        numbers_unexpected=len(numbers.unexpected),
        numbers_ok=int(bool(numbers.ok) and not fails),
        untranslated=int(language.verdict == "untranslated"),
        wrong_language=int(language.verdict == "wrong_language"),
        refusal=int(language.verdict == "refusal"),
        language_unchecked=int(language.verdict == "unchecked"),
        chatter=int("chatter" in flags),
        names_unchecked=int(bool(names.unchecked)),
    )
    return PairJudgement(names, numbers, stats, language)

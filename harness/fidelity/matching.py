"""Finding one accepted form of a name in a translation, step by step.

The steps, tried in this order for every form before a looser step is tried:

``exact``          the form as written, on word boundaries
``case``           the same words ignoring letter case, spacing and punctuation
                   ("Уолл стрит" = "Уолл-стрит", "St Petersburg" = "St. Petersburg")
``transliterated`` the same words once both sides are folded to ASCII with
                   anyascii ("Бастрыкин" = "Bastrykin")
``inflected``      each word may carry a case ending or an attached clitic of the
                   target language (``data/inflection.toml``): "Бастрыкина",
                   "Kirgistanie", "وروسيا", "Rusya'nın"
``skeleton``       the same consonant skeleton in another script, through ICU's
                   CLDR transliteration (:mod:`harness.fidelity.crossscript`):
                   "Μπαστρίκιν", "בסטריקין" for "Bastrykin"
``fuzzy``          folded words that differ by a typo or a transliteration variant,
                   guarded (:mod:`harness.fidelity.fuzzy`)

Languages written without spaces (zh, ja, ko...) are matched by substring after
removing spaces and middle dots, since their particles attach to the name.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Callable, Iterable, KeysView
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import NamedTuple

from anyascii import anyascii

from harness.fidelity.transliteration import skeleton

STEPS = ("exact", "case", "transliterated", "inflected", "skeleton", "fuzzy")
# Scripts without word spaces: names are found as substrings.
SCRIPTIO_CONTINUA = frozenset({"zh", "ja", "ko", "th", "lo", "km", "my", "bo", "yue", "wuu"})
# A word: letters and digits, with the combining marks that Indic, Thai, Hebrew and
# Arabic vowel signs are (``\w`` leaves them out, which would split "बास्त्रिकिन").
_TOKEN = re.compile(
    r"(?:[^\W_]|[\u0300-\u036f\u0591-\u05c7\u064b-\u065f\u0670"
    r"\u0900-\u0963\u0966-\u0dff\u0e00-\u0e4e\u0e50-\u0eff\u1000-\u109f])+"
)
# The same words read as runs of one character class, which the regex engine scans
# several times faster than the alternation, then cut at underscores (a ``\w`` that
# is no word character): the pieces are exactly _TOKEN's matches.
_RUN = re.compile(
    r"[\w\u0300-\u036f\u0591-\u05c7\u064b-\u065f\u0670"
    r"\u0900-\u0963\u0966-\u0dff\u0e00-\u0e4e\u0e50-\u0eff\u1000-\u109f]+"
)


def token_words(text: str) -> list[str]:
    """``_TOKEN.findall(text)``."""
    runs = _RUN.findall(text)
    if "_" not in text:
        return runs
    return [word for run in runs for word in run.split("_") if word]


def token_spans(text: str) -> list[tuple[int, int]]:
    """The (start, end) of each match of ``_TOKEN`` in ``text``."""
    spans = []
    for match in _RUN.finditer(text):
        run = match.group()
        if "_" not in run:
            spans.append(match.span())
            continue
        at = match.start()
        for word in run.split("_"):
            if word:
                spans.append((at, at + len(word)))
            at += len(word) + 1
    return spans


_SQUEEZE = re.compile(r"[\s·・･.\-‐‑–—'’\"「」『』《》()]+")


def primary_language(tag: str) -> str:
    """``pt-BR`` -> ``pt``; tolerant of ``zh_CN`` and upper case."""
    return tag.replace("_", "-").split("-", 1)[0].lower()


def nfc(text: str) -> str:
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def lower_keep_length(text: str) -> str:
    """Lower case that keeps offsets: ``"İ".lower()`` is two code points, we take one."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(ch.lower()[:1] or ch for ch in text)


@lru_cache(maxsize=1 << 17)
def fold(text: str) -> str:
    """ASCII, lower case, letters and digits only (one token's worth)."""
    return "".join(ch for ch in anyascii(text).lower() if ch.isalnum())


@lru_cache(maxsize=1 << 15)
def script_of(word: str) -> str:
    """The first word of the Unicode name of ``word``'s first letter: LATIN, GREEK..."""
    for ch in word:
        if ch.isalpha():
            return unicodedata.name(ch, "?").split(" ", 1)[0]
    return ""


@dataclass(frozen=True, slots=True)
class InflectionRules:
    endings: frozenset[str]
    ordered_endings: tuple[str, ...]
    prefixes: tuple[str, ...]
    min_stem: int
    # The prefixes by their first letter, in the order of ``prefixes``: a word is
    # tried only against those it can start with.
    prefixes_by_letter: dict[str, tuple[str, ...]] = field(
        init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        by_letter: dict[str, list[str]] = {}
        for prefix in self.prefixes:
            by_letter.setdefault(prefix[:1], []).append(prefix)
        grouped = {letter: tuple(group) for letter, group in by_letter.items()}
        object.__setattr__(self, "prefixes_by_letter", grouped)


@lru_cache(maxsize=1)
def _inflection_table() -> dict[str, object]:
    data = resources.files("harness.fidelity").joinpath("data/inflection.toml").read_text("utf-8")
    return tomllib.loads(data)


@lru_cache(maxsize=256)
def inflection_rules(lang: str) -> InflectionRules | None:
    table = _inflection_table()
    entry = table.get(primary_language(lang))
    if not isinstance(entry, dict):
        return None
    defaults = table.get("defaults", {})
    min_stem = int(defaults.get("min_stem", 3)) if isinstance(defaults, dict) else 3
    endings = tuple(sorted({str(e) for e in entry.get("endings", [])}, key=len, reverse=True))
    # An empty prefix would take nothing off: every word is tried as it stands anyway.
    prefixes = tuple(
        sorted({str(p) for p in entry.get("prefixes", []) if str(p)}, key=len, reverse=True)
    )
    min_stem = int(entry.get("min_stem", min_stem))
    return InflectionRules(frozenset(endings), endings, prefixes, min_stem)


class Token(NamedTuple):
    """One word of a translation: a named tuple, built for every word of every text."""

    start: int
    end: int
    low: str


@dataclass(frozen=True, slots=True)
class Form:
    """An accepted form, prepared once for every step."""

    text: str
    low: str
    tokens: tuple[str, ...]
    folded: tuple[str, ...]
    squeezed: str
    folded_text: str  # the folded words joined by spaces

    @property
    def folded_length(self) -> int:
        """The number of folded letters (the folded words without spaces)."""
        return len(self.folded_text) - len(self.folded) + 1 if self.folded else 0


@lru_cache(maxsize=1 << 16)
def make_form(text: str) -> Form:
    text = nfc(text.strip())
    low = lower_keep_length(text)
    tokens = tuple(token_words(low))
    folded = tuple(fold(t) for t in tokens)
    return Form(text, low, tokens, folded, _SQUEEZE.sub("", low), " ".join(folded))


class PreparedText:
    """A translation prepared lazily: each step builds only what it needs."""

    __slots__ = (
        "_folded",
        "_folded_chars",
        "_indexes",
        "_key_sets",
        "_low",
        "_main_script",
        "_script_set",
        "_scripts",
        "_skeletons",
        "_spans",
        "_squeezed",
        "_tokens",
        "_words",
        "continua",
        "lang",
        "primary",
        "raw",
    )

    def __init__(self, text: str, lang: str) -> None:
        self.raw = nfc(text)
        self.lang = lang
        self.primary = primary_language(lang)
        self.continua = self.primary in SCRIPTIO_CONTINUA
        self._low: str | None = None
        self._words: list[str] | None = None
        self._tokens: list[Token] | None = None
        self._spans: list[tuple[int, int]] | None = None
        self._folded: list[str] | None = None
        self._skeletons: list[str] | None = None
        self._scripts: list[str] | None = None
        self._script_set: frozenset[str] | None = None
        self._main_script: str | None = None
        self._squeezed: tuple[str, list[int]] | None = None
        self._folded_chars: tuple[str, list[int]] | None = None
        self._indexes: dict[str, dict[str, list[int]]] = {}
        self._key_sets: dict[str, frozenset[str]] = {}

    @property
    def low(self) -> str:
        if self._low is None:
            self._low = lower_keep_length(self.raw)
        return self._low

    @property
    def words(self) -> list[str]:
        """The lower-cased words; their offsets (:attr:`tokens`) are needed only for
        a match's span, so most texts never build them."""
        if self._words is None:
            self._words = token_words(self.low)
        return self._words

    @property
    def tokens(self) -> list[Token]:
        if self._tokens is None:
            self._tokens = [Token(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(self.low)]
        return self._tokens

    @property
    def folded(self) -> list[str]:
        if self._folded is None:
            self._folded = list(map(fold, self.words))
        return self._folded

    @property
    def skeletons(self) -> list[str]:
        """Each word's consonant skeleton (:mod:`harness.fidelity.transliteration`)."""
        if self._skeletons is None:
            self._skeletons = [skeleton(word) for word in self.words]
        return self._skeletons

    @property
    def scripts(self) -> list[str]:
        """Each word's script (:func:`script_of`): "" for a word without letters."""
        if self._scripts is None:
            self._scripts = [script_of(word) for word in self.words]
        return self._scripts

    @property
    def script_set(self) -> frozenset[str]:
        """The scripts the words are written in."""
        if self._script_set is None:
            self._script_set = frozenset(self.scripts)
        return self._script_set

    @property
    def main_script(self) -> str:
        """The script most of the text's first twelve words are written in (the first
        to reach the highest count), or the text's first letter's without words."""
        if self._main_script is None:
            counts: dict[str, int] = {}
            for script in self.scripts[:12]:
                if script:
                    counts[script] = counts.get(script, 0) + 1
            self._main_script = (
                max(counts, key=counts.__getitem__) if counts else script_of(self.raw)
            )
        return self._main_script

    @property
    def squeezed(self) -> tuple[str, list[int]]:
        """Lower-cased text without spaces and dots, with each character's offset."""
        if self._squeezed is None:
            chars: list[str] = []
            offsets: list[int] = []
            for index, ch in enumerate(self.low):
                if not _SQUEEZE.fullmatch(ch):
                    chars.append(ch)
                    offsets.append(index)
            self._squeezed = ("".join(chars), offsets)
        return self._squeezed

    @property
    def folded_chars(self) -> tuple[str, list[int]]:
        """The whole text folded to ASCII without spaces, with each letter's offset."""
        if self._folded_chars is None:
            chars: list[str] = []
            offsets: list[int] = []
            for index, ch in enumerate(self.low):
                for out in fold(ch):
                    chars.append(out)
                    offsets.append(index)
            self._folded_chars = ("".join(chars), offsets)
        return self._folded_chars

    def positions(self, kind: str, key: str) -> list[int]:
        """Token positions by ``kind``: ``low``/``folded`` (whole word), ``low3``/``fold3``
        (first three letters, also after a clitic prefix), ``fold1`` (first letter).
        Built once per text, so each form costs a dictionary look-up, not a scan."""
        return self.index(kind).get(key, [])

    def keys(self, kind: str) -> KeysView[str]:
        """The keys of the ``kind`` index (see :meth:`positions`)."""
        return self.index(kind).keys()

    def key_set(self, kind: str) -> frozenset[str]:
        """The keys of the ``kind`` index as a set, so that a form's keys are tested
        against them in one C-level ``isdisjoint`` over the smaller of the two. Built
        from the words without the positions, which only a step that runs needs."""
        keys = self._key_sets.get(kind)
        if keys is None:
            keys = self._key_sets[kind] = self._build_key_set(kind)
        return keys

    def _build_key_set(self, kind: str) -> frozenset[str]:
        if kind in ("low", "folded"):
            return frozenset(self.words if kind == "low" else self.folded)
        if kind == "fold1":
            return frozenset(word[:1] for word in self.folded)
        folded = kind == "fold3"
        words = self.folded if folded else self.words
        rules = folded_rules(self.lang) if folded else inflection_rules(self.lang)
        stems = {word[:3] for word in words}
        if rules is not None and rules.prefixes:
            by_letter = rules.prefixes_by_letter
            stems.update(
                word[len(prefix) : len(prefix) + 3]
                for word in words
                for prefix in by_letter.get(word[:1], ())
                if word.startswith(prefix)
            )
        return frozenset(stems)

    def index(self, kind: str) -> dict[str, list[int]]:
        index = self._indexes.get(kind)
        if index is None:
            index = self._indexes[kind] = self._build_index(kind)
        return index

    def _build_index(self, kind: str) -> dict[str, list[int]]:
        """One index of :meth:`positions`, built when a step first asks for it."""
        folded = kind in ("folded", "fold3", "fold1")
        words = self.folded if folded else self.words
        index: dict[str, list[int]] = {}
        if kind in ("low", "folded"):
            for position, word in enumerate(words):
                index.setdefault(word, []).append(position)
        elif kind == "fold1":
            for position, word in enumerate(words):
                index.setdefault(word[:1], []).append(position)
        else:
            rules = folded_rules(self.lang) if folded else inflection_rules(self.lang)
            by_letter = rules.prefixes_by_letter if rules is not None else {}
            for position, word in enumerate(words):
                index.setdefault(word[:3], []).append(position)
                for prefix in by_letter.get(word[:1], ()) if by_letter else ():
                    if word.startswith(prefix):
                        index.setdefault(word[len(prefix) : len(prefix) + 3], []).append(position)
        return index

    def span(self, first: int, last: int) -> tuple[int, int]:
        if self._spans is None:
            self._spans = token_spans(self.low)
        return self._spans[first][0], self._spans[last][1]


Span = tuple[int, int]


def _bounded(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isalnum() or after.isalnum())


def exact_find(text: PreparedText, form: Form) -> Span | None:
    needle = form.text
    if not needle:
        return None
    start = text.raw.find(needle)
    while start >= 0:
        end = start + len(needle)
        if text.continua or _bounded(text.raw, start, end):
            return start, end
        start = text.raw.find(needle, start + 1)
    return None


def _window_find(
    text: PreparedText, size: int, same: Callable[[int, int], bool], starts: Iterable[int]
) -> Span | None:
    """First run of ``size`` tokens, starting at one of ``starts``, where ``same(k, i)``
    holds for every form word k and text word i."""
    limit = len(text.words) - size
    if size == 1:
        for first in starts:
            if first <= limit and same(0, first):
                return text.span(first, first)
        return None
    for first in starts:
        if first <= limit and all(same(k, first + k) for k in range(size)):
            return text.span(first, first + size - 1)
    return None


def _squeezed_find(squeezed: tuple[str, list[int]], needle: str) -> Span | None:
    if not needle:
        return None
    haystack, offsets = squeezed
    at = haystack.find(needle)
    if at < 0:
        return None
    return offsets[at], offsets[at + len(needle) - 1] + 1


def case_find(text: PreparedText, form: Form) -> Span | None:
    if text.continua:
        return _squeezed_find(text.squeezed, form.squeezed)
    if not form.tokens:
        return None
    words = text.words
    return _window_find(
        text,
        len(form.tokens),
        lambda k, i: words[i] == form.tokens[k],
        text.positions("low", form.tokens[0]),
    )


def transliterated_find(text: PreparedText, form: Form) -> Span | None:
    if text.continua:
        return _folded_continua_find(text, form)
    if not form.folded or not any(form.folded):
        return None
    folded = text.folded
    return _window_find(
        text,
        len(form.folded),
        lambda k, i: folded[i] == form.folded[k],
        text.positions("folded", form.folded[0]),
    )


def _folded_continua_find(text: PreparedText, form: Form) -> Span | None:
    needle = "".join(form.folded)
    if len(needle) < 3:
        return None
    return _squeezed_find(text.folded_chars, needle)


@lru_cache(maxsize=256)
def folded_rules(lang: str) -> InflectionRules | None:
    """The rules with endings and prefixes folded to ASCII, for folded words."""
    rules = inflection_rules(lang)
    if rules is None:
        return None
    endings = tuple(dict.fromkeys(f for f in (fold(e) for e in rules.ordered_endings) if f))
    prefixes = tuple(dict.fromkeys(f for f in (fold(p) for p in rules.prefixes) if f))
    return InflectionRules(frozenset(endings), endings, prefixes, rules.min_stem)


@lru_cache(maxsize=1 << 16)
def _stems(form_token: str, lang: str, folded: bool = False) -> tuple[str, ...]:
    rules = folded_rules(lang) if folded else inflection_rules(lang)
    stems = [form_token]
    if rules is not None:
        for ending in rules.ordered_endings:
            if form_token.endswith(ending) and len(form_token) - len(ending) >= rules.min_stem:
                stems.append(form_token[: -len(ending)])
    return tuple(stems)


def source_stems(word: str, lang: str) -> tuple[str, ...]:
    """``word`` without each case ending of ``lang`` it may carry, longest stem first."""
    rules = inflection_rules(lang)
    if rules is None:
        return ()
    low = lower_keep_length(word)
    return tuple(
        dict.fromkeys(
            word[: len(word) - len(ending)]
            for ending in rules.ordered_endings
            if low.endswith(ending) and len(word) - len(ending) >= max(rules.min_stem, 4)
        )
    )


# Pure, and asked for the same name and word in segment after segment: each distinct
# question is answered once while it stays recent.
@lru_cache(maxsize=1 << 16)
def inflects(form_token: str, text_token: str, lang: str, *, folded_endings: bool = False) -> bool:
    """Whether ``text_token`` is ``form_token`` with another ending or an attached clitic."""
    if form_token == text_token:
        return True
    rules = folded_rules(lang) if folded_endings else inflection_rules(lang)
    if rules is None:
        return False
    candidates = [text_token]
    candidates += [
        text_token[len(p) :]
        for p in rules.prefixes
        if text_token.startswith(p) and len(text_token) - len(p) >= 2
    ]
    short = len(form_token) < rules.min_stem
    for candidate in candidates:
        if candidate == form_token:
            return True
        if short:
            continue
        for stem in _stems(form_token, lang, folded_endings):
            if candidate.startswith(stem) and candidate[len(stem) :] in rules.endings:
                return True
    return False


def inflected_find(text: PreparedText, form: Form) -> Span | None:
    """Each word of the form with an ending of the target language; tried on the
    words as written, then folded to ASCII ("Rusiju" in Serbian Latin for "Русија")."""
    if text.continua or not form.tokens or inflection_rules(text.lang) is None:
        return None
    words = text.words
    lang = text.lang
    first = form.tokens[0]
    # Every stem keeps the form's first three letters (min_stem), so candidates share them.
    starts = text.positions("low3", first[:3]) if len(first) >= 3 else range(len(words))
    span = _window_find(
        text,
        len(form.tokens),
        lambda k, i: inflects(form.tokens[k], words[i], lang),
        starts,
    )
    if span is not None or form.folded == form.tokens or not form.folded[0]:
        return span
    folded = text.folded
    first = form.folded[0]
    starts = text.positions("fold3", first[:3]) if len(first) >= 3 else range(len(words))
    return _window_find(
        text,
        len(form.folded),
        lambda k, i: inflects(form.folded[k], folded[i], lang, folded_endings=True),
        starts,
    )

"""The cross-script step of name matching: the same consonant skeleton in another script.

Used only where a form and a word of the translation are written in different
scripts ("Bastrykin" against "Μπαστρίκιν"): within one script the exact, case,
inflected and fuzzy steps already decide, and a skeleton is too coarse there.
Two skeletons (:func:`harness.fidelity.transliteration.skeleton`) agree when

- they are equal, or the word's skeleton extends the form's by at most two
  letters (a case ending: "Μπαστρίκιν", "Бастрыкина", "Bastrykinnak");
- in a script that glues prepositions and articles to words (Hebrew, Arabic,
  Persian, Urdu, Yiddish), the word's skeleton may start with one more letter;
- a form skeleton of five letters or more may differ by one letter (one
  transliteration system's choice): "brtmr" (Vladimir) = "brntmr" (Βλαντιμίρ).

Skeletons shorter than three letters are never compared: too many words share them.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from harness.fidelity.matching import Form, PreparedText, Span, script_of
from harness.fidelity.transliteration import (
    AFFRICATE,
    OPTIONAL,
    char_skeletons,
    skeleton,
    skeleton_readings,
    to_latin,
)

MIN_SKELETON = 3
LOOSE_SKELETON = 5
MAX_ENDING = 2
SAME_SCRIPT_RATIO = 60.0
CROSS_SCRIPT_RATIO = 40.0
# Scripts that leave short vowels unwritten: only the consonants can be compared.
_ABJADS = frozenset({"HEBREW", "ARABIC", "SYRIAC", "THAANA"})
# Languages whose script attaches one-letter prepositions/conjunctions/articles.
_GLUED_PREFIXES = frozenset({"he", "ar", "fa", "ur", "yi", "ps", "ug", "ckb"})


def main_script(text: PreparedText) -> str:
    """The script most of the text's first words are written in."""
    return text.main_script


def form_skeletons(form: Form) -> tuple[str, ...]:
    return _skeletons(form.tokens)


# Keyed by the words, which hash faster than the whole form.
@lru_cache(maxsize=1 << 14)
def _skeletons(words: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(skeleton(word) for word in words)


# Every form of a segment is compared with every word of its translation, and the
# same names and words come back segment after segment: the comparisons below are
# pure, so each distinct one is made once while it stays recent.
@lru_cache(maxsize=1 << 16)
def _close_vowels(want: str, word: str) -> bool:
    """Outside abjads a transliteration keeps the vowels too: "volfsburzi" is close to
    "wolfsburg", "profspilka" (the same consonants by chance) is not."""
    latin = "".join(ch for ch in to_latin(word) if ch.isalpha())
    return fuzz.ratio(want, latin[: len(want) + MAX_ENDING + 2]) >= CROSS_SCRIPT_RATIO


@lru_cache(maxsize=1 << 16)
def _close_spelling(want: str, got: str) -> bool:
    if not want or not got or want[0] != got[0]:
        return False
    return fuzz.ratio(want, got[: len(want) + MAX_ENDING + 2]) >= SAME_SCRIPT_RATIO


@lru_cache(maxsize=1 << 16)
def _agrees(want: str, got: str, glued: bool) -> bool:
    if AFFRICATE in want or AFFRICATE in got:
        return any(
            _agrees(plain_want, plain_got, glued)
            for plain_want in skeleton_readings(want)
            for plain_got in skeleton_readings(got)
        )
    if want.startswith(OPTIONAL):
        rest = want[len(OPTIONAL) :]
        return _agrees(rest, got, glued) or _agrees("b" + rest, got, glued)
    if got.startswith(OPTIONAL):
        got = "b" + got[len(OPTIONAL) :]
    if got == want:
        return True
    candidates = [got, got[1:]] if glued and len(got) > len(want) else [got]
    for candidate in candidates:
        if candidate.startswith(want) and len(candidate) - len(want) <= MAX_ENDING:
            return True
        if len(want) >= LOOSE_SKELETON:
            for size in (len(want) - 1, len(want), len(want) + 1):
                if Levenshtein.distance(want, candidate[:size], score_cutoff=1) <= 1:
                    return True
    return False


def skeleton_find(text: PreparedText, form: Form, *, same_script: bool = False) -> Span | None:
    """The span of ``form`` written in another script of ``text``, or None.

    With ``same_script`` only words in the form's own script are compared, and each
    must also start with the form word's letter and keep a rapidfuzz ratio of at
    least :data:`SAME_SCRIPT_RATIO` with it: "Kasan", "Kazanyban" for "Kazan", never
    "Kissen"."""
    if not form.tokens:
        return None
    form_script = script_of(form.text)
    if text.continua:
        if same_script:
            return None
        wants = form_skeletons(form)
        if sum(len(w) for w in wants) < MIN_SKELETON:
            return None
        joined = "".join(wants).replace(AFFRICATE, "t")
        if OPTIONAL in joined:
            return _continua_find(text, joined.replace(OPTIONAL, ""), form_script) or (
                _continua_find(text, joined.replace(OPTIONAL, "b"), form_script)
            )
        return _continua_find(text, joined, form_script)
    # Only the words a comparison can accept are visited, in text order, before any
    # skeleton is made: in the form's own script, those whose folded spelling starts
    # with the form's letter (see _close_spelling); across scripts, those in another
    # script than the form's. A text without any is settled by one set test.
    size = len(form.tokens)
    last = len(text.words) - size
    starts: Iterable[int]
    if same_script:
        initial = form.folded[0][:1]
        if not initial or form_script not in text.script_set:
            return None
        starts = text.positions("fold1", initial)
    else:
        if not text.script_set - {form_script, ""}:
            return None
        starts = range(last + 1)
    wants = form_skeletons(form)
    if sum(len(w) for w in wants) < MIN_SKELETON:
        return None
    glued = text.primary in _GLUED_PREFIXES
    words = text.words
    scripts = text.scripts
    for first in starts:
        if first > last:
            break
        script = scripts[first]
        if not script or (script == form_script) != same_script:
            continue
        if same_script and not all(
            _close_spelling(form.folded[k], text.folded[first + k]) for k in range(size)
        ):
            continue
        if (
            not same_script
            and script not in _ABJADS
            and not all(_close_vowels(form.folded[k], words[first + k]) for k in range(size))
        ):
            continue
        if all(
            _agrees(wants[k], skeleton(words[first + k]), glued)
            if wants[k]
            else not skeleton(words[first + k])
            for k in range(size)
        ):
            return text.span(first, first + size - 1)
        if (
            size == 1
            and not same_script
            and first + 1 < len(words)
            and scripts[first + 1] == script
            and _agrees(wants[0], skeleton(words[first]) + skeleton(words[first + 1]), glued)
            and len(skeleton(words[first])) >= 2
        ):
            # One name written as two words in the other script ("إسلام آباد").
            return text.span(first, first + 1)
    return None


def _continua_find(text: PreparedText, want: str, form_script: str) -> Span | None:
    if len(want) < MIN_SKELETON or script_of(text.raw) == form_script:
        return None
    haystack, offsets = char_skeletons(text.raw)
    at = haystack.find(want)
    if at >= 0:
        return offsets[at], offsets[at + len(want) - 1] + 1
    if len(want) >= LOOSE_SKELETON:
        for start in range(len(haystack) - len(want) + 1):
            if Levenshtein.distance(want, haystack[start : start + len(want)], score_cutoff=1) <= 1:
                return offsets[start], offsets[start + len(want) - 1] + 1
    return None

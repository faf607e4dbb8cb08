"""The guarded fuzzy step of name matching: a typo or a transliteration variant of
a name is still the name, a different real name never is."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from harness.fidelity.matching import Form, PreparedText, Span

FUZZY_THRESHOLD = 85.0


@dataclass(frozen=True, slots=True)
class FuzzyResult:
    """The best fuzzy candidate for a form, accepted or not, and why not."""

    span: Span | None
    candidate: str
    score: float
    accepted: bool
    why: str


# Pure and asked again for the same words in segment after segment: each distinct
# pair of words is scored once while it stays recent.
@lru_cache(maxsize=1 << 16)
def _token_score(form_token: str, text_token: str) -> float:
    if form_token == text_token:
        return 100.0
    if len(form_token) < 4 or len(text_token) < 4 or form_token[0] != text_token[0]:
        return 0.0
    ratio = len(text_token) / len(form_token)
    if not 0.8 <= ratio <= 1.25:
        return 0.0
    return float(fuzz.ratio(form_token, text_token))


def may_match(form: Form) -> bool:
    """Whether :func:`fuzzy_find` looks at ``form`` at all (long enough, spaced text)."""
    return form.folded_length >= 5


def fuzzy_find(
    text: PreparedText,
    form: Form,
    rivals: Sequence[str],
    threshold: float = FUZZY_THRESHOLD,
    floor: float = 0.0,
) -> FuzzyResult | None:
    """The closest window of folded words, accepted only when it is safe.

    A window is accepted when every word scores at least ``threshold`` (rapidfuzz
    ratio of the ASCII-folded words), words shorter than four letters are equal,
    each pair of words starts with the same letter and has a similar length, and
    no rival (another known name: the article's other facts, the CLDR names of
    countries) is at least as close. So "Bastrikin" passes for "Bastrykin", while
    "Bortnikov" (another official), "Kasachstan" (another country) and
    "Wall Avenue Journal" (a spun name) do not.

    Refused windows that cannot score ``floor`` are not reported: a caller that
    keeps only refused candidates above some score need not pay for the others.
    """
    if text.continua or not may_match(form):
        return None
    folded = text.folded
    words = form.folded
    target = form.folded_text
    size = len(words)
    limit = len(folded) - size
    best: FuzzyResult | None = None
    for first in text.positions("fold1", words[0][:1]):
        if first > limit:
            break
        scores: list[float] | None
        if size == 1:  # most names: the window is the word
            candidate = folded[first]
            scores, weakest_score = None, _token_score(target, candidate)
        else:
            window = folded[first : first + size]
            scores = list(map(_token_score, words, window))
            weakest_score = min(scores)
            candidate = " ".join(window)
        if weakest_score < threshold:
            # A refused window only matters when it is closer than the refused best,
            # and a ratio never exceeds what the two lengths allow: skip the ratio
            # when even that bound cannot beat the best (with a margin for rounding).
            if best is not None and best.accepted:
                continue
            bar = floor if best is None else max(floor, best.score)
            if _ratio_bound(target, candidate) < bar - 1e-6:
                continue
            overall = float(fuzz.ratio(target, candidate))
            if best is None or overall > best.score:
                weakest = words[0] if scores is None else words[scores.index(weakest_score)]
                best = FuzzyResult(None, candidate, overall, False, f"{weakest!r} differs")
            continue
        overall = float(fuzz.ratio(target, candidate))
        rival = process.extractOne(candidate, rivals, scorer=fuzz.ratio, score_cutoff=overall)
        if rival is not None:
            why = f"closer to another name ({rival[0]!r})"
            if best is None or not best.accepted:
                best = FuzzyResult(None, candidate, overall, False, why)
            continue
        if best is None or not best.accepted or overall > best.score:
            best = FuzzyResult(text.span(first, first + size - 1), candidate, overall, True, "")
    return best


def _ratio_bound(left: str, right: str) -> float:
    """The highest ``fuzz.ratio`` two strings of these lengths can have: the InDel
    distance is at least the difference of the lengths."""
    shorter, total = min(len(left), len(right)), len(left) + len(right)
    return 200.0 * shorter / total

"""Accepted forms of names, prepared once: per name, and per tuple of names.

A name's forms (:class:`FormSet`) carry the first-word keys each step of
:mod:`harness.fidelity.matching` looks up, so a text without any of them skips the
step in one set operation. A tuple of names (a segment's expected or known names in
one target language, which its facts hand out as the same tuple for every pair) is
prepared once as a whole (:func:`names_plan`): the form sets of its names, and for
known names the keys of all of them together (:class:`NamesPlan`), so that a text
holding none of those keys looks for the known names as written only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Generic, TypeVar

from harness.fidelity import fuzzy
from harness.fidelity.matching import Form, PreparedText, make_form, script_of

if TYPE_CHECKING:
    from harness.fidelity.names import NameSpec

K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class FormSet:
    """A spec's forms prepared once, with the first-word keys each step looks up,
    so a text without any of them skips the step in one set operation."""

    own: tuple[Form, ...]
    every: tuple[Form, ...]  # own and variants, one per distinct folded spelling
    low_keys: frozenset[str]
    folded_keys: frozenset[str]
    stem_keys: frozenset[str]
    folded_stem_keys: frozenset[str]
    squeezed: tuple[str, ...]  # for texts without spaces: lower case, no spaces or dots
    folded_squeezed: tuple[str, ...]  # the same, folded to ASCII
    scripts: frozenset[str]  # of every form (matching.script_of)
    # The forms the fuzzy step can take, each with the initial its windows start with.
    fuzzy_forms: tuple[tuple[str, Form], ...]
    # Own forms for the inflected step, with the stems (see _inflection_keys) it needs.
    inflectable: tuple[tuple[Form, str | None, str | None], ...]


@lru_cache(maxsize=8192)
def form_set(forms: tuple[str, ...], variants: tuple[str, ...]) -> FormSet:
    own = tuple(make_form(f) for f in forms)
    every: dict[tuple[str, ...], Form] = {}
    for form in own + tuple(make_form(f) for f in variants):
        every.setdefault(form.folded, form)
    spaced = [f for f in own if f.tokens]
    return FormSet(
        own,
        tuple(every.values()),
        frozenset(f.tokens[0] for f in spaced),
        frozenset(f.folded[0] for f in every.values() if f.folded),
        frozenset(f.tokens[0][:3] for f in spaced),
        frozenset(f.folded[0][:3] for f in spaced if f.folded[0]),
        tuple(f.squeezed for f in own if f.squeezed),
        tuple(n for n in ("".join(f.folded) for f in every.values()) if len(n) >= 3),
        frozenset(script_of(f.text) for f in every.values()),
        tuple((f.folded[0][:1], f) for f in every.values() if fuzzy.may_match(f)),
        tuple((f, *_inflection_keys(f)) for f in own if f.tokens),
    )


def _inflection_keys(form: Form) -> tuple[str | None, str | None]:
    """The first three letters :func:`matching.inflected_find` looks the form's first
    word up by, as written and folded: ``None`` when it tries every word, ``""``
    when it never tries the folded words."""
    first = form.tokens[0]
    low_key = first[:3] if len(first) >= 3 else None
    folded = form.folded[0]
    if form.folded == form.tokens or not folded:
        return low_key, ""
    return low_key, folded[:3] if len(folded) >= 3 else None


class IdentityMemo(Generic[K, V]):
    """Values built once per object and found again by the object's identity.

    For tuples of name specs: facts hand out the same tuple for every pair of one
    segment and language, and hashing one (every field of every spec) costs more
    than the look-up it would serve. An entry holds its object, so an id cannot be
    reused by another object while it is remembered; past ``size`` entries the memo
    starts afresh."""

    def __init__(self, build: Callable[[K], V], size: int) -> None:
        self._build = build
        self._size = size
        self._entries: dict[int, tuple[K, V]] = {}
        # An attribute of the memo, not of the class, as functools' memos have it.
        self.cache_clear: Callable[[], None] = self._entries.clear

    def __call__(self, key: K) -> V:
        entry = self._entries.get(id(key))
        if entry is not None and entry[0] is key:
            return entry[1]
        value = self._build(key)
        if len(self._entries) >= self._size:
            self._entries.clear()
        self._entries[id(key)] = (key, value)
        return value


# The key sets of a text (PreparedText.key_set) that the steps after the exact one
# look a form's first word up in, with the FormSet field holding the form's keys.
_STEP_KEYS = (
    ("low", "low_keys"),
    ("folded", "folded_keys"),
    ("low3", "stem_keys"),
    ("fold3", "folded_stem_keys"),
)


class NamesPlan:
    """A tuple of specs with their form sets, and (built when first asked for) which
    spec holds which key."""

    __slots__ = ("_looked_for", "_owners", "entries")

    def __init__(self, entries: tuple[tuple[NameSpec, FormSet], ...]) -> None:
        self.entries = entries
        # Per kind of key (_STEP_KEYS): the keys, and key -> the positions in entries
        # of the specs with it.
        self._owners: tuple[tuple[str, frozenset[str], dict[str, tuple[int, ...]]], ...] = ()
        # (source, ids left out) -> the plan of the other specs the source does not
        # mention.
        self._looked_for: dict[tuple[str, frozenset[str]], NamesPlan] = {}

    def beyond_exact(self, text: PreparedText) -> set[int] | None:
        """The positions in :attr:`entries` of the specs that ``text`` may hold in
        another way than as written (``None``: any of them). In a spaced text each
        step after the exact one needs one of a form's keys among the text's (see
        :func:`harness.fidelity.names._locate`): a spec with none of them there can
        only be found by the exact step."""
        if text.continua:
            return None
        if not self._owners:
            self._owners = self._owners_by_kind()
        found: set[int] = set()
        for kind, keys, owners in self._owners:
            for key in text.key_set(kind) & keys:
                found.update(owners[key])
        return found

    def _owners_by_kind(
        self,
    ) -> tuple[tuple[str, frozenset[str], dict[str, tuple[int, ...]]], ...]:
        owners = []
        for kind, field_name in _STEP_KEYS:
            by_key: dict[str, list[int]] = {}
            for index, (_, forms) in enumerate(self.entries):
                for key in getattr(forms, field_name):
                    by_key.setdefault(key, []).append(index)
            owners.append((kind, frozenset(by_key), {k: tuple(at) for k, at in by_key.items()}))
        return tuple(owners)

    def looked_for(self, source: str, skipped: frozenset[str]) -> NamesPlan:
        """The plan of the specs, in order, that are not among the ids ``skipped`` and
        whose source forms ``source`` does not hold (case-insensitive): worked out once
        per source, which is judged against many outputs."""
        key = (source, skipped)
        found = self._looked_for.get(key)
        if found is None:
            if len(self._looked_for) >= _SOURCES:
                self._looked_for.clear()
            source_low = source.lower()
            found = self._looked_for[key] = NamesPlan(
                tuple(
                    (spec, forms)
                    for spec, forms in self.entries
                    if spec.id not in skipped
                    and not any(form.lower() in source_low for form in _mention_forms(spec))
                )
            )
        return found


_SOURCES = 256


def _mention_forms(spec: NameSpec) -> Sequence[str]:
    return spec.source_forms or (spec.source,)


def _plan(specs: tuple[NameSpec, ...]) -> NamesPlan:
    return NamesPlan(tuple((spec, form_set(spec.forms, spec.variants)) for spec in specs))


#: The plan of a tuple of specs (see :class:`IdentityMemo`).
names_plan: IdentityMemo[tuple[NameSpec, ...], NamesPlan] = IdentityMemo(_plan, 1024)

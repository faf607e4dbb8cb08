"""Names across scripts: CLDR/ICU transliteration to Latin and a consonant skeleton.

A name written in another script than the source's ("Bastrykin" as "Μπαστρίκιν",
"בסטריקין", "बास्त्रिकिन", "บาสตรีกิน") is transliterated to Latin by ICU's
``Any-Latin; Latin-ASCII`` transform (CLDR's transliteration rules), then reduced to
a *skeleton*: its consonants, with the letters transliteration systems disagree
on merged. The skeleton does not depend on which letter a system starts with
(Greek writes /b/ as "μπ", Hebrew and Arabic write no short vowels, Korean and
Japanese merge l and r), so two writings of one name share it:

    Bastrykin -> bstrkn      Μπαστρίκιν -> mpastrikin -> bstrkn
    Putin     -> btn         بوتين -> bwtyn -> btn

Transliterators are built once and every word's result is cached.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

# Digraphs first (longest first), then single letters; vowels and h drop out.
# Word-initial Greek "mp"/"nt"/"gk" write b/d/g; "ph"/"th"/"kh" are one sound each.
_INITIAL = (("mp", "b"), ("nt", "d"), ("gk", "g"), ("gh", "g"))
_DIGRAPHS = (
    ("tsch", "c"),
    ("dzh", "j"),
    ("tch", "c"),
    ("sch", "s"),
    ("ch", "c"),
    ("sh", "s"),
    ("zh", "z"),
    ("kh", "k"),
    ("ph", "f"),
    ("th", "t"),
    ("ck", "k"),
    ("ts", "c"),
    ("tz", "c"),
    ("dj", "j"),
    ("gk", "g"),
    ("ks", "x"),
)
# Letters systems swap for one another: v/w/b/p (Arabic has no p, Hebrew bet is
# b or v, Arabic writes v as f), k/q/c/g, l/r (Korean, Japanese), z/s/j, d/t. And
# w drops with the vowels: Hebrew and Arabic write o/u with the letter read "w".
_MERGE = str.maketrans(
    {
        "v": "b",
        "p": "b",
        "q": "k",
        "c": "k",
        "g": "k",
        "l": "r",
        "z": "s",
        "x": "k",
        "j": "s",
        "f": "b",
        "d": "t",
    }
)
_DROP = re.compile(r"[aeiouywh'’ʼʻ`\W\d_]+")
_DOUBLE = re.compile(r"(.)\1+")


@lru_cache(maxsize=1)
def _to_latin() -> Any:
    import icu

    return icu.Transliterator.createInstance("Any-Latin; Latin-ASCII; Lower")


def transliterator_version() -> str:
    try:
        import icu
    except ImportError:  # pragma: no cover - pyicu is a declared dependency
        return "icu?"
    return f"icu{icu.ICU_VERSION}"


@lru_cache(maxsize=1 << 16)
def to_latin(text: str) -> str:
    """ASCII lower-case Latin of ``text`` by ICU's CLDR transforms."""
    return str(_to_latin().transliterate(text))


@lru_cache(maxsize=1 << 16)
def skeleton(word: str) -> str:
    """The consonant skeleton of one word in any script (see the module docstring)."""
    latin = re.sub(r"[^a-z]", "", to_latin(word))
    for old, new in _INITIAL:
        if latin.startswith(old):
            latin = new + latin[len(old) :]
            break
    for old, new in _DIGRAPHS:
        latin = latin.replace(old, new)
    latin = _DROP.sub("", latin).translate(_MERGE)
    return _DOUBLE.sub(r"\1", latin)


def char_skeletons(text: str) -> tuple[str, list[int]]:
    """The skeleton of a text without word spaces (Thai, Japanese, Korean, Chinese),
    built character by character, with each skeleton letter's offset in ``text``."""
    chars: list[str] = []
    offsets: list[int] = []
    for index, ch in enumerate(text):
        if not ch.isalpha():
            continue
        for out in _char_consonants(ch):
            if not chars or chars[-1] != out:
                chars.append(out)
                offsets.append(index)
    return "".join(chars), offsets


@lru_cache(maxsize=1 << 14)
def _char_consonants(ch: str) -> str:
    latin = re.sub(r"[^a-z]", "", to_latin(ch))
    for old, new in _DIGRAPHS:
        latin = latin.replace(old, new)
    return _DROP.sub("", latin).translate(_MERGE)

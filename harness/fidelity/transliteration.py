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
import unicodedata
from functools import lru_cache
from typing import Any

# Digraphs first (longest first), then single letters; vowels and h drop out.
# Word-initial Greek "mp"/"nt"/"gk" write b/d/g; "ph"/"th"/"kh" are one sound each.
_INITIAL = (("mp", "b"), ("nt", "d"), ("gk", "g"), ("gh", "g"))
#: The skeleton letter of an affricate; upper case, so no merge or drop touches it.
AFFRICATE = "C"
_DIGRAPHS = (
    ("tsch", AFFRICATE),
    ("dzh", "j"),
    ("tch", AFFRICATE),
    ("sch", "s"),
    ("ch", AFFRICATE),
    ("sh", "s"),
    ("zh", "z"),
    ("kh", "k"),
    ("ph", "f"),
    ("th", "t"),
    ("ck", "k"),
    ("ts", AFFRICATE),
    ("tz", AFFRICATE),
    ("dj", "j"),
    ("gk", "g"),
    ("ks", "x"),
)
# Affricates (ch, ts, tz, and the c that ICU writes for Cyrillic ц or Devanagari च) are
# one skeleton letter, AFFRICATE, that agrees with t and with s: Japanese writes "ti",
# "tu" as "chi", "tsu", and German writes /ts/ as z ("Scholz" = "Σολτς" = "Шольц").
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

    return icu.Transliterator.createInstance("Any-Latin")


@lru_cache(maxsize=1)
def _to_ascii() -> Any:
    import icu

    return icu.Transliterator.createInstance("Latin-ASCII; Lower")


# Latin-ASCII drops the hacek ("č" -> "c"), which would part "Чернов" (Černov) from
# "Chernov": the scholarly letters are spelled out as the English-style digraphs.
_DIACRITIC_DIGRAPHS = str.maketrans(
    {
        "č": "ch",
        "Č": "ch",
        "ć": "ch",
        "Ć": "ch",
        "š": "sh",
        "Š": "sh",
        "ś": "sh",
        "Ś": "sh",
        "ž": "zh",
        "Ž": "zh",
        "ź": "zh",
        "Ź": "zh",
        "đ": "dj",
        "Đ": "dj",
        # The Indic anusvara is a nasal: "मैक्रों" is Macron, not "Macrom".
        "ṁ": "n",
        "ṃ": "n",
    }
)


def transliterator_version() -> str:
    try:
        import icu
    except ImportError:  # pragma: no cover - pyicu is a declared dependency
        return "icu?"
    return f"icu{icu.ICU_VERSION}"


@lru_cache(maxsize=1 << 16)
def to_latin(text: str) -> str:
    """ASCII lower-case Latin of ``text`` by ICU's CLDR transforms."""
    latin = str(_to_latin().transliterate(text)).translate(_DIACRITIC_DIGRAPHS)
    return str(_to_ascii().transliterate(latin))


@lru_cache(maxsize=1 << 16)
def skeleton(word: str) -> str:
    """The consonant skeleton of one word in any script (see the module docstring)."""
    script = _script(word)
    latin = re.sub(r"[^a-z]", "", to_latin(word))
    if script != "LATIN":
        # ICU writes Cyrillic ц as "c" and Devanagari च as "c": an affricate, never a k.
        latin = _LONE_C.sub(AFFRICATE, latin)
    for old, new in _INITIAL:
        if latin.startswith(old):
            latin = new + latin[len(old) :]
            break
    if script == "GREEK":
        # Inside a word Greek writes b and g of foreign names as μπ, γκ, and nd as ντ.
        latin = latin.replace("mp", "b").replace("gk", "g").replace("nt", "nd")
    if script == "LATIN":
        # Latin "j" between vowels is the glide y of German, Slavic and Nordic spellings
        # ("Tokajew" = "Tokayev"), and "w" is a consonant there (v).
        latin = _GLIDE_J.sub("", latin)
        # A word-initial "w" before a vowel is a v in some spellings (Вашингтон) and a
        # vowel glide in others (Уильям, ויליאם for William): marked as optional.
        optional_w = re.match(r"w[aeiouy]", latin) is not None
        latin = latin.replace("w", "v")
        if optional_w:
            return OPTIONAL + _finish(latin[1:])
        return _finish(latin)
    return _finish(latin)


def _finish(latin: str) -> str:
    for old, new in _DIGRAPHS:
        latin = latin.replace(old, new)
    latin = _DROP.sub("", latin).translate(_MERGE)
    return _DOUBLE.sub(r"\1", latin)


# Leads a skeleton whose first consonant may be absent or a b (see skeleton()).
OPTIONAL = "W"
_GLIDE_J = re.compile(r"(?<=[aeiouy])j(?=[aeiouy])")
_LONE_C = re.compile(r"c(?!h)")


def skeleton_readings(skeleton_text: str) -> tuple[str, ...]:
    """The plain skeletons an affricate skeleton stands for: each AFFRICATE read as t
    or as s (up to three of them; more are all read as t)."""
    count = skeleton_text.count(AFFRICATE)
    if not count:
        return (skeleton_text,)
    if count > 3:
        return (skeleton_text.replace(AFFRICATE, "t"),)
    readings = [""]
    for ch in skeleton_text:
        readings = [r + c for r in readings for c in ("ts" if ch == AFFRICATE else ch)]
    return tuple(readings)


def _script(word: str) -> str:
    for ch in word:
        if ch.isalpha():
            return unicodedata.name(ch, "?").split(" ", 1)[0]
    return ""


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
    # Texts without word spaces are searched letter by letter: an affricate reads as t.
    return _DROP.sub("", latin).translate(_MERGE).replace(AFFRICATE, "t")

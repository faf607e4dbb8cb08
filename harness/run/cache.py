"""The translation cache: one SQLite file (standard library, WAL) shared by every run.

The key is the sha256 of the complete canonical request: adapter, adapter
version, options (which hold the model, the endpoint and every setting that
changes the output, and never a secret), language pair and text. Only
successful translations are stored, and only for backends reached over HTTP
(local engines are cheap, and their installed version can change under the same
options); an output flagged ``suspect_truncation``
is not, so a cut answer is asked for again next time.

Where: ``$HARNESS_CACHE_DIR/cache.sqlite3``, else ``$XDG_CACHE_HOME/harness/``,
else ``~/.cache/harness/``. Several processes may use one cache at once: WAL
lets readers and one writer work side by side, writes are short transactions
that wait (``busy_timeout``) instead of failing, and ``INSERT OR REPLACE`` makes
two runs storing the same key harmless. Writes are grouped into transactions
of up to :attr:`TranslationCache.batch` entries (or one second), which is what
keeps a run of 20,000 zero-latency segments fast; a crash loses at most the
last group, which only costs a cache miss, never a run-file line.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.models import Translation, Usage

CACHE_DIR_ENV = "HARNESS_CACHE_DIR"
CACHE_FILENAME = "cache.sqlite3"
#: Bump when the stored value's shape changes; old entries are then ignored.
CACHE_FORMAT = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS translations (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    created REAL NOT NULL
) WITHOUT ROWID
"""


def default_cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    if env.get(CACHE_DIR_ENV):
        return Path(env[CACHE_DIR_ENV])
    if env.get("XDG_CACHE_HOME"):
        return Path(env["XDG_CACHE_HOME"]) / "harness"
    return Path.home() / ".cache" / "harness"


def request_key(identity: Mapping[str, Any], source_lang: str, target_lang: str, text: str) -> str:
    """sha256 of the canonical request. ``identity`` is ``Provider.identity()`` (no secrets)."""
    return RequestKeys(identity)(source_lang, target_lang, text)


class RequestKeys:
    """:func:`request_key` for many texts of one provider: the canonical JSON up to the text
    is built once per language pair (``text`` sorts last among the keys, so the rest of the
    document does not depend on it)."""

    def __init__(self, identity: Mapping[str, Any]) -> None:
        self._identity = identity
        # Per pair, the hash of the prefix: copying it is cheaper than hashing the prefix.
        self._prefixes: dict[tuple[str, str], Any] = {}

    def __call__(self, source_lang: str, target_lang: str, text: str) -> str:
        prefix = self._prefixes.get((source_lang, target_lang))
        if prefix is None:
            prefix = hashlib.sha256(self._prefix(source_lang, target_lang))
            self._prefixes[(source_lang, target_lang)] = prefix
        digest = prefix.copy()
        digest.update((_json_string(text) + "}").encode("utf-8"))
        return digest.hexdigest()

    def _prefix(self, source_lang: str, target_lang: str) -> bytes:
        head = json.dumps(
            {
                "format": CACHE_FORMAT,
                "adapter": self._identity["adapter"],
                "adapter_version": self._identity["adapter_version"],
                "options": self._identity["options"],
                "source_lang": source_lang,
                "target_lang": target_lang,
            },
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        )
        return (head[:-1] + ',"text":').encode("utf-8")


# What json.dumps(..., ensure_ascii=False) writes for a string, without its per-call setup.
_json_string: Callable[[str], str] = json.encoder.encode_basestring
#: Keys per ``SELECT ... IN (...)``: well under SQLite's limit of bound parameters.
_LOOKUP_CHUNK = 500


class TranslationCache:
    """Get and put translations by request key; writes are grouped into transactions."""

    batch = 256
    flush_seconds = 1.0

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # isolation_level=None: transactions are opened explicitly in flush().
        self._db = sqlite3.connect(
            path, timeout=30.0, isolation_level=None, check_same_thread=False
        )
        self._db.execute("PRAGMA busy_timeout = 30000")
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = NORMAL")
        self._db.execute(_SCHEMA)
        self._pending: dict[str, str] = {}
        self._last_flush = time.monotonic()
        self.hits = 0
        self.misses = 0

    @classmethod
    def open_default(cls, environ: Mapping[str, str] | None = None) -> TranslationCache:
        return cls(default_cache_dir(environ) / CACHE_FILENAME)

    def get(self, key: str) -> Translation | None:
        return self.get_many([key]).get(key)

    def get_many(self, keys: Sequence[str]) -> dict[str, Translation]:
        """The cached translations among ``keys``: one ``SELECT ... IN`` per chunk of keys."""
        return {key: decode_value(value) for key, value in self.values(keys).items()}

    def values(self, keys: Sequence[str]) -> dict[str, str]:
        """The stored JSON of the translations among ``keys`` (:func:`decode_value` reads
        one), for callers that turn them into run-file lines without a
        :class:`~harness.models.Translation` each."""
        raw = self._lookup(keys, "key, value")
        self.hits += len(raw)
        self.misses += len(keys) - len(raw)
        return {key: value for key, value in raw.items() if value is not None}

    def held(self, keys: Sequence[str]) -> set[str]:
        """Which of ``keys`` are cached, without reading their values (the dry run)."""
        return set(self._lookup(keys, "key, NULL"))

    def _lookup(self, keys: Sequence[str], columns: str) -> dict[str, str | None]:
        found: dict[str, str | None] = {}
        wanted: Sequence[str] = keys
        if self._pending:  # a re-run has nothing pending: no need to look at every key
            wanted = []
            for key in keys:
                pending = self._pending.get(key)
                if pending is not None:
                    found[key] = pending
                else:
                    wanted.append(key)
        # Sorted keys make SQLite's lookups about twice as fast (its B-tree pages are
        # visited in order, and the IN list is built in order).
        wanted = sorted(wanted)
        for start in range(0, len(wanted), _LOOKUP_CHUNK):
            chunk = wanted[start : start + _LOOKUP_CHUNK]
            marks = ",".join("?" * len(chunk))
            found.update(
                self._db.execute(
                    f"SELECT {columns} FROM translations WHERE key IN ({marks})", chunk
                )
            )
        return found

    def put(self, key: str, translation: Translation) -> None:
        self._pending[key] = json.dumps(
            {
                "text": translation.text,
                "usage": translation.usage.as_dict(),
                "engine": translation.engine,
                "flags": list(translation.flags),
                "detail": translation.detail,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
        if (
            len(self._pending) >= self.batch
            or time.monotonic() - self._last_flush >= self.flush_seconds
        ):
            self.flush()

    def flush(self) -> None:
        self._last_flush = time.monotonic()
        if not self._pending:
            return
        now = time.time()
        rows = [(key, value, now) for key, value in self._pending.items()]
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.executemany(
                "INSERT OR REPLACE INTO translations (key, value, created) VALUES (?, ?, ?)",
                rows,
            )
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
        self._pending.clear()

    def count(self) -> int:
        row = self._db.execute("SELECT count(*) FROM translations").fetchone()
        return int(row[0])

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self._db.close()

    def __enter__(self) -> TranslationCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def decode_value(raw: str) -> Translation:
    """A stored value (the JSON :meth:`TranslationCache.put` writes) as its translation."""
    value = json.loads(raw)
    return Translation(
        value["text"],
        Usage(**value.get("usage", {})),
        value.get("engine"),
        tuple(value.get("flags", ())),
        value.get("detail", {}),
    )

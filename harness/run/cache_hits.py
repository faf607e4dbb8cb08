"""Cache hits as run-file lines, straight from the cache's stored JSON.

A cached re-run writes one line per segment and sends nothing, so its time is
what each line costs. Going through a :class:`~harness.models.Translation` and a
validated :class:`~harness.runfile.SegmentRecord` per hit made a re-run several
times slower than the SQLite lookups themselves. :class:`HitLines` builds the
line directly (:func:`~harness.runfile.cached_segment_line`) when a stored value
has the shape :meth:`TranslationCache.put` writes and the hit needs none of the
runner's repairs. Anything else (an odd type, an output that now looks cut short
or is far too long, a lone surrogate, a value written by hand) is left to the
runner's general path, which then writes exactly what it always wrote.
"""

from __future__ import annotations

import json

from harness.run.plan import WorkItem
from harness.run.truncation import TruncationRule
from harness.runfile import cached_segment_line

#: The orders of usage keys that ``Usage.as_dict`` writes (a stored value has one of them).
_USAGE_ORDERS = frozenset(
    {
        ("characters",),
        ("input_tokens",),
        ("output_tokens",),
        ("characters", "input_tokens"),
        ("characters", "output_tokens"),
        ("input_tokens", "output_tokens"),
        ("characters", "input_tokens", "output_tokens"),
    }
)
_NO_USAGE: dict[str, int] = {}
_NO_FLAGS: list[str] = []
# raw_decode: no look for blanks around the document per call (a stored value has none;
# one that does is left to the general path, i.e. to json.loads).
_decode = json.JSONDecoder().raw_decode


class HitLines:
    """The run-file lines of cache hits, for the hits that need nothing but the stored value."""

    def __init__(self, truncation: TruncationRule) -> None:
        self.truncation = truncation

    def line(self, item: WorkItem, raw: str) -> tuple[str, str | None] | None:
        """The line of ``item`` served from ``raw`` (a stored value) and its engine, or
        None when the runner's general path must write it.

        Each field must have the type the general path would write unchanged: a text,
        usage counts (ints, keys in ``Usage`` order), an engine or null, a list of
        flags, a detail that is a dict or empty (empty ones are not written).
        """
        # One function, checks inline: this runs once per segment of a re-run.
        try:
            value, end = _decode(raw)
        except ValueError:
            return None
        if end != len(raw) or type(value) is not dict:
            return None
        output = value.get("text")
        usage = value.get("usage", _NO_USAGE)
        engine = value.get("engine")
        flags = value.get("flags", _NO_FLAGS)
        detail = value.get("detail") or None
        if (
            type(output) is not str
            or (engine is not None and type(engine) is not str)
            or type(usage) is not dict
            or type(flags) is not list
            or (detail is not None and type(detail) is not dict)
        ):
            return None
        if usage:
            if tuple(usage) not in _USAGE_ORDERS:
                return None
            for count in usage.values():
                if type(count) is not int:
                    return None
        for flag in flags:
            if type(flag) is not str:
                return None
        source = item.text  # a property: read once
        if len(output) > 50 * len(source) + 10_000 or self.truncation.looks_truncated(
            source, output, item.source_lang, item.target_lang
        ):
            return None  # an error line or a flag: the general path's to write
        segment = item.segment.id
        try:
            line = cached_segment_line(
                f"{item.article}/{segment}/{item.variant}/{item.target_lang}",
                item.article,
                segment,
                item.variant,
                item.index,
                item.source_lang,
                item.target_lang,
                source,
                output,
                usage,
                engine,
                flags,
                detail,
            )
            line.encode("utf-8")
        except ValueError:
            # NaN in the detail, a lone surrogate (UnicodeEncodeError): the general path
            # repairs or refuses them.
            return None
        return line, engine

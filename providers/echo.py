"""``echo``: returns every source unchanged. The do-nothing baseline.

Scoring an echo run shows what a report looks like when nothing is translated:
names and numbers all "kept", chrF against gold translations near zero.
"""

from __future__ import annotations

from collections.abc import Sequence

from harness.models import LangPair, Segment, Translation, Usage
from harness.provider import Limits, Provider


class EchoProvider(Provider):
    name = "echo"
    description = "Returns the source text unchanged (baseline)."
    uses_http = False
    limits = Limits(max_batch=1000, max_chars=1_000_000)

    async def translate(self, batch: Sequence[Segment], pair: LangPair) -> list[Translation]:
        return [
            Translation(seg.text, Usage(characters=len(seg.text)), engine="echo") for seg in batch
        ]

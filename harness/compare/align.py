"""Whether runs can be compared at all: same article texts, same source language,
same scorer.

Runs are aligned by segment id (``article/segment/variant/target``). That only
means something when every run translated the same text of each article and is
scored the same way, so :func:`check_alignment` lists what differs; the
command refuses such runs unless ``--allow-mismatch`` is given, and then
carries the differences into the report's notes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from harness.runfile import RunHeader


@dataclass(frozen=True)
class RunIdentity:
    """What must agree between runs before their segments are compared."""

    label: str
    source_lang: str
    digests: dict[str, dict[str, str]]  # article id -> variant -> sha256
    signatures: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_header(cls, label: str, header: RunHeader, signatures: dict[str, str]) -> RunIdentity:
        digests = {entry.id: dict(entry.digests) for entry in header.articles if entry.id}
        return cls(label, str(header.source_lang or "en"), digests, dict(signatures))


def _short(digest: str) -> str:
    return digest[:12] if digest else "none"


def check_alignment(runs: list[RunIdentity]) -> list[str]:
    """One message per difference that makes segment ids mean different things."""
    problems: list[str] = []
    if len(runs) < 2:
        return problems
    first = runs[0]
    for other in runs[1:]:
        if other.source_lang != first.source_lang:
            problems.append(
                f"{first.label} translated from {first.source_lang!r}, "
                f"{other.label} from {other.source_lang!r}"
            )
        shared = sorted(set(first.digests) & set(other.digests))
        if first.digests and other.digests and not shared:
            problems.append(
                f"{first.label} and {other.label} have no article in common "
                f"({', '.join(sorted(first.digests))} vs "
                f"{', '.join(sorted(other.digests))})"
            )
        for article in shared:
            for variant in sorted(set(first.digests[article]) | set(other.digests[article])):
                a = first.digests[article].get(variant, "")
                b = other.digests[article].get(variant, "")
                if a != b:
                    problems.append(
                        f"article {article}: {first.label} translated a different {variant} "
                        f"text than {other.label} (sha256 {_short(a)} vs {_short(b)})"
                    )
        for name in sorted(set(first.signatures) | set(other.signatures)):
            a = first.signatures.get(name, "none")
            b = other.signatures.get(name, "none")
            if a != b:
                problems.append(
                    f"{name} signature differs: {first.label} {a!r}, {other.label} {b!r}"
                )
    return problems


def run_labels(providers: list[str], run_ids: list[str]) -> list[str]:
    """Column labels: the provider instance name; when two runs share it, with the run
    id's last part (``apertium (a795)``) or, if that is shared too, the whole run id."""
    suffixes = [run_id.rsplit("-", 1)[-1] for run_id in run_ids]
    labels = []
    for provider, run_id, suffix in zip(providers, run_ids, suffixes, strict=True):
        if providers.count(provider) == 1:
            labels.append(provider)
        else:
            same = [s for p, s in zip(providers, suffixes, strict=True) if p == provider]
            labels.append(f"{provider} ({suffix if same.count(suffix) == 1 else run_id})")
    # Two runs of one provider with the same id (copies): number them.
    seen: dict[str, int] = {}
    unique = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        unique.append(label if labels.count(label) == 1 else f"{label} #{seen[label]}")
    return unique

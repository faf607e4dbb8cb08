"""Small fixed run files for the comparison tests, written per the run-file schema.

Three runs of the seed article's first two segments into Spanish, both
variants: ``good`` (the baseline: names and numbers kept where the input
allows), ``bad`` (loses Bastrykin in p01, answers p02 with markup and a
script and without Russia, fails on p01 spun) and ``same`` (the baseline's outputs again).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.references.article import load_article
from tests.helpers import REFERENCES, SEED_ID

ARTICLE = load_article(SEED_ID, REFERENCES)

GOOD = {
    ("p01", "restored"): "Las fuerzas del orden rusas han enviado a 20.000 migrantes naturalizados "
    "a luchar en Ucrania por no registrarse para el servicio militar, dijo el 20 de mayo el jefe "
    "del Comité de Investigación, Alexander Bastrykin, según la agencia estatal TASS.",
    ("p01", "spun"): "Las empresas de aplicación de la legislación rusa han despachado a 20.000 "
    "migrantes naturalizados a combatir en Ucrania, dijo el jefe del Comité de Investigación, "
    "Alexander Bastrykin, en Podría 20, según la estatal TASS.",
    ("p02", "restored"): "La revelación señala una creciente represión contra la población "
    "migrante de Rusia mientras el Kremlin lucha por cubrir sus necesidades en el frente.",
    ("p02", "spun"): "La revelación indicadores una represión creciente contra los habitantes "
    "migrantes de Rusia porque el Kremlin lucha por satisfacer la entrada línea.",
}

INJECTED = (
    '<script>document.documentElement.setAttribute("data-pwned","1")</script>'
    "<img src=x onerror=\"document.title='pwned'\"> <b>| pipe</b>"
)

BAD = {
    **GOOD,
    ("p01", "restored"): "Las fuerzas del orden rusas han enviado a 20.000 migrantes a luchar en "
    "Ucrania, dijo el 20 de mayo el jefe del Comité de Investigación, según la agencia TASS.",
    ("p01", "spun"): None,
    ("p02", "restored"): "La revelación señala una represión mientras el Kremlin lucha. "
    + INJECTED,
}


def write_run(
    path: Path,
    provider: str,
    outputs: dict[tuple[str, str], str | None],
    *,
    target: str = "es",
    digest_override: str | None = None,
    footer: bool = True,
) -> Path:
    """A run file with one segment line per (segment, variant) in ``outputs``."""
    digests = {v: ARTICLE.digest(v) for v in ("spun", "restored")}
    if digest_override is not None:
        digests["restored"] = digest_override
    header: dict[str, Any] = {
        "type": "header",
        "schema": 1,
        "run_id": f"20260101T000000Z-{provider}-0000",
        "created": "2026-01-01T00:00:00.000Z",
        "harness_version": "0.1.0",
        "provider": {"name": provider, "adapter": provider, "adapter_version": "1", "options": {}},
        "articles": [{"id": SEED_ID, "title": ARTICLE.title, "digests": digests}],
        "source_lang": "en",
        "targets": [target],
        "variants": ["spun", "restored"],
    }
    lines = [header]
    ok = errors = 0
    for (segment, variant), output in outputs.items():
        seg = ARTICLE.segment(segment)
        error = (
            None
            if output is not None
            else {"type": "TransientError", "message": "503 overloaded", "status": 503}
        )
        ok += output is not None
        errors += output is None
        lines.append(
            {
                "type": "segment",
                "id": f"{SEED_ID}/{segment}/{variant}/{target}",
                "article": SEED_ID,
                "segment": segment,
                "variant": variant,
                "index": int(segment[1:]) - 1,
                "source_lang": "en",
                "target_lang": target,
                "source": seg.text(variant),
                "output": output,
                "error": error,
                "attempts": 1 if output is not None else 5,
                "latency_ms": 120.0 + len(lines),
                "cached": False,
                "usage": {"characters": len(seg.text(variant))},
                "engine": None,
                "flags": [],
            }
        )
    if footer:
        lines.append(
            {
                "type": "footer",
                "finished": "2026-01-01T00:00:01.000Z",
                "counts": {"segments": ok + errors, "ok": ok, "errors": errors},
                "interrupted": False,
            }
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8"
    )
    return path


def write_fixture_runs(folder: Path) -> dict[str, Path]:
    # Written in a different order than the baseline: pairing must not rely on order.
    reordered = dict(reversed(list(BAD.items())))
    return {
        "good": write_run(folder / "good.jsonl", "good", GOOD),
        "bad": write_run(folder / "bad.jsonl", "bad", reordered),
        "same": write_run(folder / "same.jsonl", "same", GOOD),
    }


MANY_LABELS = (
    "gpt-4.1",
    "gpt-4.1-mini",
    "deepl-formal",
    "google-v3",
    "azure",
    "amazon",
    "libretranslate",
    "claude-3.5",
    "apertium-apy",
    "apertium-next",
)


def write_many_runs(folder: Path, baseline: Path, count: int = 10) -> list[Path]:
    """``count`` runs made from a real run file: each under its own provider name (some
    with dots, as model names have) and each losing a different share of the
    baseline's numbers and names, so leaderboards and charts have something to rank."""
    lines = [json.loads(line) for line in baseline.read_text(encoding="utf-8").splitlines()]
    paths = []
    for number in range(count):
        label = MANY_LABELS[number % len(MANY_LABELS)] + (f"-{number}" if number >= 10 else "")
        out = []
        for position, line in enumerate(lines):
            line = dict(line)
            if line["type"] == "header":
                line["provider"] = {**line["provider"], "name": label}
                line["run_id"] = f"20260101T000000Z-{label}-{number:04d}"
            elif line["type"] == "segment" and line.get("output") and position % 10 < number:
                output = "".join(ch for ch in line["output"] if not ch.isdigit())
                line["output"] = output.replace("Bastrykin", "Bastrikin")
            out.append(line)
        path = folder / f"{label}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in out), encoding="utf-8"
        )
        paths.append(path)
    return paths

"""Accepted name forms proposed from Wikidata labels and aliases, for a person to review.

For each name of an article's facts, the Wikidata API (MediaWiki ``api.php``) is asked:

1. ``action=wbsearchentities`` with the name as the source writes it, in the
   source language: the first item found is taken as the name's entity;
2. ``action=wbgetentities`` (``props=labels|aliases``, at most 50 ids per
   request, as the API allows) for the labels and aliases in every wanted language.

The proposals are rows ``source,lang,form`` of a glossary CSV
(:mod:`harness.fidelity.glossary`): reviewed, the file is used as it is with
``--glossary``. Nothing is written into ``facts.toml``: an entity found by search
may be the wrong one, which only a person can tell.

The base URL is configurable (``--wikidata-url`` or ``HARNESS_WIKIDATA_URL``), so
tests run against a local fake; HTTP and API errors become one
:class:`~harness.errors.HarnessError` line.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from harness import __version__
from harness.errors import HarnessError

DEFAULT_URL = "https://www.wikidata.org/w/api.php"
URL_ENV = "HARNESS_WIKIDATA_URL"
MAX_IDS = 50  # wbgetentities accepts at most 50 ids per request
USER_AGENT = f"harness/{__version__} (name forms for translation fidelity)"


def wikidata_url(given: str | None = None) -> str:
    return given or os.environ.get(URL_ENV) or DEFAULT_URL


@dataclass
class Proposal:
    """What Wikidata says about one name: its entity and forms per language."""

    source: str
    entity: str | None = None
    label: str = ""
    description: str = ""
    forms: dict[str, list[str]] = field(default_factory=dict)


class WikidataClient:
    """The two API actions this module needs, over a given ``httpx.Client``."""

    def __init__(self, client: httpx.Client, base_url: str) -> None:
        self.client = client
        self.base_url = base_url

    def _get(self, params: dict[str, str]) -> dict[str, Any]:
        try:
            response = self.client.get(
                self.base_url,
                params={**params, "format": "json"},
                headers={"User-Agent": USER_AGENT},
            )
        except httpx.HTTPError as exc:
            raise HarnessError(f"Wikidata: request failed ({exc.__class__.__name__})") from exc
        if response.status_code != 200:
            raise HarnessError(
                f"Wikidata: HTTP {response.status_code} for action={params.get('action')}"
            )
        try:
            data = response.json()
        except ValueError:
            raise HarnessError("Wikidata: the answer is not JSON") from None
        if not isinstance(data, dict):
            raise HarnessError("Wikidata: unexpected answer")
        error = data.get("error")
        if isinstance(error, dict):
            raise HarnessError(f"Wikidata: {error.get('code')}: {error.get('info')}")
        return data

    def search(self, text: str, language: str) -> dict[str, Any] | None:
        """The first item ``wbsearchentities`` finds for ``text``, or None."""
        data = self._get(
            {
                "action": "wbsearchentities",
                "search": text,
                "language": language,
                "uselang": language,
                "type": "item",
                "limit": "1",
            }
        )
        hits = data.get("search")
        return hits[0] if isinstance(hits, list) and hits and isinstance(hits[0], dict) else None

    def labels(self, ids: Sequence[str], languages: Sequence[str]) -> dict[str, Any]:
        """``entities`` of ``wbgetentities`` (labels and aliases) for ``ids``."""
        entities: dict[str, Any] = {}
        for start in range(0, len(ids), MAX_IDS):
            data = self._get(
                {
                    "action": "wbgetentities",
                    "ids": "|".join(ids[start : start + MAX_IDS]),
                    "props": "labels|aliases",
                    "languages": "|".join(languages),
                }
            )
            found = data.get("entities")
            if isinstance(found, dict):
                entities.update(found)
        return entities


def propose(
    client: WikidataClient, names: Iterable[str], source_lang: str, languages: Sequence[str]
) -> list[Proposal]:
    """Proposals for ``names`` (as the source writes them) in ``languages``."""
    proposals = [Proposal(name) for name in names]
    for proposal in proposals:
        hit = client.search(proposal.source, source_lang)
        if hit is not None and isinstance(hit.get("id"), str):
            proposal.entity = hit["id"]
            proposal.label = str(hit.get("label") or "")
            proposal.description = str(hit.get("description") or "")
    ids = list(dict.fromkeys(p.entity for p in proposals if p.entity))
    entities = client.labels(ids, languages) if ids else {}
    for proposal in proposals:
        entity = entities.get(proposal.entity or "")
        if not isinstance(entity, dict):
            continue
        for lang in languages:
            forms = []
            label = (entity.get("labels") or {}).get(lang)
            if isinstance(label, dict) and label.get("value"):
                forms.append(str(label["value"]))
            for alias in (entity.get("aliases") or {}).get(lang, []) or []:
                if isinstance(alias, dict) and alias.get("value"):
                    forms.append(str(alias["value"]))
            if forms:
                proposal.forms[lang] = list(dict.fromkeys(forms))
    return proposals


def glossary_csv(proposals: Iterable[Proposal]) -> str:
    """The proposals as a glossary CSV (``source,lang,form``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["source", "lang", "form"])
    for proposal in proposals:
        for lang, forms in sorted(proposal.forms.items()):
            for form in forms:
                writer.writerow([proposal.source, lang, form])
    return out.getvalue()

"""A fake Wikidata API (MediaWiki ``api.php`` with the Wikibase actions) for tests.

Follows the documented JSON of ``action=wbsearchentities`` (``searchinfo``,
``search`` items with ``id``, ``title``, ``pageid``, ``display``, ``repository``,
``url``, ``concepturi``, ``label``, ``description``, ``match``; ``success: 1``)
and ``action=wbgetentities`` (``entities`` keyed by id, each with ``type``,
``id``, ``labels`` {lang: {language, value}} and ``aliases`` {lang: [{language,
value}]}, only the languages asked for; ``success: 1``). Errors are
``{"error": {"code", "info"}}`` with status 200, as the API answers them: more
than 50 ids is ``too-many-ids``, an unknown action ``badvalue``.
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.recording import FakeApi


class WikidataFake(FakeApi):
    """Items: id -> (labels by language, aliases by language, description)."""

    def __init__(self, items: dict[str, tuple[dict[str, str], dict[str, list[str]], str]]) -> None:
        super().__init__()
        self.items = items

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/w/api.php", self.api, methods=["GET"])])

    async def api(self, request: Request) -> Response:
        await self.record(request)
        scripted = self.scripted()
        if scripted is not None:
            return scripted
        params = request.query_params
        if params.get("format") != "json":
            return Response("<api/>", media_type="text/xml")
        action = params.get("action")
        if action == "wbsearchentities":
            return JSONResponse(
                self._search(params.get("search", ""), params.get("language", "en"))
            )
        if action == "wbgetentities":
            ids = [i for i in params.get("ids", "").split("|") if i]
            if len(ids) > 50:
                return _error(
                    "too-many-ids", 'Too many values supplied for parameter "ids". The limit is 50.'
                )
            languages = [lang for lang in params.get("languages", "").split("|") if lang]
            return JSONResponse(self._entities(ids, languages))
        return _error("badvalue", f'Unrecognized value for parameter "action": {action}.')

    def _search(self, text: str, language: str) -> dict[str, Any]:
        hits = []
        for qid, (labels, aliases, description) in self.items.items():
            names = [labels.get(language, ""), *aliases.get(language, [])]
            match = next((n for n in names if n and n.casefold().startswith(text.casefold())), None)
            if match is None:
                continue
            label = labels.get(language, match)
            hits.append(
                {
                    "id": qid,
                    "title": qid,
                    "pageid": 1000 + len(hits),
                    "display": {
                        "label": {"value": label, "language": language},
                        "description": {"value": description, "language": language},
                    },
                    "repository": "wikidata",
                    "url": f"//www.wikidata.org/wiki/{qid}",
                    "concepturi": f"http://www.wikidata.org/entity/{qid}",
                    "label": label,
                    "description": description,
                    "match": {
                        "type": "label" if match == label else "alias",
                        "language": language,
                        "text": match,
                    },
                }
            )
        return {"searchinfo": {"search": text}, "search": hits, "success": 1}

    def _entities(self, ids: list[str], languages: list[str]) -> dict[str, Any]:
        entities: dict[str, Any] = {}
        for qid in ids:
            if qid not in self.items:
                entities[qid] = {"id": qid, "missing": ""}
                continue
            labels, aliases, _ = self.items[qid]
            wanted = languages or sorted(set(labels) | set(aliases))
            entities[qid] = {
                "type": "item",
                "id": qid,
                "labels": {
                    lang: {"language": lang, "value": labels[lang]}
                    for lang in wanted
                    if lang in labels
                },
                "aliases": {
                    lang: [{"language": lang, "value": a} for a in aliases[lang]]
                    for lang in wanted
                    if aliases.get(lang)
                },
            }
        return {"entities": entities, "success": 1}


def _error(code: str, info: str) -> Response:
    return JSONResponse(
        {
            "error": {
                "code": code,
                "info": info,
                "*": "See https://www.wikidata.org/w/api.php for API usage.",
            }
        }
    )

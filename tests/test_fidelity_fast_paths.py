"""The judge's shortcuts skip only what the full steps would not find.

Each shortcut is checked against the plain way it replaces, on the names tests' table
and the fidelity benchmark's pairs, every output judged in its own language and in
languages of other scripts (where the shortcuts skip the most):

- the skeleton step visits only the words a comparison can accept;
- known names whose keys the output lacks are looked for as written only;
- the share of a script's letters is counted per distinct character, remembered;
- a plain pairs line is read without the checks, and agrees with them.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cli import fidelity_cmd, main
from harness.errors import UsageError
from harness.fidelity import crossscript, language, matching
from harness.fidelity.crossscript import skeleton_find
from harness.fidelity.formsets import form_set, names_plan
from harness.fidelity.matching import Form, PreparedText, Span, primary_language, script_of
from harness.fidelity.names import _locate, auto_specs, judge_names
from harness.fidelity.pairs import _checked_pair, _fast_pair
from harness.fidelity.scorer import FidelityStats, score_pair
from harness.references.article import references_root
from harness.references.facts import Facts, load_facts
from harness.references.lookup import ReferenceFacts
from tests.test_fidelity_names import ARTICLE, AUTO_CASES, CASES, FACTS

DATA = Path(__file__).parent / "benchmarks" / "data"
# Other scripts and a language without word spaces, besides each output's own.
OTHER_LANGS = ("ru", "ar", "ja", "de", "he", "el")


@pytest.fixture(scope="module")
def facts() -> Facts:
    return load_facts(FACTS)


@lru_cache(maxsize=1)
def _known() -> ReferenceFacts:
    return ReferenceFacts(references_root(None))


def _outputs() -> list[tuple[str, str, str]]:
    """(source, output, language) of the names table and the benchmark's pairs."""
    rows = [(ARTICLE.segment(seg).restored, text, lang) for lang, seg, text, *_ in CASES]
    rows += [(source, text, lang) for lang, source, text, *_ in AUTO_CASES]
    for name in ("fidelity_faithful.jsonl", "fidelity_heldout.jsonl"):
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                rows.append((row["source"], row["translation"], row["target_lang"]))
    return rows


def _judged() -> Iterator[tuple[str, str, str]]:
    for source, output, lang in _outputs():
        for target in (lang, *OTHER_LANGS):
            yield source, output, target


def _forms(facts: Facts, source: str, lang: str) -> list[Form]:
    """Every form of the article's names (of every language, as variants) and of the
    names found in ``source``: one per spelling."""
    specs = facts.for_segment("p01").known_specs(lang) + auto_specs(source, "en", lang)
    every = {
        form.text: form for spec in specs for form in form_set(spec.forms, spec.variants).every
    }
    return list(every.values())


def _slow_skeleton_find(text: PreparedText, form: Form, same_script: bool) -> Span | None:
    """skeleton_find as it was: every word visited, every skeleton made."""
    wants = crossscript.form_skeletons(form)
    if not form.tokens or sum(len(w) for w in wants) < crossscript.MIN_SKELETON:
        return None
    if text.continua:
        return skeleton_find(text, form, same_script=same_script)
    form_script = script_of(form.text)
    glued = primary_language(text.lang) in crossscript._GLUED_PREFIXES
    words, skeletons, size = text.words, text.skeletons, len(wants)
    for first in range(len(words) - size + 1):
        script = script_of(words[first])
        if not script or (script == form_script) != same_script:
            continue
        span = range(first, first + size)
        if same_script and not all(
            crossscript._close_spelling(form.folded[k], text.folded[i]) for k, i in enumerate(span)
        ):
            continue
        if (
            not same_script
            and script not in crossscript._ABJADS
            and not all(
                crossscript._close_vowels(form.folded[k], words[i]) for k, i in enumerate(span)
            )
        ):
            continue
        if all(
            crossscript._agrees(wants[k], skeletons[i], glued) if wants[k] else not skeletons[i]
            for k, i in enumerate(span)
        ):
            return text.span(first, first + size - 1)
        if (
            size == 1
            and not same_script
            and first + 1 < len(words)
            and script_of(words[first + 1]) == script
            and crossscript._agrees(wants[0], skeletons[first] + skeletons[first + 1], glued)
            and len(skeletons[first]) >= 2
        ):
            return text.span(first, first + 1)
    return None


def test_the_skeleton_step_skips_no_word_it_would_accept(facts: Facts) -> None:
    compared = found = 0
    for number, (source, output, lang) in enumerate(_judged()):
        text = PreparedText(output, lang)
        # A third of the forms per output, each third in turn: every form is compared
        # with outputs of every language and script, at a third of the cost.
        for form in _forms(facts, source, lang)[number % 3 :: 3]:
            for same_script in (False, True):
                expected = _slow_skeleton_find(text, form, same_script)
                assert skeleton_find(text, form, same_script=same_script) == expected, (
                    output,
                    lang,
                    form.text,
                    same_script,
                )
                compared += 1
                found += expected is not None
    # The comparison covered matches in both modes, not only misses.
    assert compared > 100_000 and found > 1_000, (compared, found)


def test_known_names_without_their_keys_are_only_looked_for_as_written(facts: Facts) -> None:
    compared = beyond = 0
    for _, output, lang in _judged():
        text = PreparedText(output, lang)
        for segment in ("p01", "p03", "p06"):
            known = facts.for_segment(segment).known_specs(lang)
            plan = names_plan(known)
            may = plan.beyond_exact(text)
            for index, (spec, _) in enumerate(plan.entries):
                located = _locate(text, spec, allow_fuzzy=False, rivals=known)
                if isinstance(located, tuple) and located[0] != "exact":
                    # Found by a step after the exact one: the shortcut must try it.
                    assert may is None or index in may, (output, lang, spec.id, located)
                    beyond += 1
                compared += 1
    assert compared > 5_000 and beyond > 20


def test_unexpected_names_are_those_every_step_finds(facts: Facts) -> None:
    for source, output, lang in _judged():
        for segment in ("p01", "p03", "p06"):
            seg = facts.for_segment(segment)
            expected, known = seg.name_specs(lang), seg.known_specs(lang)
            judged = judge_names(source, output, lang, expected=expected, known=known)
            ids = {spec.id for spec in expected}
            text = PreparedText(output, lang)
            everyone = expected + tuple(k for k in known if k.id not in ids)
            slow = [
                spec.id
                for spec in known
                if spec.id not in ids
                and not any(
                    form.lower() in source.lower() for form in spec.source_forms or (spec.source,)
                )
                and isinstance(_locate(text, spec, allow_fuzzy=False, rivals=everyone), tuple)
            ]
            assert [m.id for m in judged.unexpected] == slow, (output, lang, segment)


def _slow_script_share(text: str, script: str) -> float | None:
    prefixes = language._SCRIPT_NAMES.get(script)
    letters = {ch: n for ch, n in Counter(text[: language.IDENTIFY_CHARS]).items() if ch.isalpha()}
    if prefixes is None or not letters:
        return None
    inside = sum(n for ch, n in letters.items() if language._char_script(ch).startswith(prefixes))
    return inside / sum(letters.values())


@pytest.mark.parametrize("script", ["Latn", "Cyrl", "Arab", "Hebr", "Jpan", "Kore", "Hans", "Xxxx"])
def test_script_shares_are_counted_as_before(script: str) -> None:
    texts = [output for _, output, _ in _outputs()] + ["", "12 345", "ﬁ²½ Ⅻ ǅ"]
    for text in texts * 2:  # the second time from the remembered characters
        assert language.script_share(text, script) == _slow_script_share(text, script), text


PAIR_LINES = [
    '{"source": "a", "translation": "b", "target_lang": "de"}\n',
    '{"source": "a", "translation": "b", "target_lang": "de"}\r\n',
    '{"source": "a", "translation": "b", "target_lang": "de"}',
    '{"source": "a", "translation": "b", "target_lang": "de"} \n',
    ' {"source": "a", "translation": "b", "target_lang": "de"}\n',
    '{"id": 7, "source": "a", "translation": "b", "target_lang": "pt_BR", "source_lang": "fr"}',
    '{"id": "x\\"y", "source": "\\u00e9", "translation": "", "target_lang": " de "}',
    '{"id": true, "source": "a", "translation": "b", "target_lang": "de"}',
    '{"id": 1.5, "source": "a", "translation": "b", "target_lang": "de"}',
    '{"id": null, "source": "a", "translation": "b", "target_lang": "de"}',
    '{"source": 1, "translation": "b", "target_lang": "de"}',
    '{"source": "a", "translation": null, "target_lang": "de"}',
    '{"source": "a", "target_lang": "de"}',
    '{"source": "a", "translation": "b"}',
    '{"source": "a", "translation": "b", "target_lang": "german"}',
    '{"source": "a", "translation": "b", "target_lang": 3}',
    '{"source": "a", "translation": "b", "target_lang": "de", "source_lang": "x"}',
    '{"source": "a", "translation": "b", "target_lang": "de", "source_lang": null}',
    '{"source": "a", "translation": "b", "target_lang": "de", "numbers": [20]}',
    '{"source": "a", "translation": "b", "target_lang": "de", "names": []}',
    '{"source": "a", "translation": "b", "target_lang": "de"} {}',
    '{"source": "a", "translation": "b", "target_lang": "de", "source": "c"}',
    '{"source": "a", "translation": "b", "target_lang": "de", "x": NaN}',
    '{"source": "a", "translation": "b", "target_lang": "de"',
    '["source", "a"]',
    '"text"',
    "\ufeff{}",
]


@pytest.mark.parametrize("line", PAIR_LINES)
def test_a_plain_line_is_read_as_the_checks_read_it(line: str) -> None:
    def checked() -> object:
        try:
            return _checked_pair(line, "pairs.jsonl:3", 3)
        except UsageError as exc:
            return str(exc)

    slow = checked()
    for _ in range(2):  # the second time with the language tags already checked
        fast = _fast_pair(line, 3)
        assert fast is None or fast == slow
    if isinstance(slow, str):
        assert _fast_pair(line, 3) is None


def test_remembered_verdicts_write_what_judging_each_line_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Repeated pairs, pairs with their own facts, ids that need escaping, and a memo
    # small enough to be forgotten and refilled on the way.
    rows = [
        {"source": source, "translation": output, "target_lang": lang, "id": f'"{i % 7}"\n'}
        for i, (source, output, lang) in enumerate(_outputs()[:12] * 3)
    ]
    rows[5]["names"] = [{"source": "Bastrykin", "forms": {"es": ["Bastrykin"]}}]
    rows[9]["numbers"] = [20000]
    rows[17]["id"] = 17
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    monkeypatch.setattr(fidelity_cmd, "_RECENT", 5)
    result = CliRunner().invoke(main, ["fidelity", "--pairs", str(pairs), "--json"])
    assert result.exit_code == 0, result.output
    table = CliRunner().invoke(main, ["fidelity", "--pairs", str(pairs)])
    total = FidelityStats()
    for line_no, (row, line) in enumerate(zip(rows, result.output.splitlines(), strict=True), 1):
        pair = _checked_pair(json.dumps(row), "pairs.jsonl", line_no)
        judged = score_pair(
            pair.source,
            pair.translation,
            pair.target_lang,
            pair.source_lang,
            facts=fidelity_cmd._facts_for(pair.source, "en", None, _known())[0],
            curated_names=fidelity_cmd._facts_for(pair.source, "en", None, _known())[1],
            pair_names=pair.names,
            pair_numbers=pair.numbers,
        )
        head = json.dumps(
            {"id": pair.id, "line": line_no, "target_lang": pair.target_lang}, ensure_ascii=False
        )
        body = json.dumps(judged.to_json(), ensure_ascii=False, default=str)
        assert line == head[:-1] + ", " + body[1:]
        total += judged.stats
    assert f"{len(rows)} pairs: names {total.names_kept}/{total.names_expected} kept" in (
        table.output
    )
    assert f"{total.unexpected} unexpected, {total.not_translated} not translated" in table.output


def test_words_are_cut_as_the_word_pattern_cuts_them() -> None:
    texts = [output.lower() for _, output, _ in _outputs()]
    texts += ["snake_case __x_ y_", "a\u0301_b", "_", "ab\u0e31_cd \u0915\u094d_\u0937", "١٢_٣ x"]
    for text in texts:
        assert matching.token_words(text) == matching._TOKEN.findall(text), text
        assert matching.token_spans(text) == [m.span() for m in matching._TOKEN.finditer(text)]


def test_scripts_without_spaces_are_told_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [output for _, output, _ in _outputs()] + ["", "abc", "ภาษาไทย", "カナ", "中文 x"]
    for text in texts * 2:
        assert language._has_continua(text) == any(map(language._continua_char, set(text)))
    # A memory grown full starts afresh without forgetting the text at hand: "中" met
    # before, "x" new when the memory is full.
    filler = set(map(chr, range(0xF0000, 0xF0000 + (1 << 16))))
    monkeypatch.setattr(language, "_MET", {"中", *filler})
    monkeypatch.setattr(language, "_CONTINUA_MET", {"中"})
    assert language._has_continua("中x")
    assert sorted(language._MET) == ["x", "中"]


def test_judgements_are_written_as_json_dumps_writes_them() -> None:
    values = [
        {"a": [1, 2.5, None, True], "é": '\u2028"\\x', "n": float("nan"), "d": Decimal("2E+4")},
        [],
        {},
        {"score": round(86.66666, 1), "big": 10**30, "neg": -0.0, "inf": float("inf")},
        *(score_pair(s, o, lang).to_json() for s, o, lang in _outputs()[:20]),
    ]
    for value in values:
        assert fidelity_cmd._dumps(value) == json.dumps(value, ensure_ascii=False, default=str)


def test_identifying_ahead_asks_what_judging_asks_and_changes_no_verdict() -> None:
    pairs = [(s, o, "en", lang) for s, o, lang in _outputs()]
    # Every path of the language judge: other targets (other scripts, wrong language,
    # too short), the source returned, and the pair read the other way round.
    pairs += [
        (s, o, "en", OTHER_LANGS[i % len(OTHER_LANGS)]) for i, (s, o, _, _) in enumerate(pairs)
    ]
    pairs += [(s, s, "en", lang) for s, _, _, lang in pairs[:40]]
    pairs += [(o, s, lang, "en") for s, o, _, lang in pairs[:40]]
    pairs += [(s, o[:40], "en", lang) for s, o, _, lang in pairs[:40]]
    for memo in (language._likeliest, language._identify, language._before_identifier):
        memo.cache_clear()
    # Compared as written out: lingua's confidences vary in their last digits from one
    # call to the next (its sums run in no fixed order); the output rounds them.
    cold = [language.judge_language(*pair).to_json() for pair in pairs]
    for memo in (language._likeliest, language._identify, language._before_identifier):
        memo.cache_clear()
    language.identify_ahead(pairs)
    asked = (language._likeliest.cache_info().misses, language._identify.cache_info().misses)
    assert asked[0] > 100 and asked[1] > 10  # both questions were asked ahead
    assert [language.judge_language(*pair).to_json() for pair in pairs] == cold
    # Judging asked the identifier nothing new.
    assert (
        language._likeliest.cache_info().misses,
        language._identify.cache_info().misses,
    ) == asked


def test_a_run_identified_ahead_stays_remembered_until_judged() -> None:
    for memo in (language._likeliest, language._identify, language._before_identifier):
        assert memo.cache_parameters()["maxsize"] >= 2 * language.AHEAD

"""The real Apertium engine through its command line, and `harness run` end to end."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.errors import UnsupportedLanguageError
from harness.models import LangPair, Segment
from providers.apertium import ApertiumOptions, ApertiumProvider
from tests.helpers import APERTIUM_MISSING, APERTIUM_SKIP_REASON, REPO, only_run_file, read_jsonl

pytestmark = [
    pytest.mark.apertium,
    pytest.mark.skipif(APERTIUM_MISSING, reason=APERTIUM_SKIP_REASON),
]
SEED_LANGS = ["ca", "eo", "es", "gl"]


@pytest.mark.anyio
async def test_installed_modes_give_the_four_english_pairs() -> None:
    provider = ApertiumProvider()
    await provider.prepare()
    assert provider.default_targets("en") == SEED_LANGS
    assert LangPair("en", "ca-valencia") in provider.supported_pairs()
    assert provider.modes_by_pair[LangPair("en", "eo")] == "en-eo"
    assert provider.modes_by_pair[LangPair("en", "es")] == "eng-spa"


@pytest.mark.anyio
async def test_unsupported_target_lists_what_is_installed() -> None:
    provider = ApertiumProvider()
    await provider.prepare()
    with pytest.raises(UnsupportedLanguageError) as info:
        provider.check_pair(LangPair("en", "fr"))
    message = str(info.value)
    assert "no installed pair en->fr" in message
    assert "en->es (eng-spa)" in message and "en->gl (en-gl)" in message


@pytest.mark.anyio
async def test_batch_translation_is_aligned_and_real() -> None:
    provider = ApertiumProvider()
    batch = [
        Segment("a", "The dog is big."),
        Segment("b", "Bastrykin said on May 20."),
        Segment("c", "Hello world."),
    ]
    out = await provider.translate(batch, LangPair("en", "es"))
    # Alignment: the batch gives what each segment gives when translated alone.
    alone = [(await provider.translate([seg], LangPair("en", "es")))[0].text for seg in batch]
    assert [t.text for t in out] == alone
    assert out[0].text == "El perro es grande."
    assert all(t.text != seg.text for t, seg in zip(out, batch, strict=True))
    assert out[0].engine is not None and "eng-spa" in out[0].engine
    assert out[1].usage.characters == len("Bastrykin said on May 20.")


@pytest.mark.anyio
async def test_unknown_word_marks_follow_the_option() -> None:
    text = [Segment("a", "The zorblax is here.")]
    plain = await ApertiumProvider().translate(text, LangPair("en", "es"))
    marked = await ApertiumProvider(ApertiumOptions(mark_unknown=True)).translate(
        text, LangPair("en", "es")
    )
    assert "*" not in plain[0].text and "*zorblax" in marked[0].text


def _harness(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HARNESS_")}
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_apertium_run_writes_88_translated_segment_lines(tmp_path: Path) -> None:
    result = _harness("run", "--provider", "apertium", "--runs-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    path = only_run_file(tmp_path)
    assert f"apertium: wrote {path}" in result.stdout
    assert "restored / spun" not in result.stdout  # one provider: no comparison
    records = read_jsonl(path)
    header, footer = records[0], records[-1]
    segments = [r for r in records if r["type"] == "segment"]
    assert header["type"] == "header" and footer["type"] == "footer"
    assert header["provider"]["name"] == "apertium" and header["targets"] == SEED_LANGS
    assert len(segments) == 2 * 4 * 11 == 88
    assert all(r["output"] and r["error"] is None for r in segments)
    assert {(r["variant"], r["target_lang"]) for r in segments} == {
        (v, t) for v in ("spun", "restored") for t in SEED_LANGS
    }
    assert footer["counts"] == {"segments": 88, "ok": 88, "errors": 0}
    by_id = {r["id"]: r for r in segments}
    restored = by_id["ki-2025-05-20-naturalized-migrants/p06/restored/es"]["output"]
    assert "Wall Street Journal" in restored


def test_unsupported_language_fails_before_any_run_file(tmp_path: Path) -> None:
    result = _harness("run", "--provider", "apertium", "--to", "es,fr", "--runs-dir", str(tmp_path))
    assert result.returncode == 2
    assert "no installed pair en->fr" in result.stderr and "en->es (eng-spa)" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not list(tmp_path.glob("*.jsonl"))


def test_unknown_provider_gets_suggestions(tmp_path: Path) -> None:
    result = _harness("run", "--provider", "apertum", "--runs-dir", str(tmp_path))
    assert result.returncode == 2
    assert "unknown provider 'apertum'. Did you mean: apertium" in result.stderr


def test_broken_config_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "harness.toml").write_text("[providers.a]\nadapter = \n", encoding="utf-8")
    (tmp_path / "references").symlink_to(REPO / "references")
    result = _harness("run", cwd=tmp_path)
    assert result.returncode == 2
    assert "harness.toml: not valid TOML" in result.stderr and "line 2" in result.stderr


def test_missing_article_is_named(tmp_path: Path) -> None:
    result = _harness("run", "--article", "no-such-article", "--runs-dir", str(tmp_path))
    assert result.returncode == 2
    assert "no reference article 'no-such-article'" in result.stderr


ENGINE_WRAPPER = """#!{python}
# Records each engine call's session, then behaves as apertium. "-l" answers only once the
# test, running on the harness's event loop, has written "go": an engine call that blocked
# the loop would wait here in vain.
import os, pathlib, shutil, sys, time
folder = pathlib.Path({folder!r})
(folder / f"sid-{{os.getpid()}}").write_text(str(os.getsid(0)))
if sys.argv[1:] == ["-l"]:
    deadline = time.monotonic() + 20
    while not (folder / "go").exists():
        if time.monotonic() > deadline:
            sys.exit("no go")
        time.sleep(0.01)
real = shutil.which("apertium")
os.execv(real, [real, *sys.argv[1:]])
"""


@pytest.mark.anyio
async def test_engine_runs_off_the_event_loop_in_a_session_of_its_own(tmp_path: Path) -> None:
    import anyio

    wrapper = tmp_path / "apertium-wrapper"
    wrapper.write_text(
        ENGINE_WRAPPER.format(python=sys.executable, folder=str(tmp_path)), encoding="utf-8"
    )
    wrapper.chmod(0o755)
    provider = ApertiumProvider(ApertiumOptions(binary=str(wrapper)))

    async def say_go() -> None:
        (tmp_path / "go").write_text("go", encoding="utf-8")

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(provider.prepare)  # runs first, up to its first await
        tasks.start_soon(say_go)
    assert "eng-spa" in provider.installed_modes
    assert provider.engine_version != "unknown"
    out = await provider.translate([Segment("a", "The dog is big.")], LangPair("en", "es"))
    assert out[0].text == "El perro es grande."
    sessions = [int(p.read_text()) for p in tmp_path.glob("sid-*")]
    assert len(sessions) == 3  # -l, -V and one translation
    # Ctrl-C goes to the terminal's foreground process group: the engine is never in it.
    assert os.getsid(0) not in sessions

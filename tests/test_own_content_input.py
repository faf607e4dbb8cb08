"""Reading your own content: ids, articles and references per format, and bad input
refused with one line and exit 2 before anything is sent."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cli import main
from harness.cli.run_cmd import run
from harness.inputs.content import InputSpec, load_input, rebuild_input
from harness.inputs.reading import InputError
from tests.helpers import REPO


def _write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_txt_segments_are_its_non_empty_lines(tmp_path: Path) -> None:
    path = _write(tmp_path / "news.txt", "Title\n\n  First paragraph.  \r\nSecond one.\n")
    loaded = load_input(InputSpec(path))
    (article,) = loaded.articles
    assert article.id == "news" and article.variants == ("original",)
    assert [(s.id, s.line, s.text("original")) for s in article.segments] == [
        ("p01", 1, "Title"),
        ("p02", 3, "First paragraph."),
        ("p03", 4, "Second one."),
    ]
    assert loaded.entry()["format"] == "txt" and loaded.gold == {}


def test_jsonl_groups_articles_and_keeps_languages_and_references(tmp_path: Path) -> None:
    lines = [
        {
            "id": "a1",
            "source": "Hallo Welt.",
            "source_lang": "de",
            "article": "de-news",
            "references": {"en": "Hello world."},
        },
        {"id": 7, "source": "Good morning.", "references": {"fr": "Bonjour."}},
    ]
    path = _write(tmp_path / "set.jsonl", "\n".join(json.dumps(x) for x in lines) + "\n")
    loaded = load_input(InputSpec(path, source_lang="en"))
    assert [(a.id, a.language) for a in loaded.articles] == [("de-news", "de"), ("set", "en")]
    assert loaded.gold == {
        "de-news": {"en": {"a1": "Hello world."}},
        "set": {"fr": {"7": "Bonjour."}},
    }


def test_tsv_columns_are_reference_languages(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "set.tsv", "id\tsource\tes\tca\nx1\tOne.\tUno.\t\nx2\tTwo.\tDos.\tDos.\n"
    )
    loaded = load_input(InputSpec(path, article_id="numbers"))
    assert loaded.articles[0].id == "numbers"
    assert loaded.gold == {"numbers": {"es": {"x1": "Uno.", "x2": "Dos."}, "ca": {"x2": "Dos."}}}


def test_reference_files_are_line_aligned_and_digested(tmp_path: Path) -> None:
    source = _write(tmp_path / "test.en.txt", "One.\nTwo.\n")
    ref = _write(tmp_path / "test.de.txt", "Eins.\nZwei.\n")
    loaded = load_input(InputSpec(source, {"de": ref}))
    assert loaded.gold == {"test.en": {"de": {"p01": "Eins.", "p02": "Zwei."}}}
    entry = loaded.entry()
    assert entry["references"]["de"]["path"] == str(ref)
    assert rebuild_input(entry).gold == loaded.gold
    _write(ref, "Eins.\nZwo.\n")
    with pytest.raises(InputError, match=r"reference .*test\.de\.txt \(de\) changed"):
        rebuild_input(entry)


BAD = [
    ("empty.txt", b"", [], "the file is empty"),
    ("blank.txt", b"\n  \n", [], "the file is empty"),
    ("binary.txt", b"PK\x03\x04\x00\x00binary", [], "a binary file"),
    ("latin1.txt", "Caf\u00e9 au lait\n".encode("latin-1"), [], "not UTF-8"),
    ("notes.docx", b"text", [], "unknown input format '.docx'"),
    (
        "ragged.tsv",
        b"id\tsource\tde\nx1\tOne.\tEins.\nx2\tTwo.\n",
        [],
        "ragged.tsv:3: a ragged row: 2 cells where the header has 3 columns",
    ),
    ("header.tsv", b"key\ttext\nx1\tOne.\n", [], "must start with the columns id and source"),
    (
        "noid.jsonl",
        b'{"id": "a", "source": "One."}\n{"source": "Two."}\n',
        [],
        "noid.jsonl:2: 'id' is missing",
    ),
    (
        "nosource.jsonl",
        b'{"id": "a", "text": "One."}\n',
        [],
        "nosource.jsonl:1: 'source' is missing",
    ),
    (
        "twice.jsonl",
        b'{"id": "a", "source": "One."}\n\n{"id": "a", "source": "Two."}\n',
        [],
        "twice.jsonl:3: id 'a' appears twice (first on line 1)",
    ),
    (
        "broken.jsonl",
        b'{"id": "a", "source": "One."}\n{"id": "b", \n',
        [],
        "broken.jsonl:2: not valid JSON",
    ),
    (
        "mixed.jsonl",
        b'{"id": "a", "source": "One."}\n{"id": "b", "source": "Zwei.", "source_lang": "de"}\n',
        [],
        "mixed.jsonl:2: source_lang 'de' differs",
    ),
    (
        "short.txt",
        b"One.\nTwo.\nThree.\n",
        ["--reference", "de=ref.txt"],
        "reference ref.txt has 2 lines but input short.txt has 3 segments",
    ),
    (
        "refd.jsonl",
        b'{"id": "a", "source": "One."}\n',
        ["--reference", "de=ref.txt"],
        "--reference goes with a .txt input",
    ),
    ("ok.txt", b"One.\n", ["--reference", "de"], "expected LANG=FILE"),
    ("ok.txt", b"One.\n", ["--input", "other.txt", "--article-id", "x"], "apply to one --input"),
    ("ok.txt", b"One.\n", ["--variant", "spun"], "--input files have one version"),
    ("missing.txt", None, [], "missing.txt: no such file"),
]


@pytest.mark.parametrize(
    ("name", "content", "extra", "message"), BAD, ids=[f"{b[0]}-{b[3][:20]}" for b in BAD]
)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    content: bytes | None,
    extra: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    if content is not None:
        _write(tmp_path / name, content)
    _write(tmp_path / "ref.txt", "Eins.\nZwei.\n")
    _write(tmp_path / "other.txt", "Other.\n")
    runs = tmp_path / "runs"
    result = CliRunner().invoke(
        main, ["run", "-p", "echo", "--to", "de", "--input", name, *extra, "--runs-dir", str(runs)]
    )
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("harness: error: "), result.output
    assert message in lines[0]
    assert not runs.exists()  # nothing was written


def test_readme_shows_one_example_per_format_with_real_flags() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Your own content", 1)[1].split("\n## ", 1)[0]
    commands = [
        c.replace("\\\n", " ")
        for c in re.findall(r"^harness run (?:.*\\\n)*.*$", section, flags=re.M)
    ]
    inputs = {c.split("--input ", 1)[1].split()[0].rsplit(".", 1)[1] for c in commands}
    assert inputs == {"txt", "jsonl", "tsv"}
    assert any("--reference" in c for c in commands)
    flags = {opt for param in run.params for opt in param.opts}
    for command in commands:
        for token in command.split():
            if token.startswith("-"):
                assert token in flags, f"README uses {token}, which harness run lacks"

"""Third-party plugins, installed for real and used through the command line.

How the plugin gets installed, offline: the test packs the example distribution in
``tests/plugin_example`` (its module, and metadata taken from its own
``pyproject.toml``: name, version, ``harness.providers`` entry points) into a wheel
with :mod:`zipfile`, then lets pip install that wheel into a temporary directory
(``pip install --no-index --no-deps --target``). The result is exactly what
``pip install harness-yandex`` leaves in site-packages: the module next to a
``.dist-info`` directory whose ``entry_points.txt`` names the provider. Putting
that directory on ``PYTHONPATH`` of a ``python -m harness`` subprocess is how an
installed distribution becomes visible: :mod:`importlib.metadata` scans every
``sys.path`` entry for ``.dist-info``. Only the build step differs from a real
release (building with the project's backend would have to fetch it from the
network); the wheel format and the installation are the standard ones.

A second, deliberately broken plugin (its module imports an SDK that is not
installed) must be listed as broken with the reason, never skipped.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.chat_recording import fake_translation
from tests.fakes.loopback import serve
from tests.fakes.yandex_server import FakeYandex
from tests.helpers import REPO, read_jsonl

EXAMPLE = REPO / "tests" / "plugin_example"
KEY = "yandex-test-key-0123456789"
BROKEN_MODULE = "import nonexistent_translation_sdk  # not installed anywhere\n"


def _hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def build_wheel(
    directory: Path,
    name: str,
    version: str,
    entry_points: dict[str, str],
    modules: dict[str, str],
) -> Path:
    """A pure-Python wheel (PEP 427) holding ``modules`` and the entry points."""
    dist = name.replace("-", "_")
    info = f"{dist}-{version}.dist-info"
    group = "\n".join(f"{key} = {value}" for key, value in entry_points.items())
    files = {
        **{f"{module}.py": text for module, text in modules.items()},
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: harness-tests\n"
        "Root-Is-Purelib: true\nTag: py3-none-any\n",
        f"{info}/entry_points.txt": f"[harness.providers]\n{group}\n",
    }
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    for path, text in files.items():
        data = text.encode()
        writer.writerow([path, _hash(data), len(data)])
    writer.writerow([f"{info}/RECORD", "", ""])
    files[f"{info}/RECORD"] = record.getvalue()
    wheel = directory / f"{dist}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return wheel


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory where pip installed the example plugin and a broken one."""
    build = tmp_path_factory.mktemp("wheels")
    project = tomllib.loads((EXAMPLE / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wheels = [
        build_wheel(
            build,
            project["name"],
            project["version"],
            project["entry-points"]["harness.providers"],
            {"harness_yandex": (EXAMPLE / "harness_yandex.py").read_text("utf-8")},
        ),
        build_wheel(
            build,
            "harness-broken",
            "0.0.1",
            {"broken": "harness_broken:Provider"},
            {"harness_broken": BROKEN_MODULE},
        ),
    ]
    target = tmp_path_factory.mktemp("site-packages")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-index",
            "--no-deps",
            "--disable-pip-version-check",
            "--target",
            str(target),
            *map(str, wheels),
        ],
        check=True,
        capture_output=True,
    )
    return target


def harness(
    site: Path,
    *args: str,
    cwd: Path,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("YANDEX_")}
    environment.update(env or {})
    environment["PYTHONPATH"] = os.pathsep.join(
        [str(site), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.fixture
def fake() -> Iterator[tuple[FakeYandex, str]]:
    server = FakeYandex(KEY)
    with serve(server.app) as url:
        yield server, url


def test_pip_installed_the_plugin_as_a_distribution(site: Path) -> None:
    entry_points = (site / "harness_yandex-0.1.0.dist-info" / "entry_points.txt").read_text()
    assert "yandex = harness_yandex:YandexProvider" in entry_points
    assert (site / "harness_yandex.py").read_text() == (EXAMPLE / "harness_yandex.py").read_text()


def test_installed_plugin_is_listed_and_broken_one_says_why(site: Path, tmp_path: Path) -> None:
    result = harness(site, "providers", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line for line in result.stdout.splitlines()[1:] if line.strip()}
    assert "harness-yandex" in rows["yandex"] and "YANDEX_API_KEY: unset" in rows["yandex"]
    assert rows["yandex"].rstrip().endswith("ok")
    assert "broken:" in rows["broken"] and "nonexistent_translation_sdk" in rows["broken"]
    assert rows["openai"].rstrip().endswith("ok")  # first-party adapters still there


def test_plugin_runs_through_harness_run(
    site: Path, tmp_path: Path, fake: tuple[FakeYandex, str]
) -> None:
    server, url = fake
    runs = tmp_path / "runs"
    result = harness(
        site,
        "run",
        "--provider",
        "yandex",
        "-o",
        f"base_url={url}",
        "--to",
        "de",
        "--variant",
        "restored",
        "--runs-dir",
        str(runs),
        cwd=tmp_path,
        env={"YANDEX_API_KEY": KEY},
    )
    assert result.returncode == 0, result.stderr
    (run_file,) = runs.glob("*.jsonl")
    lines = read_jsonl(run_file)
    header, segments = lines[0], [line for line in lines if line["type"] == "segment"]
    assert header["provider"]["adapter"] == "yandex"
    assert KEY not in run_file.read_text(encoding="utf-8")
    assert segments and all(s["error"] is None for s in segments)
    assert all(s["output"] == fake_translation(s["source"]) for s in segments)
    sent = server.recorder.requests
    assert sent and all(r.headers["authorization"] == f"Api-Key {KEY}" for r in sent)
    assert {r.body["targetLanguageCode"] for r in sent} == {"de"}
    assert sum(len(r.body["texts"]) for r in sent) == len(segments)


def test_plugin_without_its_key_fails_before_any_request(
    site: Path, tmp_path: Path, fake: tuple[FakeYandex, str]
) -> None:
    server, url = fake
    result = harness(
        site,
        "run",
        "--provider",
        "yandex",
        "-o",
        f"base_url={url}",
        "--to",
        "de",
        "--runs-dir",
        str(tmp_path / "runs"),
        cwd=tmp_path,
    )
    assert result.returncode == 2 and "YANDEX_API_KEY" in result.stderr
    assert not server.recorder.requests


def test_broken_plugin_cannot_run_and_says_why(site: Path, tmp_path: Path) -> None:
    result = harness(site, "run", "--provider", "broken", "--to", "de", cwd=tmp_path)
    assert result.returncode == 2
    assert "failed to import" in result.stderr and "nonexistent_translation_sdk" in result.stderr


def test_misspelt_plugin_name_gets_a_suggestion(site: Path, tmp_path: Path) -> None:
    result = harness(site, "run", "--provider", "yandx", "--to", "de", cwd=tmp_path)
    assert result.returncode == 2 and "Did you mean: yandex" in result.stderr


def test_show_describes_the_plugin_without_the_key(site: Path, tmp_path: Path) -> None:
    result = harness(site, "providers", "show", "yandex", cwd=tmp_path, env={"YANDEX_API_KEY": KEY})
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "harness-yandex 0.1.0" in out
    assert "folder_id (str | None, default None): Cloud folder" in out
    assert "50 segment(s), 10000 characters" in out
    assert "YANDEX_API_KEY: required, set" in out and KEY not in out
    assert json.dumps(KEY) not in result.stderr

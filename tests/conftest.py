"""Shared pytest configuration: async tests run on asyncio through anyio's plugin."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.run.cache import CACHE_DIR_ENV


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def private_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Every test gets its own translation cache, never the user's."""
    folder = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv(CACHE_DIR_ENV, str(folder))
    return folder


@pytest.fixture(scope="session")
def bergamot_seed_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed article through the real Bergamot engine, once per session: its run file."""
    from tests.helpers import BERGAMOT_MISSING, BERGAMOT_SKIP_REASON, harness_cli, only_run_file

    if BERGAMOT_MISSING:
        pytest.skip(BERGAMOT_SKIP_REASON)
    runs = tmp_path_factory.mktemp("bergamot-runs")
    result = harness_cli("run", "--provider", "bergamot", "--to", "pt", "--runs-dir", str(runs))
    assert result.returncode == 0, result.stderr
    return only_run_file(runs)

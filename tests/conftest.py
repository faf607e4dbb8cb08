"""Shared pytest configuration: async tests run on asyncio through anyio's plugin."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.run.cache import CACHE_DIR_ENV


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory,
                  monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own translation cache, never the user's."""
    folder = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv(CACHE_DIR_ENV, str(folder))
    return folder

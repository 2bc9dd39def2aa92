"""Fixtures for the core's tests: a loopback OpenAI-compatible server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from llm_server import FakeLLM, serve_fake_llm

from seabot.storage import SqliteStore


@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    with serve_fake_llm() as fake:
        yield fake


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    """A real SQLite store in the test's temp folder."""
    s = SqliteStore(tmp_path / "seabot.db")
    yield s
    s.close()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    """One pooled HTTP client, as the runtime owns one per process."""
    async with httpx.AsyncClient() as client:
        yield client

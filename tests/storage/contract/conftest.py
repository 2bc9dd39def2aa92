"""Both engines for the contract suite: a SQLite file, and a real PostgreSQL started by the tests
(``tests/postgres.py``: skipped when it cannot start, a failure in CI)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from seabot.core.storage import Storage
from tests.postgres import pg_server, pg_url  # noqa: F401  (fixtures)

ENGINES = ("sqlite", "postgresql")


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def location(engine: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where the engine's data lives: a SQLite file path or a PostgreSQL URL."""
    if engine == "sqlite":
        return str(tmp_path / "seabot.db")
    return str(request.getfixturevalue("pg_url"))


async def open_engine(engine: str, location: str) -> Storage:
    if engine == "sqlite":
        from seabot.storage.sqlite_async import SqliteStorage

        return await SqliteStorage.open(location)
    from seabot.storage.postgres import PostgresStorage

    return await PostgresStorage.open(location)


@pytest.fixture
async def storage(engine: str, location: str) -> AsyncIterator[Storage]:
    opened = await open_engine(engine, location)
    try:
        yield opened
    finally:
        await opened.close()

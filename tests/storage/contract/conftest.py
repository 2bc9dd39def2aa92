"""Both engines for the contract suite: a SQLite file, and a real PostgreSQL started by the tests.

PostgreSQL comes from the ``pgserver`` wheel (a real server binary, data dir in a temp dir of
its own, Unix socket only), started once per session; every test gets a database of its own.
When it cannot start, the PostgreSQL half is skipped with the reason, except in CI
(``CI=true``), where that is a failure: the suite must not pass there without its second engine.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from seabot.core.storage import Storage

ENGINES = ("sqlite", "postgresql")


class PgServer:
    def __init__(self, server: Any) -> None:
        self._server = server

    def url(self, database: str = "postgres") -> str:
        return str(self._server.get_uri(database=database))

    def psql(self, sql: str) -> str:
        return str(self._server.psql(sql))

    def create_database(self) -> tuple[str, str]:
        name = f"t_{uuid.uuid4().hex[:12]}"
        self.psql(f"CREATE DATABASE {name};")
        return name, self.url(name)

    def drop_database(self, name: str) -> None:
        self.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE);")


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"PostgreSQL is required in CI (CI=true) but could not start: {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL could not be started here: {reason}")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    # A directory of its own rather than pytest's numbered temp dirs, which other pytest sessions
    # on the machine prune: the server's data dir must outlive every test of this session.
    root = Path(tempfile.mkdtemp(prefix="seabot-pg-"))
    runtime = root / "run"
    runtime.mkdir(mode=0o700)
    # platformdirs warns (an error under -W error) when XDG_RUNTIME_DIR is unset, and pgserver
    # keeps its inter-process lock there: give it one of the session's own while it is imported.
    saved = os.environ.get("XDG_RUNTIME_DIR")
    os.environ["XDG_RUNTIME_DIR"] = str(runtime)
    try:
        import pgserver

        server = pgserver.get_server(root / "data", cleanup_mode="stop")
    except Exception as exc:  # no wheel for this platform, cannot initdb, cannot start
        _unavailable(f"{type(exc).__name__}: {exc}")
        raise  # not reached: skip/fail raise
    finally:
        if saved is None:
            os.environ.pop("XDG_RUNTIME_DIR", None)
        else:
            os.environ["XDG_RUNTIME_DIR"] = saved
    try:
        yield PgServer(server)
    finally:
        server.cleanup()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server: PgServer) -> Iterator[str]:
    """An empty database of the test's own."""
    name, url = pg_server.create_database()
    try:
        yield url
    finally:
        pg_server.drop_database(name)


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

"""A real PostgreSQL for the tests, from the ``pgserver`` wheel (no mock, no SQLite pretending).

The server binary starts once per session with its data dir in a temp dir of its own and listens
on a Unix socket only; every test that asks for ``pg_url`` gets an empty database of its own.
When it cannot start the test is skipped with the reason, except in CI (``CI=true``), where that
is a failure: a suite must not pass there without its second engine. Import the fixtures into
a conftest (or a test module) that needs them.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

__all__ = ["PgServer", "pg_server", "pg_url"]


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

    def role_with_password(self, role: str, password: str) -> str:
        """A login role that must give its password (the server trusts everyone else): its URL
        without the password, for a test to add the right or a wrong one."""
        self.psql(f"DROP ROLE IF EXISTS {role}; CREATE ROLE {role} LOGIN PASSWORD '{password}';")
        hba = Path(self._server.pgdata) / "pg_hba.conf"
        line = f"local all {role} scram-sha-256\n"
        if line not in hba.read_text():
            hba.write_text(line + hba.read_text())
            self.psql("SELECT pg_reload_conf();")
        return self.url().replace("postgres:@", f"{role}@", 1)

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
        from pgserver.postgres_server import get_server

        server = get_server(root / "data", cleanup_mode="stop")
    except Exception as exc:  # no wheel for this platform, cannot initdb, cannot start
        shutil.rmtree(root, ignore_errors=True)
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
        # pgserver logs again from its atexit hook, after pytest has closed the streams it captured:
        # the server is stopped by now, so those lines would only be "I/O on closed file" noise.
        logging.getLogger("pgserver").disabled = True


@pytest.fixture
def pg_url(pg_server: PgServer) -> Iterator[str]:
    """An empty database of the test's own."""
    name, url = pg_server.create_database()
    try:
        yield url
    finally:
        pg_server.drop_database(name)

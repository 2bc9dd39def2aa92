"""Both engines keep the same tables and columns, so `seabot migrate --to` copies every row.

A table or column added to the SQLite schema (``seabot.storage.schema``) needs a PostgreSQL
migration (``seabot.storage.postgres.schema``) too: this test names the one that is missing.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest

from seabot.storage.postgres import DATA_TABLES, PostgresStorage
from seabot.storage.sqlite_migrations import migrate

pytestmark = pytest.mark.anyio

_NOT_DATA = {"schema_migrations", "inbox_leases"}  # versions of each engine; leases expire


async def test_the_engines_have_the_same_tables_and_columns(tmp_path: Path, pg_url: str) -> None:
    path = tmp_path / "seabot.db"
    migrate(path)
    conn = sqlite3.connect(path)
    try:
        sqlite = {
            table: {row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')}
            for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if table not in _NOT_DATA
        }
    finally:
        conn.close()
    await (await PostgresStorage.open(pg_url)).close()
    async with await psycopg.AsyncConnection.connect(pg_url) as pg:
        cur = await pg.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()"
        )
        postgres: dict[str, set[str]] = {}
        for table, column in await cur.fetchall():
            if table not in _NOT_DATA:
                postgres.setdefault(table, set()).add(column)
    assert set(DATA_TABLES) == set(sqlite), "seabot migrate --to must copy every table of the file"
    for table, columns in sqlite.items():
        assert columns == postgres.get(table), f"{table}: the engines' columns differ"

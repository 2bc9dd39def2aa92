"""Moving up: copy everything in a SQLite file into an empty PostgreSQL database.

The file is read in one read transaction (a consistent snapshot) while holding its answering
lock, so no ``serve`` or ``poll`` is answering from it meanwhile; the database is written in
one transaction, all or nothing. Rows keep their ids; the identity sequences continue after them.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from seabot.core.errors import StorageError
from seabot.core.storage.errors import TargetNotEmpty, redact_url
from seabot.storage.lock import answering_lock
from seabot.storage.postgres import DATA_TABLES, connect
from seabot.storage.postgres import migrate as migrate_postgres
from seabot.storage.postgres._base import translate
from seabot.storage.sqlite_migrations import migrate as migrate_sqlite

__all__ = ["CopyReport", "copy_sqlite_to_postgres"]

_OWN_TABLES = {*DATA_TABLES, "inbox_leases", "schema_migrations"}


@dataclass(frozen=True, slots=True)
class CopyReport:
    source: str
    target: str  # password masked
    rows: dict[str, int]  # table -> rows copied, in copying order

    @property
    def total(self) -> int:
        return sum(self.rows.values())


async def copy_sqlite_to_postgres(path: str | Path, url: str) -> CopyReport:
    path = Path(path)
    where = redact_url(url)
    if not path.exists():
        raise StorageError(f"database {path} does not exist: there is nothing to copy")
    with answering_lock(path):
        migrate_sqlite(path)  # the file's columns as this seabot knows them
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
        target = await connect(url, autocommit=True)
        try:
            await _refuse_foreign_tables(target, where)
            await migrate_postgres(target, where)
            await _refuse_rows(target, where)
            source.execute("BEGIN")  # one snapshot of the whole file
            rows: dict[str, int] = {}
            async with target.transaction():
                for table in DATA_TABLES:
                    rows[table] = await _copy_table(source, target, table)
            source.execute("COMMIT")
        except psycopg.Error as exc:
            raise translate(exc, where) from exc
        except sqlite3.Error as exc:
            raise StorageError(f"database {path} cannot be read: {exc}") from exc
        finally:
            source.close()
            await target.close()
    return CopyReport(str(path), where, rows)


async def _refuse_foreign_tables(conn: psycopg.AsyncConnection, where: str) -> None:
    cur = await conn.execute(
        "SELECT table_name FROM information_schema.tables"
        " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1"
    )
    foreign = [name for (name,) in await cur.fetchall() if name not in _OWN_TABLES]
    if foreign:
        raise TargetNotEmpty(
            f"the target database {where} is not empty (it has tables {', '.join(foreign[:5])}"
            f"{' …' if len(foreign) > 5 else ''}); copy into an empty database"
        )


async def _refuse_rows(conn: psycopg.AsyncConnection, where: str) -> None:
    for table in DATA_TABLES:
        cur = await conn.execute(sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(sql.Identifier(table)))
        row = await cur.fetchone()
        if row and row[0]:
            raise TargetNotEmpty(
                f"the target database {where} is not empty ({table} has rows); copy into an empty database"
            )


async def _copy_table(source: sqlite3.Connection, target: psycopg.AsyncConnection, table: str) -> int:
    cur = await target.execute(
        "SELECT column_name, is_identity FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position",
        (table,),
    )
    target_columns = await cur.fetchall()
    have = [row[1] for row in source.execute(f'PRAGMA table_info("{table}")')]
    missing = [name for name in have if name not in {column for column, _identity in target_columns}]
    if missing:  # never drop data silently: the PostgreSQL schema must grow with the file's
        raise StorageError(
            f"the PostgreSQL schema has no column {table}.{missing[0]} that the file has; nothing was copied"
        )
    columns = [name for name, _identity in target_columns if name in have]
    quoted = ", ".join(f'"{name}"' for name in columns)
    count = 0
    copy_sql = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(name) for name in columns)
    )
    async with target.cursor().copy(copy_sql) as copy:
        for row in source.execute(f'SELECT {quoted} FROM "{table}" ORDER BY rowid'):
            await copy.write_row(row)
            count += 1
    for name, identity in target_columns:
        if identity == "YES":
            await target.execute(
                sql.SQL("SELECT setval(pg_get_serial_sequence({t}, {c}), GREATEST(COALESCE(MAX({col}), 0), 1),"
                        " MAX({col}) IS NOT NULL) FROM {table}").format(
                    t=sql.Literal(table), c=sql.Literal(name), col=sql.Identifier(name), table=sql.Identifier(table)
                )
            )  # fmt: skip
    return count

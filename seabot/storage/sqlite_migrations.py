"""Schema migrations of the SQLite file: a version table, ordered steps, one writer at a time.

Migration 1 is the schema of the release before this seam, exactly as
``seabot.storage.schema.create_schema`` builds it (that function stays the one definition):
its tables, columns and indexes are built in a scratch in-memory database and whatever the
file lacks is added to it, inside one ``BEGIN IMMEDIATE`` transaction, so two processes opening
a new or older file together cannot race (the second waits, then finds the work done). A file
written by today's code already has everything; migration 1 only records the version there.
``create_schema`` itself cannot run inside that transaction: sqlite-utils commits after each
statement and the spend backfill opens a transaction of its own.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from seabot.core.storage.errors import SchemaOutdated, SchemaTooNew, StoreBusy
from seabot.core.storage.interfaces import SchemaInfo
from seabot.storage.schema import create_schema

__all__ = ["Migration", "MIGRATIONS", "migrate", "schema_version"]

_VERSIONS = "schema_migrations"
_SPEND_COUNTED = "schema.spend_counters"  # the marker today's create_schema keeps in ``settings``


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    apply: Callable[[sqlite3.Connection], None]  # runs inside the migrating transaction


@dataclass(frozen=True, slots=True)
class _Target:
    """What ``create_schema`` builds: tables (with their columns) and indexes, in creation order."""

    tables: list[tuple[str, str]]  # name, CREATE statement
    columns: dict[str, list[tuple[str, str, int, str | None]]]  # table -> (name, type, not null, default)
    indexes: list[tuple[str, str]]


def _target() -> _Target:
    scratch = sqlite3.connect(":memory:", isolation_level=None)
    try:
        create_schema(sqlite_utils.Database(scratch))
        tables = scratch.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid"
        ).fetchall()
        columns = {
            name: [(row[1], row[2], row[3], row[4]) for row in scratch.execute(f'PRAGMA table_info("{name}")')]
            for name, _sql in tables
        }
        indexes = scratch.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY rowid"
        ).fetchall()
        return _Target(tables, columns, indexes)
    finally:
        scratch.close()


def _lacking(conn: sqlite3.Connection, target: _Target) -> bool:
    """Whether the file lacks a table, column or index of ``target`` (or the spend backfill)."""
    names = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
    if any(name not in names for name, _sql in (*target.tables, *target.indexes)):
        return True
    for table, columns in target.columns.items():
        have = {row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')}
        if any(column[0] not in have for column in columns):
            return True
    return conn.execute("SELECT 1 FROM settings WHERE key = ?", (_SPEND_COUNTED,)).fetchone() is None


def _baseline(conn: sqlite3.Connection, target: _Target | None = None) -> None:
    target = target if target is not None else _target()
    present = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    new_file = "messages" not in present
    for name, sql in target.tables:
        if name not in present:
            conn.execute(sql)
            continue
        have = {row[1] for row in conn.execute(f'PRAGMA table_info("{name}")')}
        for column, kind, not_null, default in target.columns[name]:
            if column not in have:
                extra = f" NOT NULL DEFAULT {default}" if not_null else (f" DEFAULT {default}" if default else "")
                conn.execute(f'ALTER TABLE "{name}" ADD COLUMN "{column}" {kind}{extra}')
    have_indexes = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    for name, sql in target.indexes:
        if name not in have_indexes:
            conn.execute(sql)
    if conn.execute("SELECT 1 FROM settings WHERE key = ?", (_SPEND_COUNTED,)).fetchone() is None:
        if not new_file:
            # the same backfill as create_schema's: a file from before the daily spend counters
            conn.execute(
                "INSERT INTO counters (name, value) SELECT"
                " 'spend_usd:' || bot_id || ':' || strftime('%Y-%m-%d', created_at, 'unixepoch'), TOTAL(cost_usd)"
                " FROM messages WHERE role = 'bot' AND cost_usd > 0 GROUP BY 1 HAVING TRUE"
                " ON CONFLICT (name) DO UPDATE SET value = excluded.value"
            )
        conn.execute("INSERT INTO settings (key, value) VALUES (?, '1')", (_SPEND_COUNTED,))


MIGRATIONS: tuple[Migration, ...] = (Migration(1, "baseline: the tables of the single-store release", _baseline),)


def schema_version(conn: sqlite3.Connection) -> int:
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (_VERSIONS,)).fetchone() is None:
        return 0
    row = conn.execute(f"SELECT MAX(version) FROM {_VERSIONS}").fetchone()
    return int(row[0] or 0)


def migrate(
    path: str | Path,
    *,
    apply: bool = True,
    migrations: Sequence[Migration] = MIGRATIONS,
    wait_s: float = 10.0,
) -> SchemaInfo:
    """Bring the file at ``path`` up to the newest migration (``apply=False``: only check it is).

    Runs at start, before the event loop's store is opened (it may wait ``wait_s`` for another
    process's migration): blocking here is fine, nothing is being answered yet."""
    latest = migrations[-1].version if migrations else 0
    conn = sqlite3.connect(str(path), timeout=wait_s, isolation_level=None)
    try:
        current = schema_version(conn)
        if current > latest:
            raise SchemaTooNew(
                f"database {path} has schema version {current}, newer than this seabot knows ({latest}); upgrade seabot"
            )
        target = _target()
        # Until every table has moved to numbered migrations, create_schema may gain a table or
        # column in a release: a current file lacking one gets it under the same lock.
        lacking = current >= 1 and _lacking(conn, target)
        if current == latest and not lacking:
            return SchemaInfo("sqlite", current, ())
        if not apply:
            raise SchemaOutdated(f"database {path} has schema version {current} of {latest}; run `seabot migrate`")
        if str(path) != ":memory:":
            conn.execute("PRAGMA journal_mode = WAL")
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreBusy(f"database {path} stayed locked for {wait_s:g} s while migrating ({exc})") from exc
        applied: list[str] = []
        try:
            conn.execute(
                f"CREATE TABLE IF NOT EXISTS {_VERSIONS}"
                " (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at REAL NOT NULL)"
            )
            current = schema_version(conn)  # another process may have migrated while we waited
            if current >= 1 and _lacking(conn, target):
                _baseline(conn, target)
                applied.append("baseline: tables and columns added since")
            for step in migrations:
                if step.version > current:
                    step.apply(conn)
                    conn.execute(
                        f"INSERT INTO {_VERSIONS} (version, name, applied_at) VALUES (?, ?, ?)",
                        (step.version, step.name, time.time()),
                    )
                    applied.append(step.name)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return SchemaInfo("sqlite", latest, tuple(applied))
    finally:
        conn.close()

"""Schema migrations: today's SQLite files upgraded in place, replicas racing, versions refused."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from seabot.core.messages import ChatKind, InboundMessage, Role
from seabot.core.storage import SchemaOutdated, SchemaTooNew, Storage, keys
from seabot.core.store import CachedAnswer, Handoff, StoredMessage
from seabot.storage.sqlite import SqliteStore
from seabot.storage.sqlite_async import SqliteStorage
from seabot.storage.sqlite_migrations import MIGRATIONS, Migration, migrate
from tests.storage.contract.conftest import open_engine

pytestmark = pytest.mark.anyio

AT = 1_780_000_000.0


def todays_file(path: Path) -> None:
    """A file as the release before the seam writes it, through its own store."""
    store = SqliteStore(path)
    conv = store.conversation("b", "telegram", "u", ChatKind.PRIVATE)
    store.append(
        StoredMessage(
            conv.id, "b", "telegram", "u", "u", Role.CUSTOMER, "สวัสดี", lang="th", inbound_id="1", created_at=AT
        ),
        conversation_lang="th",
    )
    store.append(
        StoredMessage(
            conv.id, "b", "telegram", "u", "u", Role.BOT, "hello", inbound_id="1", cost_usd=0.2, created_at=AT
        )
    )
    store.enqueue(
        InboundMessage(bot_id="b", channel="telegram", message_id="9", user_id="u", chat_id="u", text="later")
    )
    store.put_setting("telegram_offset:b", "77")
    store.bump_counter(f"line_pushes:b:{keys.month_of(AT)}", 5)
    store.record_handoff(Handoff(conv.id, "b", "telegram", "u", "u", "th", ("angry",), created_at=AT))
    store.take_token("b\x1ftelegram\x1fu", 3, 1, AT)
    store.cache_answer(CachedAnswer("b", "th", "q", "a", None, None, AT, AT + 3600))
    store.close()


def rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    conn = sqlite3.connect(path)
    try:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'schema_migrations'"
            )
        ]
        return {table: sorted(conn.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr) for table in tables}
    finally:
        conn.close()


async def test_a_file_written_by_todays_code_is_upgraded_in_place_without_losing_a_row(tmp_path: Path) -> None:
    path = tmp_path / "seabot.db"
    todays_file(path)
    before = rows(path)
    storage = await SqliteStorage.open(path)
    try:
        assert storage.schema.version == MIGRATIONS[-1].version and storage.schema.applied
        assert [m.text for m in await storage.history("b", "u")] == ["สวัสดี", "hello"]
        assert await storage.poll_offset("b", "telegram") == 77
        assert [(p.bot_id, p.channel, p.pushes) for p in await storage.push_counts()] == [("b", "line", 5)]
        assert await storage.day_spend_usd("b", AT) == pytest.approx(0.2)
        assert [h.reasons for h in await storage.open_handoffs()] == [("angry",)]
        assert await storage.depth() == 1
    finally:
        await storage.close()
    assert rows(path) == before
    again = await SqliteStorage.open(path)
    assert again.schema.applied == ()  # current: nothing to do the second time
    await again.close()
    SqliteStore(path).close()  # today's code still opens the upgraded file


async def test_an_older_file_gets_what_it_lacks_and_its_spend_counted(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    todays_file(path)
    conn = sqlite3.connect(path)
    conn.execute("ALTER TABLE inbox DROP COLUMN in_response")
    conn.execute("DROP TABLE answer_cache")
    conn.execute("DROP INDEX idx_messages_spend")
    conn.execute("DELETE FROM settings WHERE key = 'schema.spend_counters'")
    conn.execute("DELETE FROM counters WHERE name LIKE 'spend_usd:%'")
    conn.commit()
    conn.close()
    storage = await SqliteStorage.open(path)
    try:
        assert await storage.day_spend_usd("b", AT) == pytest.approx(0.2)
        await storage.cache_answer(CachedAnswer("b", "th", "q", "a", None, None, AT, AT + 3600))
        assert await storage.cached_answer("b", "th", "q", AT + 1) is not None
        assert len(await storage.history("b", "u")) == 2
    finally:
        await storage.close()
    fresh = tmp_path / "fresh.db"
    SqliteStore(fresh).close()
    assert {k: len(v) for k, v in rows(fresh).items()}.keys() == rows(path).keys()


def test_migrations_apply_in_order_once_and_racing_openers_wait(tmp_path: Path) -> None:
    path = tmp_path / "race.db"
    results = []

    def opener() -> None:
        results.append(migrate(path))

    threads = [threading.Thread(target=opener) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(len(info.applied) for info in results) == [0, 0, 0, 1]
    seen = []

    def add_a_column(conn: sqlite3.Connection) -> None:
        seen.append(2)
        conn.execute("ALTER TABLE settings ADD COLUMN note TEXT")

    later = (*MIGRATIONS, Migration(2, "add a column", add_a_column))
    assert migrate(path, migrations=later).applied == ("add a column",)
    assert migrate(path, migrations=later).applied == () and seen == [2]


async def _set_version(engine: str, location: str, version: int) -> None:
    if engine == "sqlite":
        conn = sqlite3.connect(location)
        conn.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future', 0)", (version,))
        conn.commit()
        conn.close()
        return
    import psycopg

    async with await psycopg.AsyncConnection.connect(location, autocommit=True) as pg:
        await pg.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (%s, 'future', 0)", (version,)
        )


async def test_a_schema_from_a_newer_seabot_is_refused(engine: str, location: str) -> None:
    storage: Storage = await open_engine(engine, location)
    await storage.close()
    await _set_version(engine, location, 99)
    with pytest.raises(SchemaTooNew, match="newer than this seabot"):
        await open_engine(engine, location)


async def test_an_older_schema_is_refused_when_migrating_is_not_allowed(engine: str, location: str) -> None:
    if engine == "sqlite":
        todays_file(Path(location))
        with pytest.raises(SchemaOutdated, match="run `seabot migrate`"):
            await SqliteStorage.open(location, migrate_schema=False)
        return
    from seabot.storage.postgres import PostgresStorage

    with pytest.raises(SchemaOutdated, match="run `seabot migrate`"):
        await PostgresStorage.open(location, migrate_schema=False)


async def test_a_current_file_gets_a_table_the_release_added_to_the_baseline(tmp_path: Path) -> None:
    path = tmp_path / "seabot.db"
    todays_file(path)
    await (await SqliteStorage.open(path)).close()
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE request_nonces")  # as if migrated by a release before the table existed
    conn.commit()
    conn.close()
    info = migrate(path)
    assert info.applied == ("baseline: tables and columns added since",)
    assert migrate(path).applied == ()
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT COUNT(*) FROM request_nonces").fetchone() == (0,)
    conn.close()

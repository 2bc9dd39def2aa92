"""The console's SQLite store with the clock given: failed logins lock an account for a
while, an idle session ends, an outbox item whose attempt died is tried again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from seabot.core.console_store import Account, AccountRole, OutboxState, Session
from seabot.storage.console_sqlite import CONSOLE_TABLES, SqliteConsoleStore

pytestmark = pytest.mark.anyio


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteConsoleStore]:
    opened = await SqliteConsoleStore.open(tmp_path / "seabot.db")
    yield opened
    await opened.close()


async def _agent(store: SqliteConsoleStore) -> Account:
    return await store.add_account("ann@shop.test", AccountRole.AGENT, ("shop",), "$argon2id$x", now=1000.0)


async def test_the_fifth_failure_in_a_row_locks_for_the_lock_time(store: SqliteConsoleStore) -> None:
    account = await _agent(store)
    for n in range(1, 5):
        noted = await store.note_failed_login(account.id, now=2000.0 + n, limit=5, lock_s=900)
        assert noted.failed_logins == n and noted.locked_until == 0
    locked = await store.note_failed_login(account.id, now=2010.0, limit=5, lock_s=900)
    assert locked.locked_until == 2910.0
    again = await store.note_failed_login(account.id, now=2020.0, limit=5, lock_s=900)
    assert again.locked_until == 2910.0  # failing while locked does not stretch the lock
    after = await store.note_failed_login(account.id, now=2911.0, limit=5, lock_s=900)
    assert (after.failed_logins, after.locked_until) == (1, 0)  # the lock ran out: counting starts again


async def test_a_good_login_starts_the_count_again(store: SqliteConsoleStore) -> None:
    account = await _agent(store)
    for n in range(4):
        await store.note_failed_login(account.id, now=2000.0 + n, limit=5, lock_s=900)
    await store.note_login(account.id)
    noted = await store.note_failed_login(account.id, now=2100.0, limit=5, lock_s=900)
    assert (noted.failed_logins, noted.locked_until) == (1, 0)


async def test_a_session_ends_when_idle_and_each_use_keeps_it(store: SqliteConsoleStore) -> None:
    account = await _agent(store)
    await store.create_session(Session("h1", account.id, "csrf", 1000.0, 1000.0))
    assert await store.session("h1", now=1500.0, idle_s=600) is not None
    assert await store.session("h1", now=2050.0, idle_s=600) is not None  # 550 s after the last use
    assert await store.session("h1", now=2650.0, idle_s=600) is None
    assert await store.session("h1", now=2651.0, idle_s=10**9) is None  # ended, not just hidden
    await store.create_session(Session("h3", account.id, "csrf", 1000.0, 1000.0))
    assert await store.session("h3", now=1500.0, idle_s=600, touch=False) is not None  # a page polling …
    assert await store.session("h3", now=1700.0, idle_s=600, touch=False) is None  # … does not keep it alive
    await store.create_session(Session("h2", account.id, "csrf", 3000.0, 3000.0))
    await store.end_session("h2")
    assert await store.session("h2", now=3001.0, idle_s=600) is None


async def test_its_tables_are_created_once_on_any_file(tmp_path: Path) -> None:
    for _ in range(2):
        opened = await SqliteConsoleStore.open(tmp_path / "again.db")
        await opened.close()
    import sqlite3

    with sqlite3.connect(tmp_path / "again.db") as conn:
        names = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert set(CONSOLE_TABLES) <= names and "conversations" in names


async def test_an_attempt_that_died_is_claimed_again_after_its_lease(store: SqliteConsoleStore, tmp_path: Path) -> None:
    import sqlite3

    account = await _agent(store)
    with sqlite3.connect(tmp_path / "seabot.db") as conn:
        conn.execute(
            "INSERT INTO conversations (bot_id, channel, chat_id, chat_kind, handoff) VALUES"
            " ('shop', 'telegram', '7', 'private', 1)"
        )
        conn.execute(
            "INSERT INTO messages (conversation_id, bot_id, channel, chat_id, user_id, role, text, created_at)"
            " VALUES (1, 'shop', 'telegram', '7', '7', 'customer', 'hello', 900)"
        )
    row = await store.conversation_row(1)
    assert row is not None
    item = await store.enqueue_reply(row, account, "hi from ann", now=1000.0)
    [claimed] = await store.claim_due(now=1000.0, lease_s=60, limit=5)
    assert (claimed.id, claimed.state, claimed.attempts) == (item.id, OutboxState.SENDING, 1)
    assert await store.claim_due(now=1059.0, lease_s=60, limit=5) == []  # leased: nobody else sends it
    [again] = await store.claim_due(now=1061.0, lease_s=60, limit=5)  # the sender died: tried again
    assert again.attempts == 2
    await store.mark_sent(again.id, now=1062.0)
    assert await store.claim_due(now=99999.0, lease_s=60, limit=5) == []
    [message] = [m for m in await store.messages(1) if m.role == "agent"]
    assert (message.text, message.responder, message.delivery) == ("hi from ann", "ann", "sent")

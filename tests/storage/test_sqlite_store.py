"""The SQLite store: history that survives reopening, a deduplicating ordered inbox."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from seabot.core.errors import StorageError, StorageLockedError
from seabot.core.messages import ChatKind, InboundMessage, Reply, Role
from seabot.core.store import InboxStatus, StoredMessage
from seabot.storage import SqliteStore


def inbound(message_id: str, chat: str = "u1", text: str = "hi") -> InboundMessage:
    return InboundMessage(bot_id="b", channel="line", message_id=message_id, user_id=chat, chat_id=chat, text=text)


def test_history_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    store = SqliteStore(path)
    conv = store.conversation("b", "console", "alice", ChatKind.PRIVATE)
    customer = StoredMessage(conv.id, "b", "console", "alice", "alice", Role.CUSTOMER, "สวัสดี", lang="th")
    store.append(customer, conversation_lang="th")
    store.append(StoredMessage(conv.id, "b", "console", "alice", "alice", Role.BOT, "hello", lang="th", latency_ms=3.5))
    store.close()
    again = SqliteStore(path)
    assert [(m.role, m.text) for m in again.history("b", "alice")] == [(Role.CUSTOMER, "สวัสดี"), (Role.BOT, "hello")]
    assert again.conversation("b", "console", "alice", ChatKind.PRIVATE).lang == "th"
    assert again.history("b", "bob") == []
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_message_sets_the_conversation_language_only_when_it_brings_one(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.db")
    conv = store.conversation("b", "line", "u", ChatKind.PRIVATE)
    store.append(
        StoredMessage(conv.id, "b", "line", "u", "u", Role.CUSTOMER, "halo kak", inbound_id="m1"),
        conversation_lang="id",
    )
    store.append(StoredMessage(conv.id, "b", "line", "u", "u", Role.BOT, "Halo!", inbound_id="m1"))
    assert store.conversation("b", "line", "u", ChatKind.PRIVATE).lang == "id"
    store.append(
        StoredMessage(conv.id, "b", "line", "u", "u", Role.CUSTOMER, "สวัสดี", inbound_id="m2"), conversation_lang="th"
    )
    assert store.conversation("b", "line", "u", ChatKind.PRIVATE).lang == "th"
    assert [m.text for m in store.recent(conv.id, 2)] == ["Halo!", "สวัสดี"]


def test_the_same_inbound_message_is_stored_once(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.db")
    conv = store.conversation("b", "line", "u", ChatKind.PRIVATE)
    for _ in range(3):
        store.append(StoredMessage(conv.id, "b", "line", "u", "u", Role.CUSTOMER, "hi", inbound_id="m1"))
    assert len(store.history("b", "u")) == 1


def test_inbox_dedupes_redeliveries_across_restarts(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    store = SqliteStore(path)
    first = store.enqueue(inbound("evt-1"))
    assert not first.duplicate
    assert store.enqueue(inbound("evt-1")).duplicate
    store.close()
    store = SqliteStore(path)
    again = store.enqueue(inbound("evt-1"))
    assert again.duplicate and again.inbox_id == first.inbox_id
    assert store.inbox_depth() == 1


def test_inbox_claims_one_conversation_in_order_and_others_in_parallel(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.db")
    a1, a2 = store.enqueue(inbound("a1", "A")), store.enqueue(inbound("a2", "A"))
    b1 = store.enqueue(inbound("b1", "B"))
    claimed = store.claim(10, [])
    assert [item.id for item in claimed] == [a1.inbox_id, b1.inbox_id]  # only A's oldest
    key_a = "b\x1fline\x1fA"
    assert [item.id for item in store.claim(10, [key_a])] == [b1.inbox_id]
    store.mark_answered(a1.inbox_id, Reply("b", "line", "A", "A", "answer", "en", "a1"))
    answered = store.claim(10, [])[0]
    assert answered.status is InboxStatus.ANSWERED and answered.reply is not None
    assert answered.reply.text == "answer"
    store.mark_done(a1.inbox_id)
    assert [item.id for item in store.claim(10, ["b\x1fline\x1fB"])] == [a2.inbox_id]
    assert store.inbox_depth() == 2


def test_unopenable_database_is_a_clear_storage_error(tmp_path: Path) -> None:
    folder = tmp_path / "is-a-directory.db"
    folder.mkdir()
    with pytest.raises(StorageError, match=r"is-a-directory\.db"):
        SqliteStore(folder)
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StorageError, match=r"garbage\.db"):
        SqliteStore(garbage)


def test_locked_database_is_reported_as_locked(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    SqliteStore(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        store = SqliteStore(path, busy_timeout_s=0.05)
        with pytest.raises(StorageLockedError, match="locked"):
            store.enqueue(inbound("x"))
    finally:
        holder.execute("ROLLBACK")
        holder.close()

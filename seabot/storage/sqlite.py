"""SQLite (WAL) implementation of the conversation store, built with sqlite-utils."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import sqlite_utils

from seabot.core.errors import StorageError, StorageLockedError
from seabot.core.messages import ChatKind, InboundMessage, Reply, Role
from seabot.core.store import Conversation, conversation_key, Enqueued, InboxItem, InboxStatus, StoredMessage
from seabot.storage.codec import dump_inbound, dump_reply, load_inbound, load_reply
from seabot.storage.schema import create_schema

__all__ = ["SqliteStore"]

T = TypeVar("T")

_MESSAGE_COLUMNS = (
    "conversation_id, bot_id, channel, chat_id, user_id, role, text, lang, responder, model, tier,"
    " tokens_in, tokens_out, cost_usd, latency_ms, attempts, inbound_id, created_at"
)


class SqliteStore:
    """One SQLite file in WAL mode. Thread-safe: calls are serialized on one connection,
    each in its own short transaction, so async code can run them with ``to_thread``."""

    def __init__(self, path: str | Path, *, busy_timeout_s: float = 5.0) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        try:
            if str(path) != ":memory:":
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(
                str(path), timeout=busy_timeout_s, check_same_thread=False, isolation_level=None
            )
            self._conn.execute("PRAGMA busy_timeout = %d" % int(busy_timeout_s * 1000))
            db = sqlite_utils.Database(self._conn)
            with self._translate_errors():
                if str(path) != ":memory:":
                    db.enable_wal()
                self._conn.execute("PRAGMA synchronous = NORMAL")
                create_schema(db)
        except OSError as exc:
            raise StorageError(f"cannot open database {self.path}: {exc.strerror or exc}") from exc
        except sqlite3.Error as exc:
            raise self._storage_error(exc) from exc

    # -- plumbing ---------------------------------------------------------------------------

    def _storage_error(self, exc: sqlite3.Error) -> StorageError:
        text = str(exc)
        if "locked" in text or "busy" in text:
            return StorageLockedError(
                f"database {self.path} is locked by another process ({text}); stop the other seabot or wait"
            )
        return StorageError(f"database {self.path} cannot be used: {text}")

    @contextmanager
    def _translate_errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise self._storage_error(exc) from exc

    def _run(self, work: Callable[[sqlite3.Connection], T], *, write: bool = False) -> T:
        with self._lock, self._translate_errors():
            if not write:
                return work(self._conn)
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                result = work(self._conn)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
            return result

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # -- conversations and history ------------------------------------------------------------

    def conversation(self, bot_id: str, channel: str, chat_id: str, chat_kind: ChatKind) -> Conversation:
        def work(conn: sqlite3.Connection) -> Conversation:
            now = time.time()
            conn.execute(
                "INSERT INTO conversations (bot_id, channel, chat_id, chat_kind, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (bot_id, channel, chat_id) DO NOTHING",
                (bot_id, channel, chat_id, str(chat_kind), now, now),
            )
            row = conn.execute(
                "SELECT id, chat_kind, lang, handoff FROM conversations"
                " WHERE bot_id = ? AND channel = ? AND chat_id = ?",
                (bot_id, channel, chat_id),
            ).fetchone()
            return Conversation(row[0], bot_id, channel, chat_id, ChatKind(row[1]), row[2], bool(row[3]))

        return self._run(work, write=True)

    def set_language(self, conversation_id: int, lang: str) -> None:
        self._run(
            lambda c: c.execute(
                "UPDATE conversations SET lang = ?, updated_at = ? WHERE id = ?", (lang, time.time(), conversation_id)
            ),
            write=True,
        )

    def set_handoff(self, conversation_id: int, handoff: bool) -> None:
        self._run(
            lambda c: c.execute(
                "UPDATE conversations SET handoff = ?, updated_at = ? WHERE id = ?",
                (int(handoff), time.time(), conversation_id),
            ),
            write=True,
        )

    def append(self, message: StoredMessage) -> int:
        values = (
            message.conversation_id, message.bot_id, message.channel, message.chat_id, message.user_id,
            str(message.role), message.text, message.lang, message.responder, message.model, message.tier,
            message.tokens_in, message.tokens_out, message.cost_usd, message.latency_ms, message.attempts,
            message.inbound_id, message.created_at or time.time(),
        )  # fmt: skip

        def work(conn: sqlite3.Connection) -> int:
            cursor = conn.execute(
                f"INSERT OR IGNORE INTO messages ({_MESSAGE_COLUMNS}) VALUES ({', '.join('?' * 18)})", values
            )
            conn.execute("UPDATE conversations SET updated_at = ? WHERE id = ?", (values[-1], message.conversation_id))
            return cursor.lastrowid or 0

        return self._run(work, write=True)

    def recent(self, conversation_id: int, limit: int) -> list[StoredMessage]:
        rows = self._run(
            lambda c: c.execute(
                f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? ORDER BY id DESC LIMIT ?",
                (conversation_id, limit),
            ).fetchall()
        )
        return [_message(row) for row in reversed(rows)]

    def history(self, bot_id: str, user_or_chat_id: str, limit: int = 200) -> list[StoredMessage]:
        rows = self._run(
            lambda c: c.execute(
                f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE conversation_id IN ("
                " SELECT id FROM conversations WHERE bot_id = ? AND chat_id = ?"
                " UNION SELECT conversation_id FROM messages WHERE bot_id = ? AND user_id = ?)"
                " ORDER BY id DESC LIMIT ?",
                (bot_id, user_or_chat_id, bot_id, user_or_chat_id, limit),
            ).fetchall()
        )
        return [_message(row) for row in reversed(rows)]

    # -- the durable inbox --------------------------------------------------------------------

    def enqueue(self, message: InboundMessage) -> Enqueued:
        key = conversation_key(message.bot_id, message.channel, message.conversation_id)

        def work(conn: sqlite3.Connection) -> Enqueued:
            cursor = conn.execute(
                "INSERT INTO inbox (bot_id, channel, message_id, conversation_key, payload, status, received_at)"
                " VALUES (?, ?, ?, ?, ?, 'pending', ?) ON CONFLICT (bot_id, channel, message_id) DO NOTHING",
                (message.bot_id, message.channel, message.message_id, key, dump_inbound(message), time.time()),
            )
            if cursor.rowcount == 1:
                return Enqueued(inbox_id=cursor.lastrowid or 0, duplicate=False)
            row = conn.execute(
                "SELECT id FROM inbox WHERE bot_id = ? AND channel = ? AND message_id = ?",
                (message.bot_id, message.channel, message.message_id),
            ).fetchone()
            return Enqueued(inbox_id=row[0], duplicate=True)

        return self._run(work, write=True)

    def claim(self, limit: int, busy_conversations: Sequence[str]) -> list[InboxItem]:
        """The oldest open item of each conversation not already being worked on."""
        busy = set(busy_conversations)

        def work(conn: sqlite3.Connection) -> list[InboxItem]:
            rows = conn.execute(
                "SELECT id, payload, status, reply, attempts, conversation_key FROM inbox"
                " WHERE id IN (SELECT MIN(id) FROM inbox WHERE status != 'done' GROUP BY conversation_key)"
                " ORDER BY id LIMIT ?",
                (limit + len(busy),),
            ).fetchall()
            items = [
                InboxItem(row[0], load_inbound(row[1]), InboxStatus(row[2]), load_reply(row[3]), row[4])
                for row in rows
                if row[5] not in busy
            ][:limit]
            if items:
                conn.executemany(
                    "UPDATE inbox SET attempts = attempts + 1 WHERE id = ?", [(item.id,) for item in items]
                )
            return items

        return self._run(work, write=True)

    def mark_answered(self, inbox_id: int, reply: Reply | None) -> None:
        self._run(
            lambda c: c.execute(
                "UPDATE inbox SET status = 'answered', reply = ?, updated_at = ? WHERE id = ?",
                (dump_reply(reply), time.time(), inbox_id),
            ),
            write=True,
        )

    def mark_done(self, inbox_id: int) -> None:
        self._run(
            lambda c: c.execute(
                "UPDATE inbox SET status = 'done', updated_at = ? WHERE id = ?", (time.time(), inbox_id)
            ),
            write=True,
        )

    def inbox_depth(self) -> int:
        return int(self._run(lambda c: c.execute("SELECT COUNT(*) FROM inbox WHERE status != 'done'").fetchone()[0]))

    # -- counters -----------------------------------------------------------------------------

    def bump_counter(self, name: str, amount: float = 1.0) -> float:
        """Add ``amount`` to a durable counter and return its new value."""

        def work(conn: sqlite3.Connection) -> float:
            conn.execute(
                "INSERT INTO counters (name, value) VALUES (?, ?)"
                " ON CONFLICT (name) DO UPDATE SET value = value + excluded.value",
                (name, amount),
            )
            return float(conn.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()[0])

        return self._run(work, write=True)

    def counters(self, prefix: str) -> dict[str, float]:
        rows = self._run(
            lambda c: c.execute(
                "SELECT name, value FROM counters WHERE substr(name, 1, ?) = ?", (len(prefix), prefix)
            ).fetchall()
        )
        return {str(name): float(value) for name, value in rows}

    # -- settings -----------------------------------------------------------------------------

    def get_setting(self, key: str) -> str | None:
        row = self._run(lambda c: c.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone())
        return None if row is None else str(row[0])

    def put_setting(self, key: str, value: str) -> None:
        self._run(
            lambda c: c.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            ),
            write=True,
        )


def _message(row: tuple) -> StoredMessage:  # type: ignore[type-arg]
    return StoredMessage(*row[:5], Role(row[5]), *row[6:])  # type: ignore[arg-type]

"""The console's storage (``seabot.core.console_store``) on the SQLite file.

Its own connection to the same file (WAL lets it read while the server writes) and its own
tables, created idempotently when it opens. Every call runs in a worker thread, one short
transaction each, so a query never holds the event loop. It reads the core's tables
(conversations, messages, handoffs) and writes only what an agent does to them: a take-over or
release (``conversations.handoff`` and ``handoffs``) and an agent's reply (a ``messages`` row of
role ``agent``, kept with its outbox item in one transaction).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import sqlite_utils

from seabot.core.console_store import (
    Account,
    AccountExists,
    AccountRole,
    CannedReply,
    ConsoleMessage,
    ConversationRow,
    ConversationStatus,
    HandoffNote,
    InboxFilter,
    OutboxItem,
    OutboxState,
    Session,
)
from seabot.core.errors import StorageError, StorageLockedError
from seabot.core.orders.records import OrderLookup
from seabot.core.storage import keys
from seabot.storage.schema import create_schema

__all__ = ["SqliteConsoleStore", "create_console_schema", "CONSOLE_TABLES"]

T = TypeVar("T")

CONSOLE_TABLES = (
    "console_accounts",
    "console_sessions",
    "console_conversations",
    "console_outbox",
    "console_translations",
    "console_notes",
    "console_canned",
)

_DDL = (
    "CREATE TABLE IF NOT EXISTS console_accounts (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE,"
    " role TEXT NOT NULL, bots TEXT NOT NULL DEFAULT '[]', password_hash TEXT NOT NULL,"
    " lang TEXT NOT NULL DEFAULT 'en', failed_logins INTEGER NOT NULL DEFAULT 0,"
    " locked_until REAL NOT NULL DEFAULT 0, created_at REAL NOT NULL, password_changed_at REAL)",
    "CREATE TABLE IF NOT EXISTS console_sessions (token_hash TEXT PRIMARY KEY, account_id INTEGER NOT NULL,"
    " csrf TEXT NOT NULL, created_at REAL NOT NULL, last_seen REAL NOT NULL)",
    "CREATE INDEX IF NOT EXISTS idx_console_sessions_account ON console_sessions (account_id)",
    # What the console adds to a conversation: who has it since when, when it was resolved.
    "CREATE TABLE IF NOT EXISTS console_conversations (conversation_id INTEGER PRIMARY KEY,"
    " assignee_id INTEGER, assigned_at REAL, resolved_at REAL)",
    "CREATE TABLE IF NOT EXISTS console_outbox (id INTEGER PRIMARY KEY, conversation_id INTEGER NOT NULL,"
    " bot_id TEXT NOT NULL, channel TEXT NOT NULL, chat_id TEXT NOT NULL, user_id TEXT NOT NULL,"
    " text TEXT NOT NULL, agent_id INTEGER NOT NULL, agent_name TEXT NOT NULL, state TEXT NOT NULL,"
    " attempts INTEGER NOT NULL DEFAULT 0, next_at REAL NOT NULL, lease_until REAL, last_error TEXT NOT NULL"
    " DEFAULT '', message_id INTEGER, created_at REAL NOT NULL, sent_at REAL)",
    "CREATE INDEX IF NOT EXISTS idx_console_outbox_open ON console_outbox (next_at) WHERE state IN"
    " ('pending', 'sending')",
    "CREATE INDEX IF NOT EXISTS idx_console_outbox_conversation ON console_outbox (conversation_id, created_at)",
    # An agent's private note on a conversation: shown to the merchant's people, never sent.
    "CREATE TABLE IF NOT EXISTS console_notes (id INTEGER PRIMARY KEY, conversation_id INTEGER NOT NULL,"
    " account_id INTEGER, author TEXT NOT NULL, text TEXT NOT NULL, created_at REAL NOT NULL)",
    "CREATE INDEX IF NOT EXISTS idx_console_notes_conversation ON console_notes (conversation_id, id)",
    # A customer message translated for agents reading another language (made once, then kept).
    "CREATE TABLE IF NOT EXISTS console_translations (message_id INTEGER NOT NULL, lang TEXT NOT NULL,"
    " text TEXT NOT NULL, created_at REAL NOT NULL, PRIMARY KEY (message_id, lang))",
    # Canned replies: an agent types ``/shortcut`` and gets the text in the customer's language.
    "CREATE TABLE IF NOT EXISTS console_canned (id INTEGER PRIMARY KEY, shortcut TEXT NOT NULL, lang TEXT NOT NULL,"
    " text TEXT NOT NULL, created_at REAL NOT NULL, UNIQUE (shortcut, lang))",
    # Erasure (`seabot forget`) deletes the core's rows; what the console kept of them goes along.
    "CREATE TRIGGER IF NOT EXISTS console_forget_message AFTER DELETE ON messages BEGIN"
    " DELETE FROM console_translations WHERE message_id = OLD.id;"
    " DELETE FROM console_outbox WHERE message_id = OLD.id; END",
    "CREATE TRIGGER IF NOT EXISTS console_forget_conversation AFTER DELETE ON conversations BEGIN"
    " DELETE FROM console_outbox WHERE conversation_id = OLD.id;"
    " DELETE FROM console_notes WHERE conversation_id = OLD.id;"
    " DELETE FROM console_conversations WHERE conversation_id = OLD.id; END",
)


def create_console_schema(conn: sqlite3.Connection) -> None:
    """The console's tables (and the core's, for a file nothing has opened yet); idempotent.
    Outside a transaction: the core's ``create_schema`` commits as it goes."""
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'conversations'").fetchone() is None:
        create_schema(sqlite_utils.Database(conn))
    conn.execute("BEGIN IMMEDIATE")
    try:
        for statement in _DDL:
            conn.execute(statement)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


# The status of a conversation, from the core's columns and the console's own.
_STATUS = (
    "CASE WHEN cc.resolved_at IS NOT NULL AND COALESCE(lc.at, 0) <= cc.resolved_at AND c.handoff = 0 THEN 'resolved'"
    " WHEN c.handoff = 1 AND cc.assignee_id IS NOT NULL AND cc.assigned_at >= COALESCE(oh.at, 0) THEN 'person'"
    " WHEN c.handoff = 1 OR oh.at IS NOT NULL THEN 'needs_person'"
    " ELSE 'bot' END"
)
_ROW_SELECT = (
    "SELECT c.id, c.bot_id, c.channel, c.chat_id, c.chat_kind, c.lang, " + _STATUS + " AS status,"
    " COALESCE((SELECT user_id FROM messages WHERE conversation_id = c.id AND role = 'customer'"
    "   ORDER BY id DESC LIMIT 1), c.chat_id),"
    " COALESCE(lm.text, ''), COALESCE(lm.role, ''), COALESCE(lm.created_at, c.updated_at, c.created_at, 0),"
    " lc.at, oh.at,"
    " (SELECT COUNT(*) FROM messages u WHERE u.conversation_id = c.id AND u.role = 'customer' AND u.id >"
    "   COALESCE((SELECT MAX(id) FROM messages WHERE conversation_id = c.id AND role IN ('bot', 'agent')), 0)),"
    " COALESCE(a.email, '')"
    " FROM conversations c"
    " LEFT JOIN console_conversations cc ON cc.conversation_id = c.id"
    " LEFT JOIN console_accounts a ON a.id = cc.assignee_id"
    " LEFT JOIN messages lm ON lm.id = (SELECT MAX(id) FROM messages WHERE conversation_id = c.id)"
    " LEFT JOIN (SELECT conversation_id, MAX(created_at) AS at FROM messages WHERE role = 'customer'"
    "   GROUP BY conversation_id) lc ON lc.conversation_id = c.id"
    " LEFT JOIN (SELECT conversation_id, MIN(created_at) AS at FROM handoffs WHERE released_at IS NULL"
    "   GROUP BY conversation_id) oh ON oh.conversation_id = c.id"
)
_ACCOUNT_COLUMNS = "id, email, role, bots, password_hash, lang, failed_logins, locked_until, created_at"
_OUTBOX_COLUMNS = (
    "id, conversation_id, bot_id, channel, chat_id, user_id, text, agent_id, agent_name, state, attempts,"
    " created_at, COALESCE(message_id, 0), last_error"
)


class SqliteConsoleStore:
    """Open with ``await SqliteConsoleStore.open(path)``; close with ``await store.close()``."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self._path = path
        self._lock = threading.Lock()

    @classmethod
    async def open(cls, path: str | Path, *, busy_timeout_s: float = 5.0) -> SqliteConsoleStore:
        return await asyncio.to_thread(cls.open_sync, path, busy_timeout_s=busy_timeout_s)

    @classmethod
    def open_sync(cls, path: str | Path, *, busy_timeout_s: float = 5.0) -> SqliteConsoleStore:
        """Opened from a thread or the command line (the tables created when missing)."""
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(path), timeout=busy_timeout_s, check_same_thread=False, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise StorageError(f"cannot open database {path}: {exc}") from exc
        store = cls(conn, path)
        try:
            store._call(lambda c: c.execute("PRAGMA journal_mode = WAL"))
            store._call(create_console_schema)
        except BaseException:
            conn.close()
            raise
        return store

    async def close(self) -> None:
        self.close_sync()

    def close_sync(self) -> None:
        with self._lock:
            self._conn.close()

    # -- plumbing -----------------------------------------------------------------------------------

    def _call(self, work: Callable[[sqlite3.Connection], T], *, write: bool = False) -> T:
        with self._lock:
            try:
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
            except sqlite3.IntegrityError:
                raise
            except sqlite3.Error as exc:
                text = str(exc)
                if "locked" in text or "busy" in text:
                    raise StorageLockedError(f"database {self._path} is locked ({text})") from exc
                raise StorageError(f"database {self._path} cannot be used: {text}") from exc

    async def _run(self, work: Callable[[sqlite3.Connection], T], *, write: bool = False) -> T:
        return await asyncio.to_thread(self._call, work, write=write)

    # -- Accounts -------------------------------------------------------------------------------------

    def add_account_sync(
        self, email: str, role: AccountRole, bots: tuple[str, ...], password_hash: str, *, now: float, lang: str = "en"
    ) -> Account:
        def add(conn: sqlite3.Connection) -> Account:
            try:
                cursor = conn.execute(
                    "INSERT INTO console_accounts (email, role, bots, password_hash, lang,"
                    " created_at, password_changed_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (email, role.value, json.dumps(list(bots)), password_hash, lang, now, now),
                )
            except sqlite3.IntegrityError as exc:
                raise AccountExists(email) from exc
            row = conn.execute(
                f"SELECT {_ACCOUNT_COLUMNS} FROM console_accounts WHERE id = ?", (cursor.lastrowid,)
            ).fetchone()
            return _account(row)

        return self._call(add, write=True)

    async def add_account(
        self, email: str, role: AccountRole, bots: tuple[str, ...], password_hash: str, *, now: float, lang: str = "en"
    ) -> Account:
        return await asyncio.to_thread(self.add_account_sync, email, role, bots, password_hash, now=now, lang=lang)

    async def account(self, account_id: int) -> Account | None:
        row = await self._run(
            lambda c: c.execute(
                f"SELECT {_ACCOUNT_COLUMNS} FROM console_accounts WHERE id = ?", (account_id,)
            ).fetchone()
        )
        return None if row is None else _account(row)

    def account_by_email_sync(self, email: str) -> Account | None:
        row = self._call(
            lambda c: c.execute(
                f"SELECT {_ACCOUNT_COLUMNS} FROM console_accounts WHERE email = ? COLLATE NOCASE", (email,)
            ).fetchone()
        )
        return None if row is None else _account(row)

    async def account_by_email(self, email: str) -> Account | None:
        return await asyncio.to_thread(self.account_by_email_sync, email)

    def accounts_sync(self) -> list[Account]:
        rows = self._call(
            lambda c: c.execute(f"SELECT {_ACCOUNT_COLUMNS} FROM console_accounts ORDER BY email").fetchall()
        )
        return [_account(row) for row in rows]

    async def accounts(self) -> list[Account]:
        return await asyncio.to_thread(self.accounts_sync)

    def remove_account_sync(self, email: str) -> bool:
        def remove(conn: sqlite3.Connection) -> bool:
            row = conn.execute("SELECT id FROM console_accounts WHERE email = ? COLLATE NOCASE", (email,)).fetchone()
            if row is None:
                return False
            conn.execute("DELETE FROM console_sessions WHERE account_id = ?", (row[0],))
            conn.execute("UPDATE console_conversations SET assignee_id = NULL WHERE assignee_id = ?", (row[0],))
            conn.execute("DELETE FROM console_accounts WHERE id = ?", (row[0],))
            return True

        return self._call(remove, write=True)

    async def remove_account(self, email: str) -> bool:
        return await asyncio.to_thread(self.remove_account_sync, email)

    def set_password_sync(self, email: str, password_hash: str, *, now: float) -> bool:
        def reset(conn: sqlite3.Connection) -> bool:
            row = conn.execute("SELECT id FROM console_accounts WHERE email = ? COLLATE NOCASE", (email,)).fetchone()
            if row is None:
                return False
            conn.execute(
                "UPDATE console_accounts SET password_hash = ?, password_changed_at = ?, failed_logins = 0,"
                " locked_until = 0 WHERE id = ?",
                (password_hash, now, row[0]),
            )
            conn.execute("DELETE FROM console_sessions WHERE account_id = ?", (row[0],))
            return True

        return self._call(reset, write=True)

    async def set_password(self, email: str, password_hash: str, *, now: float) -> bool:
        return await asyncio.to_thread(self.set_password_sync, email, password_hash, now=now)

    async def note_failed_login(self, account_id: int, *, now: float, limit: int, lock_s: float) -> Account:
        def note(conn: sqlite3.Connection) -> Account:
            # a lock that has run out starts the count again
            conn.execute(
                "UPDATE console_accounts SET failed_logins = 0, locked_until = 0"
                " WHERE id = ? AND locked_until > 0 AND locked_until <= ?",
                (account_id, now),
            )
            conn.execute("UPDATE console_accounts SET failed_logins = failed_logins + 1 WHERE id = ?", (account_id,))
            conn.execute(
                "UPDATE console_accounts SET locked_until = ? WHERE id = ? AND failed_logins >= ?"
                " AND locked_until <= ?",
                (now + lock_s, account_id, limit, now),
            )
            return _account(
                conn.execute(f"SELECT {_ACCOUNT_COLUMNS} FROM console_accounts WHERE id = ?", (account_id,)).fetchone()
            )

        return await self._run(note, write=True)

    async def note_login(self, account_id: int) -> None:
        await self._run(
            lambda c: c.execute(
                "UPDATE console_accounts SET failed_logins = 0, locked_until = 0 WHERE id = ?", (account_id,)
            ),
            write=True,
        )

    # -- Sessions -------------------------------------------------------------------------------------

    async def create_session(self, session: Session) -> None:
        await self._run(
            lambda c: c.execute(
                "INSERT INTO console_sessions (token_hash, account_id, csrf, created_at, last_seen)"
                " VALUES (?, ?, ?, ?, ?)",
                (session.token_hash, session.account_id, session.csrf, session.created_at, session.last_seen),
            ),
            write=True,
        )

    async def session(self, token_hash: str, *, now: float, idle_s: float, touch: bool = True) -> Session | None:
        def find(conn: sqlite3.Connection) -> Session | None:
            row = conn.execute(
                "SELECT token_hash, account_id, csrf, created_at, last_seen FROM console_sessions WHERE token_hash = ?",
                (token_hash,),
            ).fetchone()
            if row is None:
                return None
            if row[4] + idle_s <= now:
                conn.execute("DELETE FROM console_sessions WHERE token_hash = ?", (token_hash,))
                return None
            if not touch:
                return Session(row[0], row[1], row[2], row[3], row[4])
            conn.execute("UPDATE console_sessions SET last_seen = ? WHERE token_hash = ?", (now, token_hash))
            return Session(row[0], row[1], row[2], row[3], now)

        return await self._run(find, write=True)

    async def end_session(self, token_hash: str) -> None:
        await self._run(
            lambda c: c.execute("DELETE FROM console_sessions WHERE token_hash = ?", (token_hash,)), write=True
        )

    # -- ConsoleConversations ---------------------------------------------------------------------------

    async def conversations(self, query: InboxFilter, *, now: float) -> list[ConversationRow]:
        where: list[str] = ["1 = 1"]
        params: list[object] = []
        if query.bots is not None:
            if not query.bots:
                return []
            where.append(f"c.bot_id IN ({', '.join('?' for _ in query.bots)})")
            params.extend(sorted(query.bots))
        for column, value in (("c.bot_id", query.bot), ("c.channel", query.channel), ("c.lang", query.lang)):
            if value:
                where.append(f"{column} = ?")
                params.append(value)
        if query.search:
            pattern = "%" + query.search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            where.append(
                "(c.chat_id LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM messages s WHERE s.conversation_id = c.id"
                " AND (s.text LIKE ? ESCAPE '\\' OR s.user_id LIKE ? ESCAPE '\\')))"
            )
            params.extend([pattern, pattern, pattern])
        sql = f"SELECT * FROM ({_ROW_SELECT} WHERE {' AND '.join(where)}) AS r"
        if query.status:
            sql += " WHERE r.status = ?"
            params.append(query.status)
        sql += " ORDER BY 11 DESC, 1 DESC LIMIT ?"
        params.append(query.limit)
        rows = await self._run(lambda c: c.execute(sql, params).fetchall())
        return [_row(row) for row in rows]

    async def conversation_row(self, conversation_id: int) -> ConversationRow | None:
        row = await self._run(lambda c: c.execute(_ROW_SELECT + " WHERE c.id = ?", (conversation_id,)).fetchone())
        return None if row is None else _row(row)

    async def messages(self, conversation_id: int, limit: int = 500) -> list[ConsoleMessage]:
        rows = await self._run(
            lambda c: c.execute(
                "SELECT * FROM (SELECT m.id, m.role, m.text, COALESCE(m.created_at, 0), m.lang, m.responder, m.model,"
                " m.tier, COALESCE(m.cost_usd, 0), m.latency_ms, COALESCE(m.fallback, 0), o.state, o.last_error,"
                " m.context"
                " FROM messages m LEFT JOIN console_outbox o ON m.role = 'agent' AND o.message_id = m.id"
                " WHERE m.conversation_id = ? ORDER BY m.id DESC LIMIT ?) ORDER BY 1",
                (conversation_id, limit),
            ).fetchall()
        )
        return [
            ConsoleMessage(
                id=r[0],
                role=r[1],
                text=r[2],
                created_at=r[3],
                lang=r[4],
                responder=r[5],
                model=r[6],
                tier=r[7],
                cost_usd=r[8],
                latency_ms=r[9],
                fallback=bool(r[10]),
                delivery=r[11],
                delivery_error=r[12] or "",
                lookup=_lookup(r[13]),
            )
            for r in rows
        ]

    async def handoff_notes(self, conversation_id: int) -> list[HandoffNote]:
        rows = await self._run(
            lambda c: c.execute(
                "SELECT created_at, reasons, released_at FROM handoffs WHERE conversation_id = ? ORDER BY id",
                (conversation_id,),
            ).fetchall()
        )
        return [HandoffNote(r[0], tuple(json.loads(r[1] or "[]")), r[2]) for r in rows]

    async def facets(self, bots: frozenset[str] | None) -> dict[str, list[str]]:
        def read(conn: sqlite3.Connection) -> dict[str, list[str]]:
            where, params = "", []
            if bots is not None:
                where = f" WHERE bot_id IN ({', '.join('?' for _ in bots) or 'NULL'})"
                params = sorted(bots)
            return {
                column: [r[0] for r in conn.execute(
                    f"SELECT DISTINCT {column} FROM conversations{where}"
                    f"{' AND' if where else ' WHERE'} {column} IS NOT NULL ORDER BY 1", params,
                ).fetchall()]
                for column in ("channel", "lang")
            }  # fmt: skip

        return await self._run(read)

    async def take_over(self, conversation_id: int, account: Account, *, now: float) -> None:
        def take(conn: sqlite3.Connection) -> None:
            row = conn.execute(
                "SELECT bot_id, channel, chat_id, lang FROM conversations WHERE id = ?", (conversation_id,)
            ).fetchone()
            if row is None:
                return
            conn.execute("UPDATE conversations SET handoff = 1, updated_at = ? WHERE id = ?", (now, conversation_id))
            if (
                conn.execute(
                    "SELECT 1 FROM handoffs WHERE conversation_id = ? AND released_at IS NULL", (conversation_id,)
                ).fetchone()
                is None
            ):
                user = conn.execute(
                    "SELECT user_id FROM messages WHERE conversation_id = ? AND role = 'customer'"
                    " ORDER BY id DESC LIMIT 1",
                    (conversation_id,),
                ).fetchone()
                conn.execute(
                    "INSERT INTO handoffs (conversation_id, bot_id, channel, chat_id, user_id, lang,"
                    " reasons, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (conversation_id, row[0], row[1], row[2], user[0] if user else row[2], row[3],
                     json.dumps([f"taken over by {account.name}"]), now),
                )  # fmt: skip
            conn.execute(
                "INSERT INTO console_conversations (conversation_id, assignee_id, assigned_at, resolved_at)"
                " VALUES (?, ?, ?, NULL) ON CONFLICT (conversation_id) DO UPDATE SET assignee_id ="
                " excluded.assignee_id,"
                " assigned_at = excluded.assigned_at, resolved_at = NULL",
                (conversation_id, account.id, now),
            )

        await self._run(take, write=True)

    def _give_back(self, conn: sqlite3.Connection, conversation_id: int, now: float, *, resolved: bool) -> None:
        conn.execute("UPDATE conversations SET handoff = 0, updated_at = ? WHERE id = ?", (now, conversation_id))
        conn.execute(
            "UPDATE handoffs SET released_at = ? WHERE conversation_id = ? AND released_at IS NULL",
            (now, conversation_id),
        )
        conn.execute(
            "INSERT INTO console_conversations (conversation_id, assignee_id, assigned_at, resolved_at)"
            " VALUES (?, NULL, NULL, ?) ON CONFLICT (conversation_id) DO UPDATE SET assignee_id = NULL,"
            " assigned_at = NULL, resolved_at = excluded.resolved_at",
            (conversation_id, now if resolved else None),
        )

    async def release(self, conversation_id: int, *, now: float) -> None:
        await self._run(lambda c: self._give_back(c, conversation_id, now, resolved=False), write=True)

    async def resolve(self, conversation_id: int, *, now: float) -> None:
        await self._run(lambda c: self._give_back(c, conversation_id, now, resolved=True), write=True)

    # -- Outbox -------------------------------------------------------------------------------------------

    async def enqueue_reply(self, row: ConversationRow, account: Account, text: str, *, now: float) -> OutboxItem:
        def enqueue(conn: sqlite3.Connection) -> OutboxItem:
            cursor = conn.execute(
                "INSERT INTO console_outbox (conversation_id, bot_id, channel, chat_id, user_id, text, agent_id,"
                " agent_name, state, next_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
                (
                    row.id,
                    row.bot_id,
                    row.channel,
                    row.chat_id,
                    row.customer_id,
                    text,
                    account.id,
                    account.name,
                    now,
                    now,
                ),
            )
            item_id = cursor.lastrowid
            message = conn.execute(
                "INSERT INTO messages (conversation_id, bot_id, channel, chat_id, user_id, role, text, lang, responder,"
                " tokens_in, tokens_out, cost_usd, attempts, inbound_id, created_at, fallback)"
                " VALUES (?, ?, ?, ?, ?, 'agent', ?, ?, ?, 0, 0, 0, 0, ?, ?, 0)",
                (row.id, row.bot_id, row.channel, row.chat_id, row.customer_id, text, row.lang, account.name,
                 f"agent:{item_id}", now),
            )  # fmt: skip
            conn.execute("UPDATE console_outbox SET message_id = ? WHERE id = ?", (message.lastrowid, item_id))
            conn.execute("UPDATE conversations SET updated_at = ? WHERE id = ?", (now, row.id))
            return _outbox(
                conn.execute(f"SELECT {_OUTBOX_COLUMNS} FROM console_outbox WHERE id = ?", (item_id,)).fetchone()
            )

        return await self._run(enqueue, write=True)

    async def claim_due(self, *, now: float, lease_s: float, limit: int) -> list[OutboxItem]:
        def claim(conn: sqlite3.Connection) -> list[OutboxItem]:
            ids = [r[0] for r in conn.execute(
                "SELECT id FROM console_outbox WHERE (state = 'pending' AND next_at <= ?)"
                " OR (state = 'sending' AND lease_until <= ?) ORDER BY id LIMIT ?", (now, now, limit),
            ).fetchall()]  # fmt: skip
            for item_id in ids:
                conn.execute(
                    "UPDATE console_outbox SET state = 'sending', lease_until = ?, attempts ="
                    " attempts + 1 WHERE id = ?",
                    (now + lease_s, item_id),
                )
            return [
                _outbox(conn.execute(f"SELECT {_OUTBOX_COLUMNS} FROM console_outbox WHERE id = ?", (i,)).fetchone())
                for i in ids
            ]

        return await self._run(claim, write=True)

    async def mark_sent(self, item_id: int, *, now: float) -> None:
        await self._run(
            lambda c: c.execute(
                "UPDATE console_outbox SET state = 'sent', sent_at = ?, lease_until = NULL,"
                " last_error = '' WHERE id = ?",
                (now, item_id),
            ),
            write=True,
        )

    async def mark_retry(self, item_id: int, error: str, *, at: float) -> None:
        await self._run(
            lambda c: c.execute(
                "UPDATE console_outbox SET state = 'pending', next_at = ?, lease_until = NULL,"
                " last_error = ? WHERE id = ?",
                (at, error[:500], item_id),
            ),
            write=True,
        )

    async def mark_failed(self, item_id: int, error: str, *, now: float) -> None:
        await self._run(
            lambda c: c.execute(
                "UPDATE console_outbox SET state = 'failed', lease_until = NULL, last_error = ? WHERE id = ?",
                (error[:500], item_id),
            ),
            write=True,
        )

    async def agent_sends_since(self, conversation_id: int, since: float) -> int:
        row = await self._run(
            lambda c: c.execute(
                "SELECT COUNT(*) FROM console_outbox WHERE conversation_id = ? AND created_at > ?"
                " AND state != 'failed'",
                (conversation_id, since),
            ).fetchone()
        )
        return int(row[0])

    async def pushes_this_month(self, bot_id: str, channel: str, *, now: float) -> int:
        """Push messages the channel's adapter counted for the bot in the UTC month of ``now``."""
        name = keys.push_counter(bot_id, channel, keys.month_of(now))
        row = await self._run(lambda c: c.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone())
        return int(row[0]) if row else 0

    async def channel_counts(self, since: float, bots: frozenset[str] | None) -> dict[tuple[str, str, str], int]:
        """Customer messages per (bot, UTC day, channel) since ``since``."""
        where, params = "", list[object]([since])
        if bots is not None:
            where = f" AND bot_id IN ({', '.join('?' for _ in bots) or 'NULL'})"
            params.extend(sorted(bots))
        rows = await self._run(lambda c: c.execute(
            "SELECT bot_id, strftime('%Y-%m-%d', created_at, 'unixepoch'), channel, COUNT(*) FROM messages"
            f" WHERE role = 'customer' AND created_at >= ?{where} GROUP BY 1, 2, 3", params,
        ).fetchall())  # fmt: skip
        return {(r[0], r[1], r[2]): int(r[3]) for r in rows}

    async def first_human_replies(
        self, since: float, bots: frozenset[str] | None
    ) -> dict[tuple[str, str], list[float]]:
        """Per (bot, UTC day of the handoff): seconds from each handoff to the first agent reply after it."""
        where, params = "", list[object]([since])
        if bots is not None:
            where = f" AND h.bot_id IN ({', '.join('?' for _ in bots) or 'NULL'})"
            params.extend(sorted(bots))
        rows = await self._run(lambda c: c.execute(
            "SELECT h.bot_id, strftime('%Y-%m-%d', h.created_at, 'unixepoch'), (SELECT"
            " MIN(m.created_at) FROM messages m"
            " WHERE m.conversation_id = h.conversation_id AND m.role = 'agent' AND m.created_at >="
            " h.created_at) - h.created_at"
            f" FROM handoffs h WHERE h.created_at >= ?{where}", params,
        ).fetchall())  # fmt: skip
        found: dict[tuple[str, str], list[float]] = {}
        for bot_id, day, seconds in rows:
            if seconds is not None:
                found.setdefault((bot_id, day), []).append(float(seconds))
        return found

    async def translations(self, conversation_id: int, lang: str) -> dict[int, str]:
        rows = await self._run(lambda c: c.execute(
            "SELECT t.message_id, t.text FROM console_translations t JOIN messages m ON m.id = t.message_id"
            " WHERE m.conversation_id = ? AND t.lang = ?", (conversation_id, lang),
        ).fetchall())  # fmt: skip
        return {int(r[0]): r[1] for r in rows}

    async def put_translation(self, message_id: int, lang: str, text: str, *, now: float) -> None:
        await self._run(lambda c: c.execute(
            "INSERT OR REPLACE INTO console_translations (message_id, lang, text, created_at) VALUES (?, ?, ?, ?)",
            (message_id, lang, text, now),
        ), write=True)  # fmt: skip

    async def add_note(self, conversation_id: int, account: Account, text: str, *, now: float) -> None:
        await self._run(lambda c: c.execute(
            "INSERT INTO console_notes (conversation_id, account_id, author, text, created_at) VALUES (?, ?, ?, ?, ?)",
            (conversation_id, account.id, account.name, text, now),
        ), write=True)  # fmt: skip

    async def notes(self, conversation_id: int) -> list[ConsoleMessage]:
        rows = await self._run(lambda c: c.execute(
            "SELECT id, author, text, created_at FROM console_notes WHERE conversation_id = ? ORDER BY id",
            (conversation_id,),
        ).fetchall())  # fmt: skip
        return [ConsoleMessage(id=-int(r[0]), role="note", text=r[2], created_at=r[3], responder=r[1]) for r in rows]

    async def canned_replies(self) -> list[CannedReply]:
        rows = await self._run(
            lambda c: c.execute(
                "SELECT id, shortcut, lang, text FROM console_canned ORDER BY shortcut, lang"
            ).fetchall()
        )
        return [CannedReply(int(r[0]), r[1], r[2], r[3]) for r in rows]

    async def put_canned(self, shortcut: str, lang: str, text: str, *, now: float) -> None:
        await self._run(
            lambda c: c.execute(
                "INSERT INTO console_canned (shortcut, lang, text, created_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (shortcut, lang) DO UPDATE SET text = excluded.text",
                (shortcut, lang, text, now),
            ),
            write=True,
        )

    async def delete_canned(self, canned_id: int) -> bool:
        cursor = await self._run(
            lambda c: c.execute("DELETE FROM console_canned WHERE id = ?", (canned_id,)), write=True
        )
        return bool(cursor.rowcount)

    async def outbox_items(self, conversation_id: int) -> list[OutboxItem]:
        rows = await self._run(
            lambda c: c.execute(
                f"SELECT {_OUTBOX_COLUMNS} FROM console_outbox WHERE conversation_id = ? ORDER BY id",
                (conversation_id,),
            ).fetchall()
        )
        return [_outbox(r) for r in rows]


def _account(row: Any) -> Account:
    return Account(
        id=row[0], email=row[1], role=AccountRole(row[2]), bots=tuple(json.loads(row[3] or "[]")),
        password_hash=row[4], lang=row[5], failed_logins=row[6], locked_until=row[7], created_at=row[8],
    )  # fmt: skip


def _row(row: Any) -> ConversationRow:
    return ConversationRow(
        id=row[0], bot_id=row[1], channel=row[2], chat_id=row[3], chat_kind=row[4], lang=row[5],
        status=ConversationStatus(row[6]), customer_id=row[7] or row[3], last_text=row[8], last_role=row[9],
        last_at=row[10] or 0.0, last_customer_at=row[11],
        waiting_since=(row[12] or row[11]) if row[6] == ConversationStatus.NEEDS_PERSON.value else None,
        unanswered=row[13], assignee=row[14],
    )  # fmt: skip


def _outbox(row: Any) -> OutboxItem:
    return OutboxItem(
        id=row[0], conversation_id=row[1], bot_id=row[2], channel=row[3], chat_id=row[4], user_id=row[5],
        text=row[6], agent_id=row[7], agent_name=row[8], state=OutboxState(row[9]), attempts=row[10],
        created_at=row[11], message_id=row[12], last_error=row[13] or "",
    )  # fmt: skip


def _lookup(context: str | None) -> OrderLookup | None:
    """What an order lookup returned, as stored with the answer (None for other answers)."""
    if not context:
        return None
    try:
        return OrderLookup.from_json(json.loads(context))
    except (ValueError, KeyError, TypeError):  # a row from a later release we cannot read: no card
        return None

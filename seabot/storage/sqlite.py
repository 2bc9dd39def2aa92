"""SQLite (WAL) implementation of the conversation store, built with sqlite-utils."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import sqlite_utils

from seabot.core.errors import StorageError, StorageLockedError
from seabot.core.messages import ChatKind, InboundMessage, Reply, Role
from seabot.core.ratelimit import BucketState, refill
from seabot.core.store import (
    CachedAnswer,
    Conversation,
    ConversationSummary,
    DailyStats,
    Delivery,
    Enqueued,
    Erasure,
    Handoff,
    InboxItem,
    InboxStatus,
    RecentMessage,
    StoredMessage,
    TokenTake,
    conversation_key,
)
from seabot.storage import handoffs
from seabot.storage.checkpoint import WalCheckpointer
from seabot.storage.codec import dump_inbound, dump_reply, load_inbound, load_reply
from seabot.storage.erasure import erase_customer
from seabot.storage.schema import SPEND_COUNTER, create_schema
from seabot.storage.stats import daily_stats

__all__ = ["SqliteStore"]

T = TypeVar("T")

_MESSAGE_COLUMNS = (
    "conversation_id, bot_id, channel, chat_id, user_id, role, text, lang, responder, model, tier,"
    " tokens_in, tokens_out, cost_usd, latency_ms, attempts, inbound_id, created_at, fallback, context"
)

_WAL_SIZE_LIMIT = 64 * 1024 * 1024  # the log file is cut back to this after it restarts


class SqliteStore:
    """One SQLite file in WAL mode. Thread-safe: calls are serialized on one connection, each
    in its own short transaction on indexed rows (tens of microseconds), so the answering path
    calls them straight from the event loop: a thread hop per call cost more than the call
    (``bench/README.md``). Scans that grow with the data (stats, history, erasure, a
    conversation's spend) are run with ``asyncio.to_thread`` or from the CLI.

    ``checkpoint_in_background`` (the server's store): the WAL is copied back into the file by
    a ``WalCheckpointer`` thread instead of inside whichever commit fills it, whose disk syncs
    would stall the event loop for milliseconds every few dozen messages."""

    def __init__(
        self, path: str | Path, *, busy_timeout_s: float = 5.0, checkpoint_in_background: bool = False
    ) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._checkpointer: WalCheckpointer | None = None
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
                if checkpoint_in_background and str(path) != ":memory:":
                    self._conn.execute("PRAGMA wal_autocheckpoint = 0")
                    self._conn.execute("PRAGMA journal_size_limit = %d" % _WAL_SIZE_LIMIT)
                    self._checkpointer = WalCheckpointer(self.path)
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

    def forget(self, bot_id: str, user_or_chat_id: str) -> Erasure:
        return self._run(lambda conn: erase_customer(conn, bot_id, user_or_chat_id), write=True)

    def close(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
        with self._lock:
            self._conn.close()

    # -- conversations and history ------------------------------------------------------------

    def conversation(self, bot_id: str, channel: str, chat_id: str, chat_kind: ChatKind) -> Conversation:
        key = (bot_id, channel, chat_id)

        def find(conn: sqlite3.Connection) -> Conversation | None:
            row = conn.execute(
                "SELECT id, chat_kind, lang, handoff FROM conversations"
                " WHERE bot_id = ? AND channel = ? AND chat_id = ?",
                key,
            ).fetchone()
            return None if row is None else Conversation(row[0], *key, ChatKind(row[1]), row[2], bool(row[3]))

        def create(conn: sqlite3.Connection) -> Conversation:
            now = time.time()
            conn.execute(
                "INSERT INTO conversations (bot_id, channel, chat_id, chat_kind, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (bot_id, channel, chat_id) DO NOTHING",
                (*key, str(chat_kind), now, now),
            )
            created = find(conn)
            if created is None:
                raise sqlite3.IntegrityError(f"conversation {key} missing right after its insert")
            return created

        # most messages belong to a conversation that exists: a read, no write transaction
        return self._run(find) or self._run(create, write=True)

    def set_handoff(self, conversation_id: int, handoff: bool) -> None:
        self._run(
            lambda c: c.execute(
                "UPDATE conversations SET handoff = ?, updated_at = ? WHERE id = ?",
                (int(handoff), time.time(), conversation_id),
            ),
            write=True,
        )

    def append(self, message: StoredMessage, *, conversation_lang: str | None = None) -> int:
        values = (
            message.conversation_id, message.bot_id, message.channel, message.chat_id, message.user_id,
            str(message.role), message.text, message.lang, message.responder, message.model, message.tier,
            message.tokens_in, message.tokens_out, message.cost_usd, message.latency_ms, message.attempts,
            message.inbound_id, message.created_at or time.time(), int(message.fallback), message.context,
        )  # fmt: skip

        def work(conn: sqlite3.Connection) -> int:
            cursor = conn.execute(
                f"INSERT OR IGNORE INTO messages ({_MESSAGE_COLUMNS}) VALUES ({', '.join('?' * 20)})", values
            )
            if cursor.rowcount == 1 and message.role is Role.BOT and message.cost_usd > 0:
                conn.execute(
                    "INSERT INTO counters (name, value) VALUES (?, ?)"
                    " ON CONFLICT (name) DO UPDATE SET value = value + excluded.value",
                    (_spend_counter(message.bot_id, values[17]), message.cost_usd),
                )
            conn.execute(
                "UPDATE conversations SET updated_at = ?, lang = COALESCE(?, lang) WHERE id = ?",
                (values[17], conversation_lang, message.conversation_id),
            )
            return cursor.lastrowid or 0

        return self._run(work, write=True)

    def recent(self, conversation_id: int, limit: int) -> list[RecentMessage]:
        rows = self._run(
            lambda c: c.execute(
                "SELECT role, text, inbound_id FROM messages WHERE conversation_id = ? ORDER BY id DESC LIMIT ?",
                (conversation_id, limit),
            ).fetchall()
        )
        return [RecentMessage(Role(role), text, inbound_id) for role, text, inbound_id in reversed(rows)]

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
        return self._claim_first_open(limit, busy_conversations, "", ())

    def claim_settled(
        self, limit: int, busy_conversations: Sequence[str], *, settled_before: float, urgent: Sequence[int] = ()
    ) -> list[InboxItem]:
        """As ``claim``, for conversations that have gone quiet: the newest open item arrived at
        or before ``settled_before``, or one of its items is in ``urgent`` (a webhook waits for
        its answer), or its oldest item is already answered (only its delivery is left)."""
        having = (
            " HAVING MAX(received_at) <= ? OR MAX(status = 'answered') OR MAX(id IN (SELECT value FROM json_each(?)))"
        )
        return self._claim_first_open(limit, busy_conversations, having, (settled_before, json.dumps(list(urgent))))

    def _claim_first_open(
        self, limit: int, busy_conversations: Sequence[str], having: str, params: tuple[object, ...]
    ) -> list[InboxItem]:
        """The oldest open item of each conversation (``having`` filters the conversations) that
        is not busy, oldest first, with its attempt counted, in one transaction."""
        busy = set(busy_conversations)

        def work(conn: sqlite3.Connection) -> list[InboxItem]:
            rows = conn.execute(
                "SELECT id, payload, status, reply, attempts, conversation_key FROM inbox"
                " WHERE id IN (SELECT MIN(id) FROM inbox WHERE status != 'done' GROUP BY conversation_key"
                f"{having}) ORDER BY id LIMIT ?",
                (*params, limit + len(busy)),
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

    def open_items(self, conversation_key: str, limit: int) -> list[InboxItem]:
        """The open items of one conversation, oldest first (a read: attempts are not counted)."""
        rows = self._run(
            lambda c: c.execute(
                "SELECT id, payload, status, reply, attempts FROM inbox"
                " WHERE conversation_key = ? AND status != 'done' ORDER BY id LIMIT ?",
                (conversation_key, limit),
            ).fetchall()
        )
        return [InboxItem(r[0], load_inbound(r[1]), InboxStatus(r[2]), load_reply(r[3]), r[4]) for r in rows]

    def mark_answered_together(self, inbox_ids: Sequence[int], reply: Reply | None) -> None:
        """Items answered by one reply, in one transaction: the last carries it, the others are
        answered with nothing of their own to send."""
        now = time.time()
        rows: list[tuple[str | None, float, int]] = [(None, now, inbox_id) for inbox_id in inbox_ids[:-1]]
        rows += [(dump_reply(reply), now, inbox_ids[-1])] if inbox_ids else []
        self._run(
            lambda c: c.executemany(
                "UPDATE inbox SET status = 'answered', reply = ?, updated_at = ? WHERE id = ?", rows
            ),
            write=True,
        )

    def mark_answered(self, inbox_id: int, reply: Reply | None) -> None:
        self._run(
            lambda c: c.execute(
                "UPDATE inbox SET status = 'answered', reply = ?, updated_at = ? WHERE id = ?",
                (dump_reply(reply), time.time(), inbox_id),
            ),
            write=True,
        )

    def delivery(self, inbox_id: int) -> Delivery:
        row = self._run(
            lambda c: c.execute("SELECT status, in_response, reply FROM inbox WHERE id = ?", (inbox_id,)).fetchone()
        )
        if row is None:
            return Delivery(done=False)
        done = row[0] == InboxStatus.DONE
        return Delivery(done=done, reply_in_response=load_reply(row[2]) if done and row[1] else None)

    def mark_done(self, inbox_id: int, *, in_response: bool = False) -> None:
        self._run(
            lambda c: c.execute(
                "UPDATE inbox SET status = 'done', in_response = ?, updated_at = ? WHERE id = ?",
                (int(in_response), time.time(), inbox_id),
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

    # -- spend, rate limits, answer cache -----------------------------------------------------

    def day_spend_usd(self, bot_id: str, at: float) -> float:
        """What the bot's replies cost on the UTC day of ``at``: one counter row, kept with each
        reply stored (a scan of the day's replies grew with the traffic)."""
        row = self._run(
            lambda c: c.execute("SELECT value FROM counters WHERE name = ?", (_spend_counter(bot_id, at),)).fetchone()
        )
        return 0.0 if row is None else float(row[0])

    def conversation_spend_usd(self, conversation_id: int) -> float:
        row = self._run(
            lambda c: c.execute(
                "SELECT TOTAL(cost_usd) FROM messages WHERE conversation_id = ?", (conversation_id,)
            ).fetchone()
        )
        return float(row[0])

    def take_token(self, key: str, capacity: float, refill_per_s: float, now: float) -> TokenTake:
        def work(conn: sqlite3.Connection) -> TokenTake:
            row = conn.execute("SELECT tokens, updated_at, noted FROM rate_buckets WHERE key = ?", (key,)).fetchone()
            state = refill(None if row is None else BucketState(row[0], row[1]), now, capacity, refill_per_s)
            noted = bool(row[2]) if row is not None else False
            if state.tokens >= 1.0:
                take = TokenTake(allowed=True, notify=False)
                tokens, noted = state.tokens - 1.0, False
            else:
                take = TokenTake(allowed=False, notify=not noted)
                tokens, noted = state.tokens, True
            conn.execute(
                "INSERT INTO rate_buckets (key, tokens, updated_at, noted) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET tokens = excluded.tokens, updated_at = excluded.updated_at,"
                " noted = excluded.noted",
                (key, tokens, state.updated_at, int(noted)),
            )
            return take

        return self._run(work, write=True)

    def cached_answer(self, bot_id: str, lang: str, key: str, now: float) -> CachedAnswer | None:
        where = (bot_id, lang, key, now)

        def find(conn: sqlite3.Connection) -> CachedAnswer | None:
            row = conn.execute(
                "SELECT bot_id, lang, key, text, model, tier, created_at, expires_at, hits FROM answer_cache"
                " WHERE bot_id = ? AND lang = ? AND key = ? AND expires_at > ?",
                where,
            ).fetchone()
            return None if row is None else CachedAnswer(*row)

        def count_hit(conn: sqlite3.Connection) -> CachedAnswer | None:
            conn.execute(
                "UPDATE answer_cache SET hits = hits + 1 WHERE bot_id = ? AND lang = ? AND key = ? AND expires_at > ?",
                where,
            )
            return find(conn)

        # a miss (most questions) is a read; only a hit takes the write lock to count itself
        return None if self._run(find) is None else self._run(count_hit, write=True)

    def cache_answer(self, entry: CachedAnswer) -> None:
        def work(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM answer_cache WHERE expires_at <= ?", (entry.created_at,))
            conn.execute(
                "INSERT INTO answer_cache (bot_id, lang, key, text, model, tier, created_at, expires_at, hits)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0) ON CONFLICT (bot_id, lang, key) DO UPDATE SET"
                " text = excluded.text, model = excluded.model, tier = excluded.tier,"
                " created_at = excluded.created_at, expires_at = excluded.expires_at, hits = 0",
                (entry.bot_id, entry.lang, entry.key, entry.text, entry.model, entry.tier,
                 entry.created_at, entry.expires_at),
            )  # fmt: skip

        self._run(work, write=True)

    # -- handoffs -----------------------------------------------------------------------------

    def record_handoff(self, handoff: Handoff) -> int:
        """Mark the conversation as with a person and remember when and why."""
        return self._run(lambda conn: handoffs.record_handoff(conn, handoff), write=True)

    def member_handed_off(self, conversation_id: int, user_id: str) -> bool:
        """In a group conversation: whether this member asked for, and has, a person."""
        return self._run(lambda conn: handoffs.member_handed_off(conn, conversation_id, user_id))

    def open_handoffs(self, bot_id: str | None = None) -> list[Handoff]:
        """Conversations a person has now, oldest first (also ones marked without a record)."""
        return self._run(lambda conn: handoffs.open_handoffs(conn, bot_id))

    def release_handoff(self, bot_id: str, user_or_chat_id: str, now: float) -> int:
        """Give the customer's conversations back to the bot; how many were with a person."""
        return self._run(lambda conn: handoffs.release_handoff(conn, bot_id, user_or_chat_id, now), write=True)

    def daily_stats(self, since: float, bot_id: str | None = None) -> list[DailyStats]:
        """Per bot and UTC day from ``since``: volumes, languages, tiers, models, cost, latency."""
        return self._run(lambda conn: daily_stats(conn, since, bot_id))

    # -- settings -----------------------------------------------------------------------------

    def get_setting(self, key: str) -> str | None:
        row = self._run(lambda c: c.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone())
        return None if row is None else str(row[0])

    def put_setting(self, key: str, value: str) -> None:
        self._run(
            lambda c: c.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            ),
            write=True,
        )

    # -- listings -----------------------------------------------------------------------------

    def conversations(
        self, bot_id: str | None = None, channel: str | None = None, *, handoff_only: bool = False, limit: int = 500
    ) -> list[ConversationSummary]:
        """Conversations, latest activity first (a scan: for the CLI, or off the event loop)."""
        rows = self._run(
            lambda c: c.execute(
                "SELECT c.bot_id, c.channel, c.chat_id, c.chat_kind, c.lang, c.handoff"
                " OR EXISTS (SELECT 1 FROM handoffs h WHERE h.conversation_id = c.id AND h.released_at IS NULL),"
                " (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id),"
                " (SELECT GROUP_CONCAT(DISTINCT user_id) FROM messages m"
                "   WHERE m.conversation_id = c.id AND m.role = 'customer'),"
                " COALESCE((SELECT MAX(created_at) FROM messages m WHERE m.conversation_id = c.id), c.updated_at, 0)"
                " FROM conversations c WHERE (? IS NULL OR c.bot_id = ?) AND (? IS NULL OR c.channel = ?)"
                " ORDER BY 9 DESC LIMIT ?",
                (bot_id, bot_id, channel, channel, limit),
            ).fetchall()
        )
        found = [
            ConversationSummary(
                r[0],
                r[1],
                r[2],
                ChatKind(r[3]),
                r[4],
                bool(r[5]),
                int(r[6]),
                tuple(sorted(u for u in (r[7] or "").split(",") if u)),
                float(r[8] or 0.0),
            )
            for r in rows
        ]
        return [c for c in found if c.handoff] if handoff_only else found

    # -- order dialogs ----------------------------------------------------------------------

    def order_dialog(self, bot_id: str, channel: str, user_id: str) -> str | None:
        """A customer's order-dialog state (JSON), if one was kept."""
        row = self._run(
            lambda c: c.execute(
                "SELECT state FROM order_dialogs WHERE bot_id = ? AND channel = ? AND user_id = ?",
                (bot_id, channel, user_id),
            ).fetchone()
        )
        return None if row is None else str(row[0])

    def put_order_dialog(self, bot_id: str, channel: str, user_id: str, state: str, now: float) -> None:
        self._run(
            lambda c: c.execute(
                "INSERT INTO order_dialogs (bot_id, channel, user_id, state, updated_at) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (bot_id, channel, user_id) DO UPDATE SET state = excluded.state,"
                " updated_at = excluded.updated_at",
                (bot_id, channel, user_id, state, now),
            ),
            write=True,
        )

    # -- webhook nonces (replay protection) ----------------------------------------------------

    def first_use(self, scope: str, nonce: str, digest: str, *, now: float, window_s: float) -> bool:
        """Record ``nonce`` for ``scope``; False when it was already used within ``window_s``
        with another body (``digest``): a replayed signature carrying a forged message. The same
        nonce with the same body is the platform redelivering one request, and allowed."""

        def work(c: sqlite3.Connection) -> bool:
            c.execute("DELETE FROM request_nonces WHERE seen_at < ?", (now - window_s,))
            inserted = c.execute(
                "INSERT OR IGNORE INTO request_nonces (scope, nonce, digest, seen_at) VALUES (?, ?, ?, ?)",
                (scope, nonce, digest, now),
            ).rowcount
            if inserted:
                return True
            row = c.execute(
                "SELECT digest FROM request_nonces WHERE scope = ? AND nonce = ?", (scope, nonce)
            ).fetchone()
            return row is not None and str(row[0]) == digest

        return self._run(work, write=True)


def _spend_counter(bot_id: str, at: float) -> str:
    return SPEND_COUNTER.format(bot_id=bot_id, day=time.strftime("%Y-%m-%d", time.gmtime(at)))


def _message(row: tuple[Any, ...]) -> StoredMessage:
    return StoredMessage(*(*row[:5], Role(row[5]), *row[6:18], bool(row[18]), row[19]))

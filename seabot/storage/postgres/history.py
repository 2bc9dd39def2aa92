"""Conversations, their messages, and the spend kept with the replies (PostgreSQL)."""

from __future__ import annotations

import time
from typing import Any

from seabot.core.messages import ChatKind, Role
from seabot.core.storage import keys
from seabot.core.store import Conversation, RecentMessage, StoredMessage
from seabot.storage.postgres._base import PostgresBase

__all__ = ["HistorySql", "MESSAGE_COLUMNS", "message_from_row"]

MESSAGE_COLUMNS = (
    "conversation_id, bot_id, channel, chat_id, user_id, role, text, lang, responder, model, tier,"
    " tokens_in, tokens_out, cost_usd, latency_ms, attempts, inbound_id, created_at, fallback, context"
)


class HistorySql(PostgresBase):
    async def conversation(self, bot_id: str, channel: str, chat_id: str, chat_kind: ChatKind) -> Conversation:
        key = (bot_id, channel, chat_id)
        find = (
            "SELECT id, chat_kind, lang, handoff FROM conversations WHERE bot_id = %s AND channel = %s AND chat_id = %s"
        )
        async with self._conn() as conn:
            row = await (await conn.execute(find, key)).fetchone()
            if row is None:  # most messages belong to a conversation that exists: one read
                now = time.time()
                await conn.execute(
                    "INSERT INTO conversations (bot_id, channel, chat_id, chat_kind, created_at, updated_at)"
                    " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (bot_id, channel, chat_id) DO NOTHING",
                    (*key, str(chat_kind), now, now),
                )
                row = await (await conn.execute(find, key)).fetchone()
        assert row is not None
        return Conversation(row[0], *key, ChatKind(row[1]), row[2], bool(row[3]))

    async def append(self, message: StoredMessage, *, conversation_lang: str | None = None) -> int:
        created_at = message.created_at or time.time()
        values = (
            message.conversation_id, message.bot_id, message.channel, message.chat_id, message.user_id,
            str(message.role), message.text, message.lang, message.responder, message.model, message.tier,
            message.tokens_in, message.tokens_out, message.cost_usd, message.latency_ms, message.attempts,
            message.inbound_id, created_at, int(message.fallback), message.context,
        )  # fmt: skip
        async with self._tx() as conn:
            row = await (
                await conn.execute(
                    f"INSERT INTO messages ({MESSAGE_COLUMNS}) VALUES ({', '.join(['%s'] * 20)})"
                    " ON CONFLICT DO NOTHING RETURNING id",
                    values,
                )
            ).fetchone()
            if row is not None and message.role is Role.BOT and message.cost_usd > 0:
                # atomic across replicas: the row lock of the upsert serializes concurrent replies
                await conn.execute(
                    "INSERT INTO counters (name, value) VALUES (%s, %s)"
                    " ON CONFLICT (name) DO UPDATE SET value = counters.value + excluded.value",
                    (keys.spend_counter(message.bot_id, created_at), message.cost_usd),
                )
            await conn.execute(
                "UPDATE conversations SET updated_at = %s, lang = COALESCE(%s, lang) WHERE id = %s",
                (created_at, conversation_lang, message.conversation_id),
            )
        return 0 if row is None else int(row[0])

    async def recent(self, conversation_id: int, limit: int) -> list[RecentMessage]:
        async with self._conn() as conn:
            rows = await (
                await conn.execute(
                    "SELECT role, text, inbound_id FROM messages WHERE conversation_id = %s ORDER BY id DESC LIMIT %s",
                    (conversation_id, limit),
                )
            ).fetchall()
        return [RecentMessage(Role(role), text, inbound_id) for role, text, inbound_id in reversed(rows)]

    async def history(self, bot_id: str, user_or_chat_id: str, limit: int = 200) -> list[StoredMessage]:
        async with self._conn() as conn:
            rows = await (
                await conn.execute(
                    f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id IN ("
                    " SELECT id FROM conversations WHERE bot_id = %s AND chat_id = %s"
                    " UNION SELECT conversation_id FROM messages WHERE bot_id = %s AND user_id = %s)"
                    " ORDER BY id DESC LIMIT %s",
                    (bot_id, user_or_chat_id, bot_id, user_or_chat_id, limit),
                )
            ).fetchall()
        return [message_from_row(row) for row in reversed(rows)]

    # -- Spend ------------------------------------------------------------------------------

    async def day_spend_usd(self, bot_id: str, at: float) -> float:
        async with self._conn() as conn:
            row = await (
                await conn.execute("SELECT value FROM counters WHERE name = %s", (keys.spend_counter(bot_id, at),))
            ).fetchone()
        return 0.0 if row is None or row[0] is None else float(row[0])

    async def conversation_spend_usd(self, conversation_id: int) -> float:
        async with self._conn() as conn:
            row = await (
                await conn.execute(
                    "SELECT COALESCE(SUM(cost_usd), 0) FROM messages WHERE conversation_id = %s", (conversation_id,)
                )
            ).fetchone()
        return float(row[0]) if row else 0.0


def message_from_row(row: tuple[Any, ...]) -> StoredMessage:
    """A ``messages`` row (``MESSAGE_COLUMNS``, in order) as the record."""
    return StoredMessage(
        conversation_id=row[0], bot_id=row[1], channel=row[2], chat_id=row[3], user_id=row[4], role=Role(row[5]),
        text=row[6], lang=row[7], responder=row[8], model=row[9], tier=row[10], tokens_in=int(row[11] or 0),
        tokens_out=int(row[12] or 0), cost_usd=float(row[13] or 0.0), latency_ms=row[14], attempts=int(row[15] or 0),
        inbound_id=row[16], created_at=float(row[17] or 0.0), fallback=bool(row[18]), context=row[19],
    )  # fmt: skip

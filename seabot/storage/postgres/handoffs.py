"""Conversations handed to a person, on PostgreSQL (the same queries as ``seabot.storage.handoffs``):
a private conversation goes to a person whole; in a group, only the member who asked."""

from __future__ import annotations

import json
import time

from seabot.core.messages import ChatKind
from seabot.core.store import Handoff
from seabot.storage.postgres._base import PostgresBase

__all__ = ["HandoffsSql"]


class HandoffsSql(PostgresBase):
    async def set_handoff(self, conversation_id: int, handoff: bool) -> None:
        async with self._conn() as conn:
            await conn.execute(
                "UPDATE conversations SET handoff = %s, updated_at = %s WHERE id = %s",
                (int(handoff), time.time(), conversation_id),
            )

    async def record_handoff(self, handoff: Handoff) -> int:
        """A private conversation goes to a person whole; in a group, only the member who asked."""
        async with self._tx() as conn:
            # the conversation's row lock keeps two replicas from opening two records at once
            row = await (
                await conn.execute(
                    "SELECT chat_kind FROM conversations WHERE id = %s FOR UPDATE", (handoff.conversation_id,)
                )
            ).fetchone()
            if row is not None and row[0] == ChatKind.GROUP.value:
                open_row = await (
                    await conn.execute(
                        "SELECT id FROM handoffs WHERE conversation_id = %s AND user_id = %s AND released_at IS NULL",
                        (handoff.conversation_id, handoff.user_id),
                    )
                ).fetchone()
            else:
                await conn.execute(
                    "UPDATE conversations SET handoff = 1, updated_at = %s WHERE id = %s",
                    (handoff.created_at, handoff.conversation_id),
                )
                open_row = await (
                    await conn.execute(
                        "SELECT id FROM handoffs WHERE conversation_id = %s AND released_at IS NULL",
                        (handoff.conversation_id,),
                    )
                ).fetchone()
            if open_row is not None:
                return int(open_row[0])
            row = await (
                await conn.execute(
                    "INSERT INTO handoffs"
                    " (conversation_id, bot_id, channel, chat_id, user_id, lang, reasons, created_at)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
                    (
                        handoff.conversation_id,
                        handoff.bot_id,
                        handoff.channel,
                        handoff.chat_id,
                        handoff.user_id,
                        handoff.lang,
                        json.dumps(list(handoff.reasons), ensure_ascii=False),
                        handoff.created_at,
                    ),
                )
            ).fetchone()
        assert row is not None
        return int(row[0])

    async def member_handed_off(self, conversation_id: int, user_id: str) -> bool:
        async with self._conn() as conn:
            row = await (
                await conn.execute(
                    "SELECT 1 FROM handoffs"
                    " WHERE conversation_id = %s AND user_id = %s AND released_at IS NULL LIMIT 1",
                    (conversation_id, user_id),
                )
            ).fetchone()
        return row is not None

    async def open_handoffs(self, bot_id: str | None = None) -> list[Handoff]:
        async with self._conn() as conn:
            rows = await (
                await conn.execute(
                    "SELECT h.id, c.id, c.bot_id, c.channel, c.chat_id,"
                    " COALESCE(h.user_id, (SELECT user_id FROM messages m WHERE m.conversation_id = c.id"
                    "   AND m.role = 'customer' ORDER BY m.id DESC LIMIT 1)),"
                    " COALESCE(h.lang, c.lang), h.reasons, COALESCE(h.created_at, c.updated_at)"
                    " FROM conversations c LEFT JOIN handoffs h ON h.conversation_id = c.id AND h.released_at IS NULL"
                    " WHERE c.handoff = 1 AND (%(bot)s::text IS NULL OR c.bot_id = %(bot)s)"
                    " UNION ALL"  # group members with a person (the group itself is not)
                    " SELECT h.id, c.id, c.bot_id, c.channel, c.chat_id, h.user_id, COALESCE(h.lang, c.lang),"
                    " h.reasons, h.created_at FROM handoffs h JOIN conversations c ON c.id = h.conversation_id"
                    " WHERE h.released_at IS NULL AND c.handoff = 0 AND c.chat_kind = %(group)s"
                    " AND (%(bot)s::text IS NULL OR c.bot_id = %(bot)s)"
                    " ORDER BY 9, 2",
                    {"bot": bot_id, "group": ChatKind.GROUP.value},
                )
            ).fetchall()
        return [
            Handoff(
                id=row[0] or 0,
                conversation_id=row[1],
                bot_id=row[2],
                channel=row[3],
                chat_id=row[4],
                user_id=row[5] or "",
                lang=row[6],
                reasons=tuple(json.loads(row[7] or "[]")),
                created_at=row[8],
            )
            for row in rows
        ]

    async def release_handoff(self, bot_id: str, user_or_chat_id: str, now: float) -> int:
        async with self._tx() as conn:
            rows = await (
                await conn.execute(
                    "UPDATE conversations SET handoff = 0, updated_at = %s WHERE bot_id = %s AND handoff = 1"
                    " AND (chat_id = %s"
                    " OR id IN (SELECT conversation_id FROM messages WHERE bot_id = %s AND user_id = %s))"
                    " RETURNING id",
                    (now, bot_id, user_or_chat_id, bot_id, user_or_chat_id),
                )
            ).fetchall()
            ids = [row[0] for row in rows]
            if ids:
                await conn.execute(
                    "UPDATE handoffs SET released_at = %s WHERE conversation_id = ANY(%s) AND released_at IS NULL",
                    (now, ids),
                )
            # a group member (by user id), or every member of a group (by its chat id)
            members = (
                await conn.execute(
                    "UPDATE handoffs SET released_at = %s WHERE bot_id = %s AND released_at IS NULL"
                    " AND (user_id = %s OR chat_id = %s) AND conversation_id IN"
                    " (SELECT id FROM conversations WHERE bot_id = %s AND chat_kind = %s)",
                    (now, bot_id, user_or_chat_id, user_or_chat_id, bot_id, ChatKind.GROUP.value),
                )
            ).rowcount
        return len(ids) + members

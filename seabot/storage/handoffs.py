"""Conversations handed to a person: recording, listing and releasing them (SQL only)."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from seabot.core.messages import ChatKind
from seabot.core.store import Handoff

__all__ = ["record_handoff", "member_handed_off", "open_handoffs", "release_handoff"]


def record_handoff(conn: sqlite3.Connection, handoff: Handoff) -> int:
    """Hand the conversation to a person and remember when and why. In a group it is the
    member who asked that a person takes over, not the whole group: the others still get the
    bot."""
    row = conn.execute("SELECT chat_kind FROM conversations WHERE id = ?", (handoff.conversation_id,)).fetchone()
    group = row is not None and row[0] == ChatKind.GROUP.value
    if group:
        open_row = conn.execute(
            "SELECT id FROM handoffs WHERE conversation_id = ? AND user_id = ? AND released_at IS NULL",
            (handoff.conversation_id, handoff.user_id),
        ).fetchone()
    else:
        conn.execute(
            "UPDATE conversations SET handoff = 1, updated_at = ? WHERE id = ?",
            (handoff.created_at, handoff.conversation_id),
        )
        open_row = conn.execute(
            "SELECT id FROM handoffs WHERE conversation_id = ? AND released_at IS NULL", (handoff.conversation_id,)
        ).fetchone()
    if open_row is not None:
        return int(open_row[0])
    cursor = conn.execute(
        "INSERT INTO handoffs (conversation_id, bot_id, channel, chat_id, user_id, lang, reasons, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (handoff.conversation_id, handoff.bot_id, handoff.channel, handoff.chat_id, handoff.user_id,
         handoff.lang, json.dumps(list(handoff.reasons), ensure_ascii=False), handoff.created_at),
    )  # fmt: skip
    return cursor.lastrowid or 0


def member_handed_off(conn: sqlite3.Connection, conversation_id: int, user_id: str) -> bool:
    """Whether this member of a group conversation is with a person."""
    return (
        conn.execute(
            "SELECT 1 FROM handoffs WHERE conversation_id = ? AND user_id = ? AND released_at IS NULL LIMIT 1",
            (conversation_id, user_id),
        ).fetchone()
        is not None
    )


def open_handoffs(conn: sqlite3.Connection, bot_id: str | None) -> list[Handoff]:
    """Conversations (and group members) a person has now, oldest first (also conversations
    marked without a record)."""
    rows = conn.execute(
        "SELECT h.id, c.id, c.bot_id, c.channel, c.chat_id,"
        " COALESCE(h.user_id, (SELECT user_id FROM messages m WHERE m.conversation_id = c.id"
        "   AND m.role = 'customer' ORDER BY m.id DESC LIMIT 1)),"
        " COALESCE(h.lang, c.lang), h.reasons, COALESCE(h.created_at, c.updated_at), NULL"
        " FROM conversations c LEFT JOIN handoffs h ON h.conversation_id = c.id AND h.released_at IS NULL"
        " WHERE c.handoff = 1 AND (? IS NULL OR c.bot_id = ?)"
        " UNION ALL"
        " SELECT h.id, c.id, c.bot_id, c.channel, c.chat_id, h.user_id, COALESCE(h.lang, c.lang), h.reasons,"
        " h.created_at, NULL FROM handoffs h JOIN conversations c ON c.id = h.conversation_id"
        " WHERE h.released_at IS NULL AND c.handoff = 0 AND c.chat_kind = ? AND (? IS NULL OR c.bot_id = ?)"
        " ORDER BY 9, 2",
        (bot_id, bot_id, ChatKind.GROUP.value, bot_id, bot_id),
    ).fetchall()
    return [_handoff((row[0] or 0, *row[1:])) for row in rows]


def release_handoff(conn: sqlite3.Connection, bot_id: str, user_or_chat_id: str, now: float) -> int:
    """Give the customer's conversations (or a group member's, or a whole group's) back to
    the bot; how many were with a person."""
    ids = [
        row[0]
        for row in conn.execute(
            "SELECT id FROM conversations WHERE bot_id = ? AND handoff = 1 AND (chat_id = ? OR id IN ("
            " SELECT conversation_id FROM messages WHERE bot_id = ? AND user_id = ?))",
            (bot_id, user_or_chat_id, bot_id, user_or_chat_id),
        ).fetchall()
    ]
    for conversation_id in ids:
        conn.execute("UPDATE conversations SET handoff = 0, updated_at = ? WHERE id = ?", (now, conversation_id))
        conn.execute(
            "UPDATE handoffs SET released_at = ? WHERE conversation_id = ? AND released_at IS NULL",
            (now, conversation_id),
        )
    members = conn.execute(
        "UPDATE handoffs SET released_at = ? WHERE bot_id = ? AND released_at IS NULL"
        " AND (user_id = ? OR chat_id = ?) AND conversation_id IN"
        " (SELECT id FROM conversations WHERE bot_id = ? AND chat_kind = ?)",
        (now, bot_id, user_or_chat_id, user_or_chat_id, bot_id, ChatKind.GROUP.value),
    ).rowcount
    return len(ids) + members


def _handoff(row: tuple[Any, ...]) -> Handoff:
    return Handoff(
        id=row[0], conversation_id=row[1], bot_id=row[2], channel=row[3], chat_id=row[4], user_id=row[5] or "",
        lang=row[6], reasons=tuple(json.loads(row[7] or "[]")), created_at=row[8], released_at=row[9],
    )  # fmt: skip

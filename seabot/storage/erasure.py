"""Erasing one customer from every table (``seabot forget``), in one transaction."""

from __future__ import annotations

import json
import sqlite3

from seabot.core.store import Erasure, conversation_key
from seabot.core.textnorm import normalize

__all__ = ["erase_customer"]


def erase_customer(conn: sqlite3.Connection, bot_id: str, user_id: str) -> Erasure:
    """Remove the customer's private conversations whole, their own messages (and the bot's
    replies to them) from group conversations, their inbox rows, handoffs, rate-limit buckets,
    and cached answers keyed by their questions."""
    private = conn.execute(
        "SELECT id, channel, chat_id FROM conversations WHERE bot_id = ? AND chat_id = ?", (bot_id, user_id)
    ).fetchall()
    private_ids = [row[0] for row in private]
    marks = ",".join("?" * len(private_ids)) or "NULL"
    questions = conn.execute(
        f"SELECT text FROM messages WHERE bot_id = ? AND role = 'customer'"
        f" AND (user_id = ? OR conversation_id IN ({marks}))",
        (bot_id, user_id, *private_ids),
    ).fetchall()
    cache_keys = sorted({normalize(text) for (text,) in questions})
    messages = conn.execute(f"DELETE FROM messages WHERE conversation_id IN ({marks})", private_ids).rowcount
    # In groups: the customer's own messages and the bot's replies to them.
    messages += conn.execute(
        "DELETE FROM messages WHERE bot_id = ? AND inbound_id IN ("
        " SELECT inbound_id FROM messages WHERE bot_id = ? AND user_id = ? AND role = 'customer'"
        " AND inbound_id IS NOT NULL)",
        (bot_id, bot_id, user_id),
    ).rowcount
    messages += conn.execute("DELETE FROM messages WHERE bot_id = ? AND user_id = ?", (bot_id, user_id)).rowcount
    handoffs = conn.execute(
        f"DELETE FROM handoffs WHERE bot_id = ? AND (user_id = ? OR conversation_id IN ({marks}))",
        (bot_id, user_id, *private_ids),
    ).rowcount
    conversations = conn.execute(f"DELETE FROM conversations WHERE id IN ({marks})", private_ids).rowcount
    conn.execute("DELETE FROM order_dialogs WHERE bot_id = ? AND user_id = ?", (bot_id, user_id))
    keys = [conversation_key(bot_id, channel, chat_id) for _, channel, chat_id in private]
    inbox = 0
    for row_id, payload, key in conn.execute(
        "SELECT id, payload, conversation_key FROM inbox WHERE bot_id = ?", (bot_id,)
    ).fetchall():
        if key in keys or json.loads(payload).get("user_id") == user_id:
            inbox += conn.execute("DELETE FROM inbox WHERE id = ?", (row_id,)).rowcount
    rate_limits = conn.execute(
        "DELETE FROM rate_buckets WHERE key LIKE ? ESCAPE '!' AND substr(key, -length(?)) = ?",
        (_like_prefix(bot_id) + "%", "\x1f" + user_id, "\x1f" + user_id),
    ).rowcount
    cache = sum(
        conn.execute("DELETE FROM answer_cache WHERE bot_id = ? AND key = ?", (bot_id, key)).rowcount
        for key in cache_keys
    )
    return Erasure(messages, conversations, inbox, cache, handoffs, rate_limits)


def _like_prefix(bot_id: str) -> str:
    escaped = bot_id.replace("!", "!!").replace("%", "!%").replace("_", "!_")
    return escaped + "\x1f"

"""Tables and indexes of the SQLite store (created idempotently with sqlite-utils)."""

from __future__ import annotations

import sqlite_utils

__all__ = ["create_schema", "SPEND_COUNTER"]


def create_schema(db: sqlite_utils.Database) -> None:
    if "conversations" not in db.table_names():
        db.table("conversations").create(
            {
                "id": int, "bot_id": str, "channel": str, "chat_id": str, "chat_kind": str,
                "lang": str, "handoff": int, "created_at": float, "updated_at": float,
            },
            pk="id",
            not_null={"bot_id", "channel", "chat_id", "chat_kind"},
            defaults={"handoff": 0},
        )  # fmt: skip
        db.table("conversations").create_index(["bot_id", "channel", "chat_id"], unique=True)
    if "messages" not in db.table_names():
        db.table("messages").create(
            {
                "id": int, "conversation_id": int, "bot_id": str, "channel": str, "chat_id": str,
                "user_id": str, "role": str, "text": str, "lang": str, "responder": str, "model": str,
                "tier": str, "tokens_in": int, "tokens_out": int, "cost_usd": float, "latency_ms": float,
                "attempts": int, "inbound_id": str, "created_at": float, "fallback": int,
            },
            pk="id",
            not_null={"conversation_id", "bot_id", "role", "text"},
            defaults={"fallback": 0},
        )  # fmt: skip
        db.table("messages").create_index(["conversation_id", "id"])
        db.table("messages").create_index(["bot_id", "user_id"])
        db.table("messages").create_index(["bot_id", "created_at"])
        # A redelivered or retried inbound message is stored once.
        db.execute(
            "CREATE UNIQUE INDEX idx_messages_once ON messages (conversation_id, role, inbound_id)"
            " WHERE inbound_id IS NOT NULL"
        )
    if "inbox" not in db.table_names():
        db.table("inbox").create(
            {
                "id": int, "bot_id": str, "channel": str, "message_id": str, "conversation_key": str,
                "payload": str, "status": str, "reply": str, "attempts": int,
                "received_at": float, "updated_at": float,
            },
            pk="id",
            not_null={"bot_id", "channel", "message_id", "conversation_key", "payload", "status"},
            defaults={"attempts": 0},
        )  # fmt: skip
        db.table("inbox").create_index(["bot_id", "channel", "message_id"], unique=True)
        db.execute("CREATE INDEX idx_inbox_open ON inbox (conversation_key, id) WHERE status != 'done'")
    if "counters" not in db.table_names():
        db.table("counters").create({"name": str, "value": float}, pk="name")
    if "settings" not in db.table_names():
        db.table("settings").create({"key": str, "value": str}, pk="key")
    _add_llm_tables(db)
    if "request_nonces" not in db.table_names():
        # Nonces of signed webhook requests seen within the replay window (per bot and channel),
        # with a digest of the body each came with: a nonce used again for another body is a replay.
        db.table("request_nonces").create(
            {"scope": str, "nonce": str, "digest": str, "seen_at": float},
            pk=("scope", "nonce"),
            not_null={"digest", "seen_at"},
        )
        db.table("request_nonces").create_index(["seen_at"])
    if "context" not in db.table("messages").columns_dict:
        # what an answer was based on besides the conversation (an order lookup, JSON)
        db.table("messages").add_column("context", str)
    if "order_dialogs" not in db.table_names():
        # where each customer is in an order conversation ("what is your order number?" asked …)
        db.table("order_dialogs").create(
            {"bot_id": str, "channel": str, "user_id": str, "state": str, "updated_at": float},
            pk=("bot_id", "channel", "user_id"),
            not_null={"state", "updated_at"},
        )
    inbox = db.table("inbox")
    if "in_response" not in inbox.columns_dict:
        # 1 when the answer went back in the webhook's own HTTP response (a WeChat passive reply)
        inbox.add_column("in_response", int, not_null_default=0)
    _count_past_spend(db)


#: ``counters`` row holding what a bot's replies cost on one UTC day (``day`` as YYYY-MM-DD).
SPEND_COUNTER = "spend_usd:{bot_id}:{day}"
_SPEND_COUNTED = "schema.spend_counters"


def _count_past_spend(db: sqlite_utils.Database) -> None:
    """Files from before the daily spend counters: sum their stored replies once."""
    if db.execute("SELECT 1 FROM settings WHERE key = ?", (_SPEND_COUNTED,)).fetchone():
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        if db.execute("INSERT OR IGNORE INTO settings (key, value) VALUES (?, '1')", (_SPEND_COUNTED,)).rowcount:
            db.execute(
                "INSERT INTO counters (name, value) SELECT"
                " 'spend_usd:' || bot_id || ':' || strftime('%Y-%m-%d', created_at, 'unixepoch'), TOTAL(cost_usd)"
                " FROM messages WHERE role = 'bot' AND cost_usd > 0 GROUP BY 1 HAVING TRUE"
                " ON CONFLICT (name) DO UPDATE SET value = excluded.value"
            )
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _add_llm_tables(db: sqlite_utils.Database) -> None:
    """Tables of the LLM layer: handoffs, token buckets, the answer cache (and older files' upgrade)."""
    messages = db.table("messages")
    if "fallback" not in messages.columns_dict:
        messages.add_column("fallback", int, not_null_default=0)
    if "handoffs" not in db.table_names():
        db.table("handoffs").create(
            {
                "id": int, "conversation_id": int, "bot_id": str, "channel": str, "chat_id": str,
                "user_id": str, "lang": str, "reasons": str, "created_at": float, "released_at": float,
            },
            pk="id",
            not_null={"conversation_id", "bot_id", "channel", "chat_id", "created_at"},
        )  # fmt: skip
        db.execute("CREATE INDEX idx_handoffs_open ON handoffs (bot_id, conversation_id) WHERE released_at IS NULL")
        db.table("handoffs").create_index(["bot_id", "created_at"])
    if "rate_buckets" not in db.table_names():
        db.table("rate_buckets").create(
            {"key": str, "tokens": float, "updated_at": float, "noted": int},
            pk="key",
            not_null={"tokens", "updated_at"},
            defaults={"noted": 0},
        )
    if "answer_cache" not in db.table_names():
        db.table("answer_cache").create(
            {
                "bot_id": str, "lang": str, "key": str, "text": str, "model": str, "tier": str,
                "created_at": float, "expires_at": float, "hits": int,
            },
            pk=("bot_id", "lang", "key"),
            not_null={"text", "expires_at"},
            defaults={"hits": 0},
        )  # fmt: skip
        db.table("answer_cache").create_index(["expires_at"])
    indexes = {index.name for index in db.table("messages").indexes}
    if "idx_messages_spend" not in indexes:
        # Spend per bot per day and per conversation is summed from the replies' cost.
        db.execute("CREATE INDEX idx_messages_spend ON messages (bot_id, created_at, cost_usd) WHERE role = 'bot'")

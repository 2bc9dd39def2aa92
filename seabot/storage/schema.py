"""Tables and indexes of the SQLite store (created idempotently with sqlite-utils)."""

from __future__ import annotations

import sqlite_utils

__all__ = ["create_schema"]


def create_schema(db: sqlite_utils.Database) -> None:
    if "conversations" not in db.table_names():
        db["conversations"].create(  # type: ignore[union-attr]
            {
                "id": int, "bot_id": str, "channel": str, "chat_id": str, "chat_kind": str,
                "lang": str, "handoff": int, "created_at": float, "updated_at": float,
            },
            pk="id",
            not_null={"bot_id", "channel", "chat_id", "chat_kind"},
            defaults={"handoff": 0},
        )  # fmt: skip
        db["conversations"].create_index(["bot_id", "channel", "chat_id"], unique=True)  # type: ignore[union-attr]
    if "messages" not in db.table_names():
        db["messages"].create(  # type: ignore[union-attr]
            {
                "id": int, "conversation_id": int, "bot_id": str, "channel": str, "chat_id": str,
                "user_id": str, "role": str, "text": str, "lang": str, "responder": str, "model": str,
                "tier": str, "tokens_in": int, "tokens_out": int, "cost_usd": float, "latency_ms": float,
                "attempts": int, "inbound_id": str, "created_at": float,
            },
            pk="id",
            not_null={"conversation_id", "bot_id", "role", "text"},
        )  # fmt: skip
        db["messages"].create_index(["conversation_id", "id"])  # type: ignore[union-attr]
        db["messages"].create_index(["bot_id", "user_id"])  # type: ignore[union-attr]
        db["messages"].create_index(["bot_id", "created_at"])  # type: ignore[union-attr]
        # A redelivered or retried inbound message is stored once.
        db.execute(
            "CREATE UNIQUE INDEX idx_messages_once ON messages (conversation_id, role, inbound_id)"
            " WHERE inbound_id IS NOT NULL"
        )
    if "inbox" not in db.table_names():
        db["inbox"].create(  # type: ignore[union-attr]
            {
                "id": int, "bot_id": str, "channel": str, "message_id": str, "conversation_key": str,
                "payload": str, "status": str, "reply": str, "attempts": int,
                "received_at": float, "updated_at": float,
            },
            pk="id",
            not_null={"bot_id", "channel", "message_id", "conversation_key", "payload", "status"},
            defaults={"attempts": 0},
        )  # fmt: skip
        db["inbox"].create_index(["bot_id", "channel", "message_id"], unique=True)  # type: ignore[union-attr]
        db.execute("CREATE INDEX idx_inbox_open ON inbox (conversation_key, id) WHERE status != 'done'")
    if "counters" not in db.table_names():
        db["counters"].create({"name": str, "value": float}, pk="name")  # type: ignore[union-attr]
    if "settings" not in db.table_names():
        db["settings"].create({"key": str, "value": str}, pk="key")  # type: ignore[union-attr]

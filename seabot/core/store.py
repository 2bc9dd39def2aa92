"""The storage interface the core talks to, and the records it passes.

SQLite is the embedded implementation (``seabot.storage.sqlite``); the core
never names a database. Every method is a short transaction and blocking:
async callers run them in a worker thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from seabot.core.messages import ChatKind, InboundMessage, Reply, Role

__all__ = [
    "Conversation",
    "StoredMessage",
    "InboxStatus",
    "InboxItem",
    "Enqueued",
    "ConversationStore",
    "conversation_key",
]


def conversation_key(bot_id: str, channel: str, chat_id: str) -> str:
    """One string naming a conversation across the whole store."""
    return f"{bot_id}\x1f{channel}\x1f{chat_id}"


@dataclass(frozen=True, slots=True)
class Conversation:
    id: int
    bot_id: str
    channel: str
    chat_id: str
    chat_kind: ChatKind
    lang: str | None
    handoff: bool


@dataclass(frozen=True, slots=True)
class StoredMessage:
    conversation_id: int
    bot_id: str
    channel: str
    chat_id: str
    user_id: str
    role: Role
    text: str
    lang: str | None = None
    responder: str | None = None
    model: str | None = None
    tier: str | None = None
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    latency_ms: float | None = None
    attempts: int = 0
    inbound_id: str | None = None
    created_at: float = 0.0


class InboxStatus(StrEnum):
    PENDING = "pending"  # accepted, not answered yet
    ANSWERED = "answered"  # answer stored, not yet delivered to the platform
    DONE = "done"  # answer delivered (or nothing to send)


@dataclass(frozen=True, slots=True)
class InboxItem:
    id: int
    message: InboundMessage
    status: InboxStatus
    reply: Reply | None
    attempts: int


@dataclass(frozen=True, slots=True)
class Enqueued:
    inbox_id: int
    duplicate: bool  # the platform delivered this message before


class ConversationStore(Protocol):
    # conversations and history
    def conversation(self, bot_id: str, channel: str, chat_id: str, chat_kind: ChatKind) -> Conversation: ...
    def set_language(self, conversation_id: int, lang: str) -> None: ...
    def set_handoff(self, conversation_id: int, handoff: bool) -> None: ...
    def append(self, message: StoredMessage) -> int: ...
    def recent(self, conversation_id: int, limit: int) -> list[StoredMessage]: ...
    def history(self, bot_id: str, user_or_chat_id: str, limit: int = 200) -> list[StoredMessage]: ...
    # the durable inbox
    def enqueue(self, message: InboundMessage) -> Enqueued: ...
    def claim(self, limit: int, busy_conversations: Sequence[str]) -> list[InboxItem]: ...
    def mark_answered(self, inbox_id: int, reply: Reply | None) -> None: ...
    def mark_done(self, inbox_id: int) -> None: ...
    def inbox_depth(self) -> int: ...
    # durable counters (LINE pushes per month …)
    def bump_counter(self, name: str, amount: float = 1.0) -> float: ...
    def counters(self, prefix: str) -> dict[str, float]: ...
    # small durable settings (polling offsets …)
    def get_setting(self, key: str) -> str | None: ...
    def put_setting(self, key: str, value: str) -> None: ...
    def close(self) -> None: ...

"""The storage interface the core talks to, and the records it passes.

SQLite is the embedded implementation (``seabot.storage.sqlite``); the core
never names a database. Every method is blocking and one short transaction. The per-message
ones (conversation, recent, append, enqueue, claim, mark_*, cache, token bucket) touch a few
indexed rows and are called straight from the event loop; the ones that scan
(``conversation_spend_usd``, ``history``, ``daily_stats``, ``forget``) run in a worker thread or
from the CLI.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from seabot.core.messages import ChatKind, InboundMessage, Reply, Role

__all__ = [
    "Conversation",
    "StoredMessage",
    "RecentMessage",
    "InboxStatus",
    "InboxItem",
    "Enqueued",
    "Delivery",
    "ConversationStore",
    "Erasure",
    "conversation_key",
    "Handoff",
    "TokenTake",
    "CachedAnswer",
    "DailyStats",
    "ConversationSummary",
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
    fallback: bool = False  # a cheaper tier or the offline responder stood in for the chosen tier
    # What the answer was based on besides the conversation (an order lookup, as JSON with no
    # contact details): the history shows it, ``forget`` erases it with the message.
    context: str | None = None


@dataclass(frozen=True, slots=True)
class RecentMessage:
    """What answering needs of an earlier message: the prompt's history and the router's context."""

    role: Role
    text: str
    inbound_id: str | None = None


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
class Delivery:
    """How an inbox item's answer went out, as far as the store knows."""

    done: bool
    reply_in_response: Reply | None = None  # it went back in the webhook's own HTTP response


@dataclass(frozen=True, slots=True)
class Enqueued:
    inbox_id: int
    duplicate: bool  # the platform delivered this message before


@dataclass(frozen=True, slots=True)
class Handoff:
    """A conversation handed to a person (open while ``released_at`` is None)."""

    conversation_id: int
    bot_id: str
    channel: str
    chat_id: str
    user_id: str
    lang: str | None
    reasons: tuple[str, ...]
    created_at: float
    released_at: float | None = None
    id: int = 0


@dataclass(frozen=True, slots=True)
class TokenTake:
    allowed: bool  # a token was taken: the message may be answered
    notify: bool  # refused, and this is the first refusal since the last allowed message


@dataclass(frozen=True, slots=True)
class CachedAnswer:
    bot_id: str
    lang: str
    key: str  # normalized question
    text: str
    model: str | None
    tier: str | None
    created_at: float
    expires_at: float
    hits: int = 0


@dataclass(frozen=True, slots=True)
class DailyStats:
    """One bot's day (UTC): what came in, who answered, what it cost."""

    bot_id: str
    day: str  # YYYY-MM-DD, UTC
    messages: int  # customer messages
    answers: int  # bot replies
    languages: dict[str, int]
    tiers: dict[str, int]
    models: dict[str, int]
    tokens_in: int
    tokens_out: int
    cost_usd: float
    p50_ms: float | None
    p95_ms: float | None
    cache_hits: int
    fallbacks: int
    handoffs: int
    llm_tokens_in: int  # tokens of answers that came from a model (for the premium comparison)
    llm_tokens_out: int
    order_lookups: dict[str, int] = field(default_factory=dict)  # answers based on a lookup, by its outcome
    order_cost_usd: float = 0.0  # what those answers cost (a templated order card costs nothing)


@dataclass(frozen=True, slots=True)
class ConversationSummary:
    """One conversation as the merchant's listings show it, with the ids other commands take."""

    bot_id: str
    channel: str
    chat_id: str  # what `history`, `forget` and `release` take as --user for a private chat
    chat_kind: ChatKind
    lang: str | None
    handoff: bool
    messages: int
    customers: tuple[str, ...]  # user ids that wrote in it (one in a private chat)
    last_at: float


@dataclass(frozen=True, slots=True)
class Erasure:
    """What ``forget`` removed for one customer (right to erasure under PDPA / UU PDP)."""

    messages: int = 0
    conversations: int = 0
    inbox: int = 0
    cache: int = 0
    handoffs: int = 0
    rate_limits: int = 0


class ConversationStore(Protocol):
    # conversations and history
    def conversation(self, bot_id: str, channel: str, chat_id: str, chat_kind: ChatKind) -> Conversation: ...
    def set_handoff(self, conversation_id: int, handoff: bool) -> None: ...
    def append(self, message: StoredMessage, *, conversation_lang: str | None = None) -> int:
        """Store ``message`` (once per inbound id and role); ``conversation_lang`` is the
        conversation's new language, set in the same transaction."""
        ...

    def recent(self, conversation_id: int, limit: int) -> list[RecentMessage]: ...
    def history(self, bot_id: str, user_or_chat_id: str, limit: int = 200) -> list[StoredMessage]: ...
    # the durable inbox
    def enqueue(self, message: InboundMessage) -> Enqueued: ...
    def claim(self, limit: int, busy_conversations: Sequence[str]) -> list[InboxItem]: ...
    def mark_answered(self, inbox_id: int, reply: Reply | None) -> None: ...
    def mark_done(self, inbox_id: int, *, in_response: bool = False) -> None: ...
    def delivery(self, inbox_id: int) -> Delivery: ...
    def inbox_depth(self) -> int: ...
    # durable counters (LINE pushes per month …)
    def bump_counter(self, name: str, amount: float = 1.0) -> float: ...
    def counters(self, prefix: str) -> dict[str, float]: ...
    # small durable settings (polling offsets …)
    def get_setting(self, key: str) -> str | None: ...
    def put_setting(self, key: str, value: str) -> None: ...
    # spend (of stored replies), for budgets
    def day_spend_usd(self, bot_id: str, at: float) -> float: ...
    def conversation_spend_usd(self, conversation_id: int) -> float: ...
    # per-user token buckets (rate limits that hold across restarts)
    def take_token(self, key: str, capacity: float, refill_per_s: float, now: float) -> TokenTake: ...
    # the answer cache
    def cached_answer(self, bot_id: str, lang: str, key: str, now: float) -> CachedAnswer | None: ...
    def cache_answer(self, entry: CachedAnswer) -> None: ...
    # handoffs to a person
    def record_handoff(self, handoff: Handoff) -> int:
        """A private conversation goes to a person whole; in a group, only the member who asked."""
        ...

    def member_handed_off(self, conversation_id: int, user_id: str) -> bool: ...
    def open_handoffs(self, bot_id: str | None = None) -> list[Handoff]: ...
    def release_handoff(self, bot_id: str, user_or_chat_id: str, now: float) -> int: ...
    # the merchant's view
    def daily_stats(self, since: float, bot_id: str | None = None) -> list[DailyStats]: ...
    def forget(self, bot_id: str, user_or_chat_id: str) -> Erasure: ...
    def close(self) -> None: ...

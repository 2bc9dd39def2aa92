"""The storage seam: small async Protocols, one concern each.

A feature depends on the one or two Protocols it needs (the pipeline on ``History``, ``Spend``,
``RateLimits``, ``CachedAnswers``, ``Handoffs``; the inbox worker on ``Inbox``; a channel adapter on
``PollOffsets``, ``DeliveryProgress``, ``PushCounts`` or ``RequestNonces``), never on an engine. Both engines
(``seabot.storage.sqlite_async.SqliteStorage``, ``seabot.storage.postgres.PostgresStorage``)
implement every Protocol on one object and pass one contract suite (``tests/storage/contract``).

Every method is one short transaction. On SQLite it runs inline on the event loop (a thread hop
costs more than the query) and never holds the loop on a lock for longer than the engine's
bounded wait; on PostgreSQL it awaits a pooled connection. A lock that stays taken raises
``StoreBusy``; a database that is gone raises ``StoreUnavailable`` (both ``StorageError``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from seabot.core.messages import ChatKind, InboundMessage, Reply
from seabot.core.store import (
    CachedAnswer,
    Conversation,
    DailyStats,
    Delivery,
    Enqueued,
    Erasure,
    Handoff,
    InboxItem,
    RecentMessage,
    StoredMessage,
    TokenTake,
)

__all__ = [
    "History",
    "Inbox",
    "Spend",
    "RateLimits",
    "CachedAnswers",
    "Handoffs",
    "PollOffsets",
    "DeliveryProgress",
    "PushCounts",
    "RequestNonces",
    "KeyValueState",
    "Stats",
    "Eraser",
    "Storage",
    "MonthlyPushes",
    "SchemaInfo",
]


@dataclass(frozen=True, slots=True)
class MonthlyPushes:
    """Push messages (sent outside a reply window, counted against a plan's quota) in a UTC month."""

    bot_id: str
    channel: str
    month: str  # YYYY-MM
    pushes: int


@dataclass(frozen=True, slots=True)
class SchemaInfo:
    engine: str  # "sqlite" | "postgresql"
    version: int  # the newest migration applied
    applied: tuple[str, ...]  # names of the migrations this opening applied (empty: it was current)


@runtime_checkable
class History(Protocol):
    """Conversations and the messages in them."""

    async def conversation(self, bot_id: str, channel: str, chat_id: str, chat_kind: ChatKind) -> Conversation: ...
    async def append(self, message: StoredMessage, *, conversation_lang: str | None = None) -> int:
        """Store ``message`` once per (conversation, role, inbound id); a reply's cost is added to
        its bot's spend of the day in the same transaction. ``conversation_lang`` sets the
        conversation's language alongside."""
        ...

    async def recent(self, conversation_id: int, limit: int) -> list[RecentMessage]: ...
    async def history(self, bot_id: str, user_or_chat_id: str, limit: int = 200) -> list[StoredMessage]: ...


@runtime_checkable
class Inbox(Protocol):
    """The durable inbox: deduplicated intake, and per-conversation leases for the workers.

    ``claim`` leases a conversation to one claimer until the lease expires: only the head (oldest
    open item) of a conversation nobody else holds is handed out, so one conversation's messages
    are answered in order by one claimer at a time, across processes. A claimer renews the leases
    of the work it still does; a claimer that dies leaves them to expire and be claimed again.
    """

    async def enqueue(self, message: InboundMessage) -> Enqueued:
        """Accept a message once per (bot, channel, platform message id); a redelivery is a duplicate."""
        ...

    async def claim(self, claimer: str, limit: int, *, lease_s: float) -> list[InboxItem]: ...
    async def renew(self, claimer: str, conversation_keys: list[str], *, lease_s: float) -> set[str]:
        """Extend the claimer's leases; the keys it still holds (a lost one was taken over)."""
        ...

    async def release(self, claimer: str, conversation_keys: list[str]) -> None:
        """Give leases back without finishing (shutting down): the items are claimed again at once."""
        ...

    async def mark_answered(self, inbox_id: int, reply: Reply | None) -> None: ...
    async def finish(self, inbox_id: int, claimer: str, *, in_response: bool = False) -> None:
        """The item is done (delivered, or given up); the claimer's lease on its conversation ends."""
        ...

    async def delivery(self, inbox_id: int) -> Delivery: ...
    async def depth(self) -> int: ...
    async def wait_for_work(self, timeout_s: float) -> bool:
        """Wait until work may be there (a message accepted or a lease given back, by any process),
        at most ``timeout_s``; True when woken. Work that came since the last ``claim`` began
        returns at once, so a claimer that found nothing does not sleep through it."""
        ...


@runtime_checkable
class Spend(Protocol):
    """What replies cost, for budgets (kept with each stored reply, atomically, see ``History.append``)."""

    async def day_spend_usd(self, bot_id: str, at: float) -> float: ...
    async def conversation_spend_usd(self, conversation_id: int) -> float: ...


@runtime_checkable
class RateLimits(Protocol):
    async def take_token(
        self, bot_id: str, channel: str, user_id: str, *, capacity: float, refill_per_s: float, now: float
    ) -> TokenTake:
        """Take a token from the customer's bucket, atomically in the database."""
        ...


@runtime_checkable
class CachedAnswers(Protocol):
    async def cached_answer(self, bot_id: str, lang: str, key: str, now: float) -> CachedAnswer | None:
        """A live entry (its hit counted), or None."""
        ...

    async def cache_answer(self, entry: CachedAnswer) -> None: ...


@runtime_checkable
class Handoffs(Protocol):
    """Conversations handed to a person."""

    async def set_handoff(self, conversation_id: int, handoff: bool) -> None: ...
    async def record_handoff(self, handoff: Handoff) -> int:
        """A private conversation goes to a person whole; in a group, only the member who asked
        (the rest of the group still gets the bot). An open record is reused."""
        ...

    async def member_handed_off(self, conversation_id: int, user_id: str) -> bool:
        """In a group conversation: whether this member has a person."""
        ...

    async def open_handoffs(self, bot_id: str | None = None) -> list[Handoff]: ...
    async def release_handoff(self, bot_id: str, user_or_chat_id: str, now: float) -> int:
        """Give back the customer's conversations, a group member, or (by its chat id) a whole
        group's members; how many were with a person."""
        ...


@runtime_checkable
class PollOffsets(Protocol):
    """Where a polling channel resumes (the next update id to ask for)."""

    async def poll_offset(self, bot_id: str, channel: str) -> int | None: ...
    async def set_poll_offset(self, bot_id: str, channel: str, offset: int) -> None: ...


@runtime_checkable
class DeliveryProgress(Protocol):
    """How far the delivery of an answer got, so a retry neither repeats nor loses a part."""

    async def parts_sent(self, bot_id: str, channel: str, inbound_id: str) -> int: ...
    async def set_parts_sent(self, bot_id: str, channel: str, inbound_id: str, parts: int) -> None: ...
    async def reply_token_refused(self, bot_id: str, channel: str, inbound_id: str) -> bool: ...
    async def mark_reply_token_refused(self, bot_id: str, channel: str, inbound_id: str) -> None: ...
    async def was_sent_by_bot(self, bot_id: str, channel: str, message_id: str) -> bool: ...
    async def mark_sent_by_bot(self, bot_id: str, channel: str, message_id: str) -> None: ...


@runtime_checkable
class PushCounts(Protocol):
    async def count_push(self, bot_id: str, channel: str, at: float) -> int:
        """Count one push message in the UTC month of ``at``; the month's count after it."""
        ...

    async def push_counts(self, bot_id: str | None = None) -> list[MonthlyPushes]: ...


@runtime_checkable
class RequestNonces(Protocol):
    """Replay protection of signed webhooks: the nonces seen within a window, shared by replicas."""

    async def first_use(
        self, bot_id: str, channel: str, nonce: str, digest: str, *, now: float, window_s: float
    ) -> bool:
        """Record ``nonce``; False when it already came within ``window_s`` with another body
        (``digest``): a replayed signature on a forged message. The same body again is a redelivery."""
        ...


@runtime_checkable
class KeyValueState(Protocol):
    """Durable settings and counters for a typed store that owns its key format in one place
    (``core.llm.canary.SettingsCanaryStore``, ``core.llm.ledger.CounterModelStats``). Channel
    state has typed Protocols above; a new concern should get one too rather than keys here."""

    async def get_setting(self, key: str) -> str | None: ...
    async def put_setting(self, key: str, value: str) -> None: ...
    async def bump_counters(self, amounts: Mapping[str, float]) -> None:
        """Add every amount to its counter, in one transaction (atomic across replicas)."""
        ...

    async def counters(self, prefix: str) -> dict[str, float]: ...


@runtime_checkable
class Stats(Protocol):
    async def daily_stats(self, since: float, bot_id: str | None = None) -> list[DailyStats]: ...


@runtime_checkable
class Eraser(Protocol):
    async def forget(self, bot_id: str, user_or_chat_id: str) -> Erasure:
        """Erase one customer from every table, in one transaction (PDPA / UU PDP)."""
        ...


@runtime_checkable
class Storage(
    History, Inbox, Spend, RateLimits, CachedAnswers, Handoffs, PollOffsets, DeliveryProgress, PushCounts,
    RequestNonces, KeyValueState, Stats, Eraser, Protocol,
):  # fmt: skip
    """An opened engine: every concern above, and its lifecycle. Hand a feature the narrow
    Protocol it needs, not this."""

    @property
    def schema(self) -> SchemaInfo: ...
    async def close(self) -> None: ...

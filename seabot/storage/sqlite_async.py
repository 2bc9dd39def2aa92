"""The async storage seam served by one SQLite file (the embedded default).

Every call runs today's short, indexed transaction (``SqliteStore``) inline on the event loop:
no thread hop, which cost more than the query (``bench/README.md``). What keeps a lock from
freezing the loop is the wait bound: the connection's busy timeout is ``lock_wait_s`` (20 ms by
default), so one attempt holds the loop at most that long; a busy attempt has written nothing
(a write transaction takes its lock at ``BEGIN IMMEDIATE``), so the call yields to the loop,
backs off (5, 10, 20 … 100 ms) and tries again, for at most ``retry_for_s``, then raises
``StoreBusy``. A CLI ``forget`` or ``release`` holding the file for a few hundred milliseconds
costs a webhook that long as an ``await``, and every other webhook nothing.

The scans that grow with the data (history, a conversation's spend, stats, handoffs, erasure)
run in a worker thread on a connection of their own: on the loop's connection they would hold
its mutex, and the loop's next call would wait for the whole scan. The loop's connection and
the WAL checkpointer's restart (at most 20 ms) together keep a call's stall under 50 ms.

SQLite serves one answering process (``answering_lock``), so the inbox's leases live in this
object: they order the claimers (workers) of this process and expire like PostgreSQL's.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from seabot.core.errors import StorageError, StorageLockedError
from seabot.core.messages import ChatKind, InboundMessage, Reply
from seabot.core.storage import keys
from seabot.core.storage.errors import StoreBusy
from seabot.core.storage.interfaces import MonthlyPushes, SchemaInfo
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
from seabot.storage._wake import WorkSignal
from seabot.storage.sqlite import SqliteStore
from seabot.storage.sqlite_migrations import migrate

__all__ = ["SqliteStorage"]

T = TypeVar("T")

LOCK_WAIT_S = 0.02  # the longest one attempt holds the event loop on a lock
RETRY_FOR_S = 2.0  # the longest a call keeps trying (as an await) before StoreBusy


@dataclass(slots=True)
class _Lease:
    claimer: str
    inbox_id: int
    expires_at: float  # time.monotonic()


class SqliteStorage:
    """Open with ``await SqliteStorage.open(path)``; close with ``await storage.close()``."""

    def __init__(self, store: SqliteStore, scans: SqliteStore, schema: SchemaInfo, *, retry_for_s: float) -> None:
        self._store = store
        self._scans = scans
        self._schema = schema
        self._retry_for_s = retry_for_s
        self._leases: dict[str, _Lease] = {}
        self._signal = WorkSignal()

    @classmethod
    async def open(
        cls,
        path: str | Path,
        *,
        migrate_schema: bool = True,
        lock_wait_s: float = LOCK_WAIT_S,
        retry_for_s: float = RETRY_FOR_S,
        checkpoint_in_background: bool = False,
    ) -> SqliteStorage:
        """Migrate the file (``migrate_schema=False``: refuse an older one) and open it. Opening
        may wait for another process's migration, so it runs off the loop."""

        def opening() -> SqliteStorage:
            if str(path) != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            schema = migrate(path, apply=migrate_schema)
            store = SqliteStore(path, busy_timeout_s=lock_wait_s, checkpoint_in_background=checkpoint_in_background)
            # off the loop a lock may be waited for longer: fewer retries, same overall bound
            scans = store if str(path) == ":memory:" else SqliteStore(path, busy_timeout_s=min(retry_for_s, 0.5))
            return cls(store, scans, schema, retry_for_s=retry_for_s)

        try:
            return await asyncio.to_thread(opening)
        except OSError as exc:
            raise StorageError(f"cannot open database {path}: {exc.strerror or exc}") from exc

    @property
    def schema(self) -> SchemaInfo:
        return self._schema

    async def close(self) -> None:
        if self._scans is not self._store:
            self._scans.close()
        self._store.close()

    # -- plumbing -----------------------------------------------------------------------------

    async def _inline(self, work: Callable[[], T]) -> T:
        """A short transaction, on the loop."""
        return await self._retrying(work, threaded=False)

    async def _threaded(self, work: Callable[[], T]) -> T:
        """A scan that grows with the data, in a worker thread."""
        return await self._retrying(work, threaded=True)

    async def _retrying(self, work: Callable[[], T], *, threaded: bool) -> T:
        deadline = time.monotonic() + self._retry_for_s
        delay = 0.005
        while True:
            try:
                return await asyncio.to_thread(work) if threaded else work()
            except StorageLockedError as exc:  # busy: nothing was written, so trying again is safe
                if time.monotonic() + delay > deadline:
                    raise StoreBusy(f"{exc} (still locked after {self._retry_for_s:g} s)") from exc
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.1)

    def _wake(self) -> None:
        self._signal.wake()

    # -- History --------------------------------------------------------------------------------

    async def conversation(self, bot_id: str, channel: str, chat_id: str, chat_kind: ChatKind) -> Conversation:
        return await self._inline(lambda: self._store.conversation(bot_id, channel, chat_id, chat_kind))

    async def append(self, message: StoredMessage, *, conversation_lang: str | None = None) -> int:
        return await self._inline(lambda: self._store.append(message, conversation_lang=conversation_lang))

    async def recent(self, conversation_id: int, limit: int) -> list[RecentMessage]:
        return await self._inline(lambda: self._store.recent(conversation_id, limit))

    async def history(self, bot_id: str, user_or_chat_id: str, limit: int = 200) -> list[StoredMessage]:
        return await self._threaded(lambda: self._scans.history(bot_id, user_or_chat_id, limit))

    # -- Inbox ----------------------------------------------------------------------------------

    async def enqueue(self, message: InboundMessage) -> Enqueued:
        enqueued = await self._inline(lambda: self._store.enqueue(message))
        if not enqueued.duplicate:
            self._wake()
        return enqueued

    async def claim(self, claimer: str, limit: int, *, lease_s: float) -> list[InboxItem]:
        self._signal.claiming()
        now = time.monotonic()
        held = [key for key, lease in self._leases.items() if lease.expires_at > now]
        items = await self._inline(lambda: self._store.claim(limit, held))
        now = time.monotonic()
        for item in items:
            key = keys.conversation_key(item.message.bot_id, item.message.channel, item.message.conversation_id)
            self._leases[key] = _Lease(claimer, item.id, now + lease_s)
        return items

    async def renew(self, claimer: str, conversation_keys: list[str], *, lease_s: float) -> set[str]:
        now = time.monotonic()
        kept = set()
        for key in conversation_keys:
            lease = self._leases.get(key)
            if lease is not None and lease.claimer == claimer:
                lease.expires_at = now + lease_s
                kept.add(key)
        return kept

    async def release(self, claimer: str, conversation_keys: list[str]) -> None:
        for key in conversation_keys:
            if (lease := self._leases.get(key)) is not None and lease.claimer == claimer:
                del self._leases[key]
        self._wake()

    async def mark_answered(self, inbox_id: int, reply: Reply | None) -> None:
        await self._inline(lambda: self._store.mark_answered(inbox_id, reply))

    async def finish(self, inbox_id: int, claimer: str, *, in_response: bool = False) -> None:
        await self._inline(lambda: self._store.mark_done(inbox_id, in_response=in_response))
        for key, lease in list(self._leases.items()):
            if lease.inbox_id == inbox_id and lease.claimer == claimer:
                del self._leases[key]
        self._wake()

    async def delivery(self, inbox_id: int) -> Delivery:
        return await self._inline(lambda: self._store.delivery(inbox_id))

    async def depth(self) -> int:
        return await self._inline(self._store.inbox_depth)

    async def wait_for_work(self, timeout_s: float) -> bool:
        return await self._signal.wait(timeout_s)

    # -- Spend, RateLimits, AnswerCache -------------------------------------------------------

    async def day_spend_usd(self, bot_id: str, at: float) -> float:
        return await self._inline(lambda: self._store.day_spend_usd(bot_id, at))

    async def conversation_spend_usd(self, conversation_id: int) -> float:
        return await self._threaded(lambda: self._scans.conversation_spend_usd(conversation_id))

    async def take_token(
        self, bot_id: str, channel: str, user_id: str, *, capacity: float, refill_per_s: float, now: float
    ) -> TokenTake:
        key = keys.rate_bucket_key(bot_id, channel, user_id)
        return await self._inline(lambda: self._store.take_token(key, capacity, refill_per_s, now))

    async def cached_answer(self, bot_id: str, lang: str, key: str, now: float) -> CachedAnswer | None:
        return await self._inline(lambda: self._store.cached_answer(bot_id, lang, key, now))

    async def cache_answer(self, entry: CachedAnswer) -> None:
        await self._inline(lambda: self._store.cache_answer(entry))

    # -- Handoffs -------------------------------------------------------------------------------

    async def set_handoff(self, conversation_id: int, handoff: bool) -> None:
        await self._inline(lambda: self._store.set_handoff(conversation_id, handoff))

    async def record_handoff(self, handoff: Handoff) -> int:
        return await self._inline(lambda: self._store.record_handoff(handoff))

    async def member_handed_off(self, conversation_id: int, user_id: str) -> bool:
        return await self._inline(lambda: self._store.member_handed_off(conversation_id, user_id))

    async def open_handoffs(self, bot_id: str | None = None) -> list[Handoff]:
        return await self._threaded(lambda: self._scans.open_handoffs(bot_id))

    async def release_handoff(self, bot_id: str, user_or_chat_id: str, now: float) -> int:
        return await self._threaded(lambda: self._scans.release_handoff(bot_id, user_or_chat_id, now))

    # -- PollOffsets, DeliveryProgress, PushCounts --------------------------------------------

    async def poll_offset(self, bot_id: str, channel: str) -> int | None:
        value = await self._inline(lambda: self._store.get_setting(keys.poll_offset_key(bot_id, channel)))
        return None if value is None else int(value)

    async def set_poll_offset(self, bot_id: str, channel: str, offset: int) -> None:
        await self._inline(lambda: self._store.put_setting(keys.poll_offset_key(bot_id, channel), str(offset)))

    async def parts_sent(self, bot_id: str, channel: str, inbound_id: str) -> int:
        value = await self._inline(lambda: self._store.get_setting(keys.parts_sent_key(bot_id, channel, inbound_id)))
        return 0 if value is None else int(value)

    async def set_parts_sent(self, bot_id: str, channel: str, inbound_id: str, parts: int) -> None:
        key = keys.parts_sent_key(bot_id, channel, inbound_id)
        await self._inline(lambda: self._store.put_setting(key, str(parts)))

    async def reply_token_refused(self, bot_id: str, channel: str, inbound_id: str) -> bool:
        key = keys.refused_token_key(bot_id, channel, inbound_id)
        return await self._inline(lambda: self._store.get_setting(key)) is not None

    async def mark_reply_token_refused(self, bot_id: str, channel: str, inbound_id: str) -> None:
        key = keys.refused_token_key(bot_id, channel, inbound_id)
        await self._inline(lambda: self._store.put_setting(key, "1"))

    async def was_sent_by_bot(self, bot_id: str, channel: str, message_id: str) -> bool:
        key = keys.sent_message_key(bot_id, channel, message_id)
        return await self._inline(lambda: self._store.get_setting(key)) is not None

    async def mark_sent_by_bot(self, bot_id: str, channel: str, message_id: str) -> None:
        key = keys.sent_message_key(bot_id, channel, message_id)
        await self._inline(lambda: self._store.put_setting(key, "1"))

    async def count_push(self, bot_id: str, channel: str, at: float) -> int:
        name = keys.push_counter(bot_id, channel, keys.month_of(at))
        return int(await self._inline(lambda: self._store.bump_counter(name)))

    async def push_counts(self, bot_id: str | None = None) -> list[MonthlyPushes]:
        counters = await self._inline(lambda: self._store.counters(""))
        return _push_counts(counters, bot_id)

    # -- RequestNonces ------------------------------------------------------------------------

    async def first_use(
        self, bot_id: str, channel: str, nonce: str, digest: str, *, now: float, window_s: float
    ) -> bool:
        scope = keys.nonce_scope(bot_id, channel)
        return await self._inline(lambda: self._store.first_use(scope, nonce, digest, now=now, window_s=window_s))

    # -- KeyValueState -------------------------------------------------------------------------

    async def get_setting(self, key: str) -> str | None:
        return await self._inline(lambda: self._store.get_setting(key))

    async def put_setting(self, key: str, value: str) -> None:
        await self._inline(lambda: self._store.put_setting(key, value))

    async def bump_counters(self, amounts: Mapping[str, float]) -> None:
        # one short transaction per counter (the synchronous store has no batch); a flush of
        # model tallies is a few dozen rows
        for name, amount in amounts.items():
            await self._inline(functools.partial(self._store.bump_counter, name, amount))

    async def counters(self, prefix: str) -> dict[str, float]:
        return await self._inline(lambda: self._store.counters(prefix))

    # -- Stats, Eraser --------------------------------------------------------------------------

    async def daily_stats(self, since: float, bot_id: str | None = None) -> list[DailyStats]:
        return await self._threaded(lambda: self._scans.daily_stats(since, bot_id))

    async def forget(self, bot_id: str, user_or_chat_id: str) -> Erasure:
        return await self._threaded(lambda: self._scans.forget(bot_id, user_or_chat_id))


def _push_counts(counters: dict[str, float], bot_id: str | None) -> list[MonthlyPushes]:
    found = []
    for name, value in sorted(counters.items()):
        parsed = keys.parse_push_counter(name)
        if parsed is not None and (bot_id is None or parsed[1] == bot_id):
            found.append(MonthlyPushes(bot_id=parsed[1], channel=parsed[0], month=parsed[2], pushes=int(value)))
    return found

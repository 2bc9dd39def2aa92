"""Workers that answer the durable inbox: one conversation in order, many in parallel."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import heapq
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Protocol

from seabot.core.messages import InboundMessage, MessageKind, Reply
from seabot.core.metrics import Metrics
from seabot.core.store import ConversationStore, Delivery, Enqueued, InboxItem, InboxStatus, conversation_key

__all__ = ["Answerer", "Sender", "InboxWorker", "InboxStore", "combined"]

log = logging.getLogger("seabot.inbox")

MAX_LINES = 20  # lines of one customer answered together at most


class Answerer(Protocol):
    async def answer(self, message: InboundMessage) -> Reply | None: ...

    async def follow_up(self, message: InboundMessage) -> Reply:
        """A built-in "a person will get back to you" reply, for a message that cannot be answered."""
        ...


class Sender(Protocol):
    async def deliver(self, reply: Reply) -> None: ...


class InboxStore(ConversationStore, Protocol):
    """What the worker needs of the store to answer a customer's lines together."""

    def claim_settled(
        self, limit: int, busy_conversations: Sequence[str], *, settled_before: float, urgent: Sequence[int] = ()
    ) -> list[InboxItem]: ...
    def open_items(self, conversation_key: str, limit: int) -> list[InboxItem]: ...
    def mark_answered_together(self, inbox_ids: Sequence[int], reply: Reply | None) -> None: ...


def combined(messages: Sequence[InboundMessage]) -> InboundMessage:
    """Lines a customer sent one after another, as the one message they make: the text of each
    on its own line; the newest one's id, reply handle and time (its reply token is the
    freshest), so its answer is the answer to all of them."""
    last = messages[-1]
    if len(messages) == 1:
        return last
    return replace(last, text="\n".join(m.text for m in messages), repaired=any(m.repaired for m in messages))


class InboxWorker:
    """Claims open inbox items and answers them.

    An item is answered (reply stored) before it is delivered, and marked done only
    after delivery, so a crash at any point leads to a retry, never to silence. If
    answering still fails on the last attempt, the customer gets the built-in follow-up
    note instead of nothing.
    A webhook that can answer within its own HTTP response (WeChat's passive reply)
    registers a waiter with ``wait_for_reply``; the worker hands it the reply instead
    of sending it, unless the waiter has already given up.

    With ``coalesce_gap_s`` > 0, customers who type in bursts ("hi" / "I want to ask" /
    "about my order" / "#1001") are answered once per burst: a conversation is taken only
    once no line has come for that long, and then its customer's consecutive text lines are
    answered as one message (one answer, one reply; the lines stay in the history, in that
    message). Acknowledging never waits for this: ``accept`` only notes when to look again.
    A line whose webhook waits for the answer (a passive reply) is not held back — the gap
    would eat the time its answer needs to ride back — and takes with it whatever lines of
    its customer are waiting. The lines of one answer are marked answered in one transaction
    and done after the reply went out, so a crash at any point answers them once, later.
    """

    def __init__(
        self,
        store: InboxStore,
        answerers: Mapping[str, Answerer],
        senders: Callable[[str, str], Sender | None],
        metrics: Metrics,
        *,
        concurrency: int = 32,
        retry_delay_s: float = 1.0,
        max_attempts: int = 5,
        coalesce_gap_s: float = 0.0,
    ) -> None:
        self._store = store
        self._answerers = answerers
        self._senders = senders
        self._metrics = metrics
        self._concurrency = concurrency
        self._retry_delay_s = retry_delay_s
        self._max_attempts = max_attempts
        self._busy: dict[str, asyncio.Task[None]] = {}
        self._waiters: dict[int, asyncio.Future[Reply | None]] = {}
        self._wake = asyncio.Event()
        self._stopping = False
        self._gap_s = max(0.0, coalesce_gap_s)
        self._settling: list[float] = []  # heap of times (time.time()) a conversation may go quiet

    # -- intake side ---------------------------------------------------------------------------

    async def accept(self, message: InboundMessage) -> Enqueued:
        """Commit the message to the inbox (deduplicated) and wake the workers. Text that cannot
        be stored as sent is stored repaired (and flagged), never refused."""
        message = message.storable()
        if message.repaired:
            self._metrics.inc("seabot_inbound_repaired_total", channel=message.channel)
            log.warning("inbound text repaired before storing (lone surrogates)", extra={"bot": message.bot_id})
        enqueued = self._store.enqueue(message)
        outcome = "duplicate" if enqueued.duplicate else "accepted"
        self._metrics.inc("seabot_inbound_total", channel=message.channel, outcome=outcome)
        if enqueued.duplicate:
            return enqueued
        if self._gap_s:
            was = self._settling[0] if self._settling else None
            heapq.heappush(self._settling, time.time() + self._gap_s)
            if was is None:
                self._wake.set()  # the worker may be sleeping with no time to look again
        else:
            self._wake.set()
        return enqueued

    async def wait_for_reply(self, inbox_id: int, timeout: float) -> Reply | None:
        """The reply to ``inbox_id`` if it is ready within ``timeout`` seconds; otherwise None,
        and the worker delivers it through the channel's API instead."""
        future: asyncio.Future[Reply | None] = asyncio.get_running_loop().create_future()
        self._waiters[inbox_id] = future
        if self._gap_s:
            self._wake.set()  # a waiting webhook's conversation is taken without the gap
        try:
            return await asyncio.wait_for(asyncio.shield(future), timeout)
        except TimeoutError:
            return None
        finally:
            self._waiters.pop(inbox_id, None)
            if not future.done():
                future.cancel()

    async def delivery(self, inbox_id: int) -> Delivery:
        """Whether ``inbox_id`` is answered, and its answer if that went back in a webhook's own
        response (a platform that redelivers such a message did not receive that response)."""
        return self._store.delivery(inbox_id)

    def depth(self) -> int:
        return self._store.inbox_depth()

    # -- worker side ---------------------------------------------------------------------------

    async def run(self) -> None:
        """Answer until ``stop`` is called."""
        if self._gap_s:  # lines accepted just before a restart go quiet within one gap from now
            heapq.heappush(self._settling, time.time() + self._gap_s)
        while not self._stopping:
            self._wake.clear()
            free = self._concurrency - len(self._busy)
            if free > 0:
                try:
                    items = self._claim(free)
                except Exception as exc:  # noqa: BLE001 - the store is down for now: the items wait in the inbox
                    log.error("cannot claim inbox items, retrying: %s", exc)
                    await asyncio.sleep(self._retry_delay_s)
                    continue
                if self._stopping:
                    break  # claimed but not started: they stay open for the next start
                for item in items:
                    key = conversation_key(item.message.bot_id, item.message.channel, item.message.conversation_id)
                    task = asyncio.create_task(self._work(item), name=f"inbox-{item.id}")
                    self._busy[key] = task
                    task.add_done_callback(functools.partial(self._release, key))
                if len(items) == free:
                    continue  # there may be more
                await self._sleep()
            else:
                await self._wake.wait()  # a finished answer frees a slot

    def _claim(self, limit: int) -> list[InboxItem]:
        if not self._gap_s:
            return self._store.claim(limit, list(self._busy))
        now = time.time()
        while self._settling and self._settling[0] <= now:
            heapq.heappop(self._settling)  # this claim sees those conversations quiet
        urgent = [inbox_id for inbox_id, waiter in self._waiters.items() if not waiter.done()]
        return self._store.claim_settled(limit, list(self._busy), settled_before=now - self._gap_s, urgent=urgent)

    async def _sleep(self) -> None:
        """Until woken, or until the next conversation may have gone quiet."""
        if not self._settling:
            await self._wake.wait()
            return
        delay = self._settling[0] - time.time() + 0.002
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), max(0.0, delay))

    def _release(self, key: str, _task: object) -> None:
        """The done callback of a conversation's task."""
        self._busy.pop(key, None)
        self._wake.set()

    async def stop(self, drain_timeout_s: float = 10.0) -> None:
        """Stop claiming, let in-flight answers finish; unfinished ones stay in the inbox."""
        self._stopping = True
        self._wake.set()
        pending = list(self._busy.values())
        if pending:
            _, still_running = await asyncio.wait(pending, timeout=drain_timeout_s)
            for task in still_running:
                task.cancel()
            await asyncio.gather(*still_running, return_exceptions=True)

    async def _work(self, item: InboxItem) -> None:
        message = item.message
        lines = [item]
        try:
            reply = item.reply
            if item.status is InboxStatus.PENDING:
                answerer = self._answerers.get(message.bot_id)
                if answerer is None:
                    log.error("inbox item for an unknown bot; dropped", extra={"bot": message.bot_id})
                    self._store.mark_done(item.id)
                    return
                lines = self._lines(item)
                together = replace(item, message=combined([line.message for line in lines]))
                reply = await self._answer(answerer, together)
                if len(lines) == 1:
                    self._store.mark_answered(item.id, reply)
                else:
                    self._store.mark_answered_together([line.id for line in lines], reply)
            if reply is not None and item.status is InboxStatus.ANSWERED:
                reply = replace(reply, resent=True)  # an earlier attempt got as far as delivering it
            carrier = lines[-1].id  # the newest line: its reply handle is the one the reply uses
            in_response = reply is not None and await self._deliver(carrier, reply)
            for line in lines[:-1]:
                self._release_waiter(line.id)  # its webhook answers "received"; the reply went with the newest
                self._store.mark_done(line.id)
            self._store.mark_done(carrier, in_response=in_response)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - the message stays in the inbox and is tried again
            self._metrics.inc("seabot_inbox_failures_total", channel=message.channel)
            if item.attempts + 1 >= self._max_attempts:
                log.error(
                    "giving up on an inbox item after %d attempts: %s",
                    item.attempts + 1,
                    type(exc).__name__,
                    extra={"bot": message.bot_id, "channel": message.channel, "inbox_id": item.id},
                )
                for line in lines:
                    self._store.mark_done(line.id)
                return
            log.warning(
                "inbox item failed, will retry: %s: %s",
                type(exc).__name__,
                exc,
                extra={"bot": message.bot_id, "channel": message.channel, "inbox_id": item.id},
            )
            await asyncio.sleep(self._retry_delay_s * (2**item.attempts))

    def _lines(self, item: InboxItem) -> list[InboxItem]:
        """``item`` and the lines its customer sent right after it, still unanswered: consecutive
        text messages from the same person (a sticker, another member of a group, or a line
        already answered ends them)."""
        if not self._gap_s or item.message.kind is not MessageKind.TEXT:
            return [item]
        first = item.message
        key = conversation_key(first.bot_id, first.channel, first.conversation_id)
        lines: list[InboxItem] = []
        for open_item in self._store.open_items(key, MAX_LINES):
            if not lines and open_item.id != item.id:
                return [item]  # not the oldest any more: answer it alone
            message = open_item.message
            if lines and (open_item.status is not InboxStatus.PENDING or message.kind is not MessageKind.TEXT
                          or message.user_id != first.user_id):  # fmt: skip
                break
            lines.append(open_item)
        return lines or [item]

    def _release_waiter(self, inbox_id: int) -> None:
        waiter = self._waiters.get(inbox_id)
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def _answer(self, answerer: Answerer, item: InboxItem) -> Reply | None:
        try:
            return await answerer.answer(item.message)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if item.attempts + 1 < self._max_attempts:
                raise
            log.error(
                "answering failed on the last attempt (%s); sending the follow-up note instead",
                type(exc).__name__,
                extra={"bot": item.message.bot_id, "channel": item.message.channel, "inbox_id": item.id},
            )
            return await answerer.follow_up(item.message)

    async def _deliver(self, inbox_id: int, reply: Reply) -> bool:
        """Send the reply; True when it went to a waiting webhook's response instead."""
        waiter = self._waiters.get(inbox_id)
        if waiter is not None and not waiter.done():
            waiter.set_result(reply)  # the webhook's own response carries the answer
            return True
        sender = self._senders(reply.bot_id, reply.channel)
        if sender is None:
            log.error("no sender for channel; answer kept in history", extra={"channel": reply.channel})
            return False
        await sender.deliver(reply)
        return False

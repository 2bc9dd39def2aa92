"""The inbox worker: order per conversation, parallel across, answered once, nothing lost."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from pathlib import Path

import pytest

from seabot.core.inbox import InboxWorker
from seabot.core.messages import InboundMessage, Reply
from seabot.core.metrics import Metrics
from seabot.storage import SqliteStore

pytestmark = pytest.mark.anyio


def inbound(message_id: str, chat: str) -> InboundMessage:
    return InboundMessage(bot_id="b", channel="c", message_id=message_id, user_id=chat, chat_id=chat, text=message_id)


class EchoAnswerer:
    """Answers with the message id after a short pause; records concurrency per chat."""

    def __init__(self, pause: float = 0.01, fail_first: int = 0, slow: frozenset[str] = frozenset()) -> None:
        self.pause = pause
        self.slow = slow  # message ids that take half a second
        self.fail_first = fail_first
        self.calls = 0
        self.active: dict[str, int] = defaultdict(int)
        self.max_parallel_chats = 0
        self.overlap_in_one_chat = False

    async def answer(self, message: InboundMessage) -> Reply | None:
        self.calls += 1
        if self.calls <= self.fail_first:
            raise RuntimeError("the model is down")
        self.active[message.chat_id] += 1
        self.overlap_in_one_chat |= self.active[message.chat_id] > 1
        self.max_parallel_chats = max(self.max_parallel_chats, sum(1 for v in self.active.values() if v))
        await asyncio.sleep(0.5 if message.message_id in self.slow else self.pause)
        self.active[message.chat_id] -= 1
        return Reply("b", "c", message.chat_id, message.user_id, f"re:{message.message_id}", "en", message.message_id)


class RecordingSender:
    def __init__(self) -> None:
        self.sent: list[Reply] = []

    async def deliver(self, reply: Reply) -> None:
        self.sent.append(reply)


async def drain(worker: InboxWorker, store: SqliteStore, timeout: float = 30.0) -> None:
    task = asyncio.create_task(worker.run())
    try:
        async with asyncio.timeout(timeout):
            while store.inbox_depth():
                await asyncio.sleep(0.01)
    finally:
        await worker.stop()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_in_order_per_conversation_parallel_across(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "i.db")
    answerer, sender = EchoAnswerer(), RecordingSender()
    worker = InboxWorker(store, {"b": answerer}, lambda b, c: sender, Metrics(), concurrency=8)
    for n in range(5):
        for chat in ("A", "B", "C", "D"):
            await worker.accept(inbound(f"{chat}{n}", chat))
    await drain(worker, store)
    assert len(sender.sent) == 20
    for chat in "ABCD":
        assert [r.text for r in sender.sent if r.chat_id == chat] == [f"re:{chat}{n}" for n in range(5)]
    assert not answerer.overlap_in_one_chat
    assert answerer.max_parallel_chats > 1


async def test_redelivery_storm_is_answered_once(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "i.db")
    answerer, sender = EchoAnswerer(), RecordingSender()
    metrics = Metrics()
    worker = InboxWorker(store, {"b": answerer}, lambda b, c: sender, metrics)
    results = await asyncio.gather(*(worker.accept(inbound("same", "A")) for _ in range(50)))
    assert sum(not r.duplicate for r in results) == 1
    await drain(worker, store)
    assert [r.text for r in sender.sent] == ["re:same"]
    assert metrics.value("seabot_inbound_total", channel="c", outcome="duplicate") == 49


async def test_answered_but_unsent_items_are_sent_after_restart_without_answering_again(tmp_path: Path) -> None:
    path = tmp_path / "i.db"
    store = SqliteStore(path)
    first = store.enqueue(inbound("m1", "A"))
    store.mark_answered(first.inbox_id, Reply("b", "c", "A", "A", "stored answer", "en", "m1"))
    store.enqueue(inbound("m2", "A"))
    store.close()  # the process died after answering m1, before sending it
    store = SqliteStore(path)
    answerer, sender = EchoAnswerer(), RecordingSender()
    await drain(InboxWorker(store, {"b": answerer}, lambda b, c: sender, Metrics()), store)
    assert [r.text for r in sender.sent] == ["stored answer", "re:m2"]
    assert answerer.calls == 1  # m1 was not answered twice


async def test_a_failing_answer_is_retried_not_lost(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "i.db")
    answerer, sender = EchoAnswerer(fail_first=2), RecordingSender()
    worker = InboxWorker(store, {"b": answerer}, lambda b, c: sender, Metrics(), retry_delay_s=0.01)
    await worker.accept(inbound("m1", "A"))
    await drain(worker, store)
    assert [r.text for r in sender.sent] == ["re:m1"]


async def test_a_waiting_webhook_gets_the_reply_instead_of_the_sender(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "i.db")
    answerer, sender = EchoAnswerer(slow=frozenset({"m2"})), RecordingSender()
    worker = InboxWorker(store, {"b": answerer}, lambda b, c: sender, Metrics())
    task = asyncio.create_task(worker.run())
    try:
        enqueued = await worker.accept(inbound("m1", "A"))
        reply = await worker.wait_for_reply(enqueued.inbox_id, timeout=30)
        assert reply is not None and reply.text == "re:m1"
        late = await worker.accept(inbound("m2", "A"))
        assert await worker.wait_for_reply(late.inbox_id, timeout=0.01) is None
        async with asyncio.timeout(30):
            while store.inbox_depth():
                await asyncio.sleep(0.01)
        assert [r.text for r in sender.sent] == ["re:m2"]  # it went through the platform API instead
    finally:
        await worker.stop()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

"""The inbox worker: order per conversation, parallel across, answered once, nothing lost."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from pathlib import Path

import pytest

from seabot.core.inbox import InboxWorker
from seabot.core.messages import InboundMessage, MessageKind, Reply
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


# -- a customer who types in bursts --------------------------------------------------------------


class TextAnswerer:
    """Answers with the text it was asked; ``hold`` keeps every call waiting (a process that
    dies mid-answer)."""

    def __init__(self, hold: bool = False) -> None:
        self.asked: list[str] = []
        self.started = asyncio.Event()
        self.hold = hold

    async def answer(self, message: InboundMessage) -> Reply | None:
        self.asked.append(message.text)
        self.started.set()
        if self.hold:
            await asyncio.Event().wait()
        return Reply("b", "c", message.chat_id, message.user_id, f"re:{message.text}", "en", message.message_id,
                     reply_handle=message.reply_handle)  # fmt: skip

    async def follow_up(self, message: InboundMessage) -> Reply:
        return Reply("b", "c", message.chat_id, message.user_id, "a person will reply", "en", message.message_id)


BURST = ("hi", "I want to ask", "about my order", "#1001")


def line(message_id: str, text: str, chat: str = "A", user: str | None = None, **more: object) -> InboundMessage:
    return InboundMessage(bot_id="b", channel="c", message_id=message_id, user_id=user or chat, chat_id=chat,
                          text=text, reply_handle=f"token-{message_id}", **more)  # type: ignore[arg-type]  # **more: fields of several types  # fmt: skip


async def test_a_burst_of_lines_is_answered_once_as_one_message_with_the_newest_reply_handle(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "i.db")
    answerer, sender = TextAnswerer(), RecordingSender()
    worker = InboxWorker(store, {"b": answerer}, lambda b, c: sender, Metrics(), coalesce_gap_s=0.05)
    for n, text in enumerate(BURST):
        await worker.accept(line(f"m{n}", text))
    await worker.accept(line("other", "hello", chat="B"))
    await drain(worker, store)
    assert sorted(answerer.asked) == sorted(["\n".join(BURST), "hello"])  # one answer per customer
    mine = [r for r in sender.sent if r.chat_id == "A"]
    assert [(r.text, r.in_reply_to, r.reply_handle) for r in mine] == [("re:" + "\n".join(BURST), "m3", "token-m3")]
    assert store.inbox_depth() == 0  # every line is done with the one answer


async def test_another_group_member_or_a_sticker_ends_the_lines_answered_together(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "i.db")
    answerer, sender = TextAnswerer(), RecordingSender()
    worker = InboxWorker(store, {"b": answerer}, lambda b, c: sender, Metrics(), coalesce_gap_s=0.05)
    await worker.accept(line("g1", "hi", chat="G", user="ann"))
    await worker.accept(line("g2", "where is", chat="G", user="ann"))
    await worker.accept(line("g3", "me too", chat="G", user="bob"))
    await worker.accept(line("g4", "", chat="G", user="bob", kind=MessageKind.STICKER))
    await worker.accept(line("g5", "my parcel", chat="G", user="bob"))
    await drain(worker, store)
    assert answerer.asked == ["hi\nwhere is", "me too", "", "my parcel"]  # in order, never mixed


async def test_lines_that_come_while_the_answer_is_written_are_answered_next_together(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "i.db")
    gate = asyncio.Event()

    class Slow(TextAnswerer):
        async def answer(self, message: InboundMessage) -> Reply | None:
            reply = await super().answer(message)
            await gate.wait()
            return reply

    answerer, sender = Slow(), RecordingSender()
    worker = InboxWorker(store, {"b": answerer}, lambda b, c: sender, Metrics(), coalesce_gap_s=0.05)
    task = asyncio.create_task(worker.run())
    try:
        await worker.accept(line("m0", "hi"))
        await answerer.started.wait()
        for n, text in enumerate(BURST[1:], start=1):
            await worker.accept(line(f"m{n}", text))
        gate.set()
        async with asyncio.timeout(30):
            while store.inbox_depth():
                await asyncio.sleep(0.01)
    finally:
        await worker.stop()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert answerer.asked == ["hi", "I want to ask\nabout my order\n#1001"]
    assert len(sender.sent) == 2


async def test_a_crash_while_a_burst_is_answered_answers_it_once_after_the_restart(tmp_path: Path) -> None:
    path = tmp_path / "i.db"
    store = SqliteStore(path)
    dying = TextAnswerer(hold=True)
    worker = InboxWorker(store, {"b": dying}, lambda b, c: RecordingSender(), Metrics(), coalesce_gap_s=0.05)
    for n, text in enumerate(BURST):
        await worker.accept(line(f"m{n}", text))
    task = asyncio.create_task(worker.run())
    await dying.started.wait()
    task.cancel()  # the process dies mid-answer: nothing was marked
    await worker.stop(drain_timeout_s=0)
    await asyncio.gather(task, return_exceptions=True)
    store.close()
    store = SqliteStore(path)
    assert store.inbox_depth() == len(BURST)  # nothing lost
    answerer, sender = TextAnswerer(), RecordingSender()
    await drain(InboxWorker(store, {"b": answerer}, lambda b, c: sender, Metrics(), coalesce_gap_s=0.05), store)
    assert answerer.asked == ["\n".join(BURST)]
    assert [r.in_reply_to for r in sender.sent] == ["m3"]


async def test_a_crash_after_a_burst_was_answered_sends_that_answer_once_without_answering_again(
    tmp_path: Path,
) -> None:
    path = tmp_path / "i.db"
    store = SqliteStore(path)
    ids = [store.enqueue(line(f"m{n}", text)).inbox_id for n, text in enumerate(BURST)]
    store.mark_answered_together(ids, Reply("b", "c", "A", "A", "the one answer", "en", "m3", "token-m3"))
    store.close()  # died before delivering
    store = SqliteStore(path)
    answerer, sender = TextAnswerer(), RecordingSender()
    await drain(InboxWorker(store, {"b": answerer}, lambda b, c: sender, Metrics(), coalesce_gap_s=0.05), store)
    assert answerer.asked == []
    assert [(r.text, r.resent) for r in sender.sent] == [("the one answer", True)]


async def test_a_webhook_waiting_for_its_answer_is_not_held_for_the_gap(tmp_path: Path) -> None:
    # WeChat's passive reply rides on the webhook's own response, within ~4 s: a 1.5 s gap
    # would eat most of it. With a gap far longer than the wait, the answer still comes in it.
    store = SqliteStore(tmp_path / "i.db")
    answerer, sender = TextAnswerer(), RecordingSender()
    worker = InboxWorker(store, {"b": answerer}, lambda b, c: sender, Metrics(), coalesce_gap_s=600)
    first = await worker.accept(line("w1", "hi"))
    second = await worker.accept(line("w2", "is it shipped"))
    task = asyncio.create_task(worker.run())
    try:
        older, newer = await asyncio.gather(
            worker.wait_for_reply(first.inbox_id, timeout=60), worker.wait_for_reply(second.inbox_id, timeout=60)
        )
    finally:
        await worker.stop()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert older is None  # its webhook just acknowledges: the answer went with the newest line's
    assert newer is not None and newer.text == "re:hi\nis it shipped"
    assert sender.sent == [] and store.inbox_depth() == 0
    assert store.delivery(second.inbox_id).reply_in_response == newer  # a redelivery gets it again

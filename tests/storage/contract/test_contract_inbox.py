"""Contract: the durable inbox (dedupe, order per conversation, leases, waking) on every engine."""

from __future__ import annotations

import asyncio

import pytest

from seabot.core.messages import ChatKind, InboundMessage, Reply
from seabot.core.storage import Inbox, Storage
from seabot.core.storage.keys import conversation_key
from seabot.core.store import InboxStatus

pytestmark = pytest.mark.anyio


def inbound(message_id: str, chat: str = "u1", text: str = "hi") -> InboundMessage:
    return InboundMessage(bot_id="b", channel="line", message_id=message_id, user_id=chat, chat_id=chat, text=text)


def key(chat: str) -> str:
    return conversation_key("b", "line", chat)


async def test_a_redelivered_message_is_accepted_once(storage: Storage) -> None:
    assert isinstance(storage, Inbox)
    first = await storage.enqueue(inbound("evt-1"))
    again = await storage.enqueue(inbound("evt-1"))
    assert not first.duplicate and again.duplicate and again.inbox_id == first.inbox_id
    assert await storage.depth() == 1


async def test_one_head_per_conversation_leased_to_one_claimer(storage: Storage) -> None:
    for message_id, chat in [("a1", "a"), ("a2", "a"), ("b1", "b")]:
        await storage.enqueue(inbound(message_id, chat, text=message_id))
    mine = await storage.claim("w1", 10, lease_s=30)
    assert [item.message.text for item in mine] == ["a1", "b1"]
    assert all(item.status is InboxStatus.PENDING and item.attempts == 0 for item in mine)
    assert await storage.claim("w2", 10, lease_s=30) == []  # both conversations are leased
    await storage.finish(mine[0].id, "w1")
    nxt = await storage.claim("w2", 10, lease_s=30)
    assert [item.message.text for item in nxt] == ["a2"]  # a's next message, now free
    assert await storage.depth() == 2


async def test_an_answer_is_kept_for_the_retry_and_attempts_count(storage: Storage) -> None:
    await storage.enqueue(inbound("m1"))
    [item] = await storage.claim("w1", 1, lease_s=30)
    reply = Reply(bot_id="b", channel="line", chat_id="u1", user_id="u1", lang="en", text="hello", in_reply_to="m1")
    await storage.mark_answered(item.id, reply)
    await storage.release("w1", [key("u1")])  # shutting down before delivering
    [again] = await storage.claim("w2", 1, lease_s=30)
    assert again.id == item.id and again.status is InboxStatus.ANSWERED and again.reply == reply
    assert again.attempts == 1
    assert not (await storage.delivery(item.id)).done
    await storage.finish(item.id, "w2", in_response=True)
    delivery = await storage.delivery(item.id)
    assert delivery.done and delivery.reply_in_response == reply
    assert await storage.depth() == 0 and await storage.claim("w1", 5, lease_s=30) == []


async def test_a_lease_not_renewed_expires_and_is_taken_over(storage: Storage) -> None:
    await storage.enqueue(inbound("m1"))
    [held] = await storage.claim("dead", 1, lease_s=0.3)
    assert await storage.claim("alive", 1, lease_s=30) == []
    await asyncio.sleep(0.4)
    [taken] = await storage.claim("alive", 1, lease_s=30)
    assert taken.id == held.id and taken.attempts == 1
    assert await storage.renew("dead", [key("u1")], lease_s=30) == set()  # the dead one lost it
    assert await storage.renew("alive", [key("u1")], lease_s=30) == {key("u1")}
    await storage.finish(taken.id, "dead")  # a late finish of the loser ends nobody's lease
    assert await storage.renew("alive", [key("u1")], lease_s=30) == {key("u1")}


async def test_a_renewed_lease_outlives_its_first_expiry(storage: Storage) -> None:
    await storage.enqueue(inbound("m1"))
    await storage.claim("w1", 1, lease_s=0.3)
    for _ in range(3):
        await asyncio.sleep(0.15)
        assert await storage.renew("w1", [key("u1")], lease_s=0.3) == {key("u1")}
    assert await storage.claim("w2", 1, lease_s=30) == []


async def test_new_work_wakes_a_waiting_claimer(storage: Storage) -> None:
    assert await storage.claim("w1", 5, lease_s=30) == []  # a claimer waits after finding nothing
    waiting = asyncio.create_task(storage.wait_for_work(5.0))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    await storage.enqueue(inbound("m1"))
    assert await asyncio.wait_for(waiting, 2.0) is True
    assert await storage.wait_for_work(0.05) is False  # nothing new since


async def test_a_claimed_message_comes_back_as_it_was_accepted(storage: Storage) -> None:
    sent = InboundMessage(
        bot_id="b", channel="line", message_id="m\ufffd1", user_id="u", chat_id="g", text="ส่ง\ufffd ไหม",
        chat_kind=ChatKind.GROUP, reply_handle="token", repaired=True,
    )  # fmt: skip
    await storage.enqueue(sent)
    [item] = await storage.claim("w1", 1, lease_s=30)
    assert item.message == sent


async def test_work_that_came_during_a_claim_is_not_slept_through(storage: Storage) -> None:
    assert await storage.claim("w1", 5, lease_s=30) == []
    await storage.enqueue(inbound("m1"))  # after the claim looked, before the claimer waits
    await asyncio.sleep(0.2)  # (PostgreSQL: the notice has arrived)
    started = asyncio.get_running_loop().time()
    assert await storage.wait_for_work(5.0) is True
    assert asyncio.get_running_loop().time() - started < 0.1
    assert len(await storage.claim("w1", 5, lease_s=30)) == 1
    assert await storage.wait_for_work(0.05) is False  # that wake-up was answered by the claim

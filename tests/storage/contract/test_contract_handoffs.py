"""Contract: handing conversations to a person and back, on every engine."""

from __future__ import annotations

import pytest

from seabot.core.messages import ChatKind, Role
from seabot.core.storage import Handoffs, Storage
from seabot.core.store import Handoff, StoredMessage

pytestmark = pytest.mark.anyio


async def test_a_handoff_is_recorded_once_listed_and_released(storage: Storage) -> None:
    assert isinstance(storage, Handoffs)
    conv = await storage.conversation("b", "line", "u", ChatKind.PRIVATE)
    other = await storage.conversation("b2", "line", "v", ChatKind.PRIVATE)
    handoff = Handoff(conv.id, "b", "line", "u", "u", "th", ("angry", "refund"), created_at=100.0)
    first = await storage.record_handoff(handoff)
    assert first > 0 and await storage.record_handoff(handoff) == first  # still open: the same record
    await storage.set_handoff(other.id, True)  # marked without a record (an agent took it)
    assert (await storage.conversation("b", "line", "u", ChatKind.PRIVATE)).handoff
    [listed] = await storage.open_handoffs("b")
    assert (listed.id, listed.conversation_id, listed.reasons, listed.lang, listed.created_at) == (
        first, conv.id, ("angry", "refund"), "th", 100.0,
    )  # fmt: skip
    # oldest first: the record's time, else when the conversation was marked (just now)
    assert [h.conversation_id for h in await storage.open_handoffs()] == [conv.id, other.id]
    assert await storage.release_handoff("b", "u", 200.0) == 1
    assert await storage.release_handoff("b", "u", 201.0) == 0
    assert await storage.open_handoffs("b") == []
    assert not (await storage.conversation("b", "line", "u", ChatKind.PRIVATE)).handoff


async def test_in_a_group_only_the_member_who_asked_goes_to_a_person(storage: Storage) -> None:
    group = await storage.conversation("b", "telegram", "g1", ChatKind.GROUP)
    for n, user in enumerate(("alice", "bob", "carol")):
        await storage.append(
            StoredMessage(group.id, "b", "telegram", "g1", user, Role.CUSTOMER, "help", inbound_id=str(n))
        )
    alice = await storage.record_handoff(
        Handoff(group.id, "b", "telegram", "g1", "alice", None, ("refund",), created_at=5.0)
    )
    assert (
        await storage.record_handoff(Handoff(group.id, "b", "telegram", "g1", "alice", None, (), created_at=6.0))
        == alice
    )
    await storage.record_handoff(Handoff(group.id, "b", "telegram", "g1", "bob", None, (), created_at=7.0))
    assert not (await storage.conversation("b", "telegram", "g1", ChatKind.GROUP)).handoff  # the group keeps the bot
    assert await storage.member_handed_off(group.id, "alice") and not await storage.member_handed_off(group.id, "carol")
    assert [(h.user_id, h.reasons) for h in await storage.open_handoffs("b")] == [("alice", ("refund",)), ("bob", ())]
    assert await storage.release_handoff("b", "alice", 8.0) == 1  # the member
    assert not await storage.member_handed_off(group.id, "alice") and await storage.member_handed_off(group.id, "bob")
    await storage.record_handoff(Handoff(group.id, "b", "telegram", "g1", "carol", None, (), created_at=9.0))
    assert await storage.release_handoff("b", "g1", 10.0) == 2  # the whole group, by its chat id
    assert await storage.open_handoffs("b") == []

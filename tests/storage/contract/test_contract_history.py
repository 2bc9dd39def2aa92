"""Contract: conversations, history and spend behave the same on every engine."""

from __future__ import annotations

import pytest

from seabot.core.messages import ChatKind, Role
from seabot.core.storage import History, Spend, Storage
from seabot.core.store import StoredMessage

pytestmark = pytest.mark.anyio

DAY = 1_780_000_000.0  # 2026-05-28 UTC, some seconds after midnight


def said(
    conv_id: int, text: str, *, role: Role = Role.CUSTOMER, user: str = "u", chat: str = "u", **extra: object
) -> StoredMessage:
    return StoredMessage(conv_id, "b", "line", chat, user, role, text, **extra)  # type: ignore[arg-type]  # **extra: fields of several types


async def test_every_engine_is_every_protocol(storage: Storage) -> None:
    assert isinstance(storage, History) and isinstance(storage, Spend) and isinstance(storage, Storage)
    assert storage.schema.version >= 1


async def test_a_conversation_is_made_once_and_found_again(storage: Storage) -> None:
    first = await storage.conversation("b", "line", "u", ChatKind.PRIVATE)
    again = await storage.conversation("b", "line", "u", ChatKind.PRIVATE)
    other = await storage.conversation("b", "telegram", "u", ChatKind.GROUP)
    assert first == again and first.id > 0 and first.lang is None and not first.handoff
    assert other.id != first.id and other.chat_kind is ChatKind.GROUP


async def test_history_keeps_order_language_and_every_field(storage: Storage) -> None:
    conv = await storage.conversation("b", "line", "u", ChatKind.PRIVATE)
    assert (
        await storage.append(said(conv.id, "สวัสดี", lang="th", inbound_id="m1", created_at=DAY), conversation_lang="th")
        > 0
    )
    reply = said(
        conv.id, "hello", role=Role.BOT, lang="th", responder="llm", model="m", tier="fast", tokens_in=10,
        tokens_out=5, cost_usd=0.25, latency_ms=12.5, attempts=1, inbound_id="m1", created_at=DAY + 1, fallback=True,
    )  # fmt: skip
    await storage.append(reply)
    assert (await storage.conversation("b", "line", "u", ChatKind.PRIVATE)).lang == "th"
    history = await storage.history("b", "u")
    assert [(m.role, m.text) for m in history] == [(Role.CUSTOMER, "สวัสดี"), (Role.BOT, "hello")]
    assert history[1] == reply
    assert [(m.role, m.text, m.inbound_id) for m in await storage.recent(conv.id, 1)] == [(Role.BOT, "hello", "m1")]
    assert await storage.history("b", "nobody") == []


async def test_a_redelivered_message_is_stored_once_and_costs_once(storage: Storage) -> None:
    conv = await storage.conversation("b", "line", "u", ChatKind.PRIVATE)
    for _ in range(3):
        await storage.append(said(conv.id, "hi", inbound_id="m1", created_at=DAY))
        await storage.append(said(conv.id, "yo", role=Role.BOT, inbound_id="m1", cost_usd=0.5, created_at=DAY))
    assert len(await storage.history("b", "u")) == 2
    assert await storage.day_spend_usd("b", DAY + 60) == pytest.approx(0.5)
    assert await storage.conversation_spend_usd(conv.id) == pytest.approx(0.5)


async def test_spend_is_per_bot_and_utc_day(storage: Storage) -> None:
    conv = await storage.conversation("b", "line", "u", ChatKind.PRIVATE)
    await storage.append(said(conv.id, "a", role=Role.BOT, inbound_id="1", cost_usd=0.1, created_at=DAY))
    await storage.append(said(conv.id, "b", role=Role.BOT, inbound_id="2", cost_usd=0.2, created_at=DAY + 86_400))
    await storage.append(said(conv.id, "c", role=Role.CUSTOMER, inbound_id="3", cost_usd=9.0, created_at=DAY))
    assert await storage.day_spend_usd("b", DAY) == pytest.approx(0.1)
    assert await storage.day_spend_usd("b", DAY + 86_400) == pytest.approx(0.2)
    assert await storage.day_spend_usd("other", DAY) == 0.0
    assert await storage.conversation_spend_usd(conv.id) == pytest.approx(9.3)


async def test_a_nul_in_customer_text_is_stored_not_refused(storage: Storage) -> None:
    conv = await storage.conversation("b", "telegram", "u\x00x", ChatKind.PRIVATE)
    await storage.append(said(conv.id, "hi\x00there", chat="u\x00x", user="u\x00x", inbound_id="1"))
    [stored] = await storage.history("b", "u\x00x") or await storage.history("b", "u\ufffdx")
    # SQLite keeps it; PostgreSQL's text cannot hold NUL and keeps U+FFFD in its place
    assert stored.text in {"hi\x00there", "hi\ufffdthere"}

"""Contract: daily stats and erasure of one customer, on every engine."""

from __future__ import annotations

import calendar
import math

import pytest

from seabot.core.messages import ChatKind, InboundMessage, Role
from seabot.core.storage import Eraser, Stats, Storage
from seabot.core.store import CachedAnswer, Erasure, Handoff, StoredMessage
from seabot.core.textnorm import normalize

pytestmark = pytest.mark.anyio

DAY1 = float(calendar.timegm((2026, 5, 1, 8, 0, 0)))
DAY2 = DAY1 + 86_400


async def test_daily_stats_per_bot_and_day(storage: Storage) -> None:
    assert isinstance(storage, Stats)
    conv = await storage.conversation("b", "line", "u", ChatKind.PRIVATE)

    async def turn(n: int, at: float, lang: str, **reply: object) -> None:
        await storage.append(
            StoredMessage(
                conv.id, "b", "line", "u", "u", Role.CUSTOMER, f"q{n}", lang=lang, inbound_id=str(n), created_at=at
            )
        )
        await storage.append(
            StoredMessage(
                conv.id,
                "b",
                "line",
                "u",
                "u",
                Role.BOT,
                f"a{n}",
                lang=lang,
                inbound_id=str(n),
                created_at=at + 1,
                **reply,
            )
        )

    await turn(
        1,
        DAY1,
        "th",
        responder="llm",
        model="m1",
        tier="fast",
        tokens_in=100,
        tokens_out=10,
        cost_usd=0.01,
        latency_ms=100.0,
    )
    await turn(
        2,
        DAY1 + 60,
        "th",
        responder="llm",
        model="m2",
        tier="premium",
        tokens_in=200,
        tokens_out=20,
        cost_usd=0.05,
        latency_ms=300.0,
        fallback=True,
    )
    await turn(3, DAY1 + 120, "en", responder="cache", tier="fast", latency_ms=5.0)
    await turn(4, DAY2, "id", responder="faq", latency_ms=1.0)
    await turn(5, DAY2 + 60, "id", responder="orders", context='{"outcome": "found", "order": {"ref": "1001"}}')
    await turn(6, DAY2 + 120, "id", responder="llm", tier="premium", cost_usd=0.02, context='{"outcome": "found"}')
    await turn(7, DAY2 + 180, "id", responder="orders", context='{"outcome": "not_found", "order": null}')
    await storage.record_handoff(Handoff(conv.id, "b", "line", "u", "u", "th", ("angry",), created_at=DAY1 + 200))
    other = await storage.conversation("c", "line", "v", ChatKind.PRIVATE)
    await storage.append(StoredMessage(other.id, "c", "line", "v", "v", Role.CUSTOMER, "hi", created_at=DAY1))

    day1, day2 = await storage.daily_stats(DAY1 - 3600, "b")
    assert (day1.bot_id, day1.day, day2.day) == ("b", "2026-05-01", "2026-05-02")
    assert (day1.messages, day1.answers, day1.tokens_in, day1.tokens_out) == (3, 3, 300, 30)
    assert day1.cost_usd == pytest.approx(0.06)
    assert day1.languages == {"th": 2, "en": 1}
    assert day1.tiers == {"fast": 2, "premium": 1}
    assert day1.models == {"m1": 1, "m2": 1}
    assert day2.tiers == {"faq": 1, "orders": 2, "premium": 1}  # no tier: counted under who gave it
    assert day2.order_lookups == {"found": 2, "not_found": 1} and day2.order_cost_usd == pytest.approx(0.02)
    assert (day1.p50_ms, day1.p95_ms) == (100.0, 300.0)
    assert (day1.cache_hits, day1.fallbacks, day1.handoffs, day1.llm_tokens_in, day1.llm_tokens_out) == (
        1,
        1,
        1,
        300,
        30,
    )
    assert (day2.messages, day2.answers, day2.p50_ms, day2.handoffs, day2.cost_usd) == (4, 4, 1.0, 0, 0.02)
    assert {s.bot_id for s in await storage.daily_stats(DAY1 - 3600)} == {"b", "c"}
    assert await storage.daily_stats(DAY2 + 86_400) == []


async def test_forget_erases_one_customer_everywhere_and_no_one_else(storage: Storage) -> None:
    assert isinstance(storage, Eraser)
    private = await storage.conversation("b", "line", "alice", ChatKind.PRIVATE)
    group = await storage.conversation("b", "line", "g", ChatKind.GROUP)
    bob = await storage.conversation("b", "line", "bob", ChatKind.PRIVATE)
    for conv, chat, user, n in [
        (private, "alice", "alice", "1"),
        (group, "g", "alice", "2"),
        (group, "g", "bob", "3"),
        (bob, "bob", "bob", "4"),
    ]:
        await storage.append(
            StoredMessage(conv.id, "b", "line", chat, user, Role.CUSTOMER, f"where is order {n}", inbound_id=n)
        )
        await storage.append(StoredMessage(conv.id, "b", "line", chat, user, Role.BOT, "on its way", inbound_id=n))
    await storage.enqueue(
        InboundMessage(bot_id="b", channel="line", message_id="i1", user_id="alice", chat_id="alice", text="x")
    )
    await storage.enqueue(
        InboundMessage(bot_id="b", channel="line", message_id="i2", user_id="alice", chat_id="g", text="y")
    )
    await storage.enqueue(
        InboundMessage(bot_id="b", channel="line", message_id="i3", user_id="bob", chat_id="g", text="z")
    )
    await storage.record_handoff(Handoff(private.id, "b", "line", "alice", "alice", None, (), created_at=1.0))
    await storage.take_token("b", "line", "alice", capacity=1, refill_per_s=1, now=1.0)
    await storage.take_token("b", "line", "bob", capacity=1, refill_per_s=1, now=1.0)
    for n in ("1", "2", "3"):
        await storage.cache_answer(
            CachedAnswer("b", "en", normalize(f"where is order {n}"), "soon", None, None, 1.0, 9e9)
        )

    erased = await storage.forget("b", "alice")

    assert erased == Erasure(messages=4, conversations=1, inbox=2, cache=2, handoffs=1, rate_limits=1)
    assert await storage.history("b", "alice") == []
    assert [m.text for m in await storage.history("b", "bob")] == [
        "where is order 3",
        "on its way",
        "where is order 4",
        "on its way",
    ]
    assert await storage.depth() == 1
    assert await storage.cached_answer("b", "en", normalize("where is order 3"), 2.0) is not None
    assert await storage.forget("b", "alice") == Erasure()


@pytest.mark.parametrize("count", [1, 2, 19, 20, 37])
async def test_latency_percentiles_are_nearest_rank(storage: Storage, count: int) -> None:
    conv = await storage.conversation("b", "line", "u", ChatKind.PRIVATE)
    latencies = [float((n * 7919) % 1000) for n in range(count)]
    for n, ms in enumerate(latencies):
        await storage.append(
            StoredMessage(
                conv.id, "b", "line", "u", "u", Role.BOT, "a", inbound_id=str(n), latency_ms=ms, created_at=DAY1
            )
        )
    ordered = sorted(latencies)
    [day] = await storage.daily_stats(DAY1 - 60, "b")
    assert (day.p50_ms, day.p95_ms) == (ordered[math.ceil(count * 0.5) - 1], ordered[math.ceil(count * 0.95) - 1])

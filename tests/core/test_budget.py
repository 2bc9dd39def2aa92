"""Budgets: spend summed from stored replies, downgrade near a limit, offline past it."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from llm_server import FakeClock, FakeLLM, answer

from seabot.core.budget import BudgetGuard, day_start
from seabot.core.llm import ChatClient, LLMSettings, TierSpec
from seabot.core.llm.responder import TieredResponder
from seabot.core.messages import ChatKind, Role
from seabot.core.metrics import Metrics
from seabot.core.offline import OfflineResponder
from seabot.core.profile import BotProfile
from seabot.core.responder import ResponderRequest
from seabot.core.store import StoredMessage
from seabot.storage import SqliteStore

pytestmark = pytest.mark.anyio
NOW = 1_700_000_000.0  # 2023-11-14T22:13:20Z


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    s = SqliteStore(tmp_path / "seabot.db")
    yield s
    s.close()


def spend(store: SqliteStore, chat: str, usd: float, at: float = NOW) -> int:
    conv = store.conversation("shop", "line", chat, ChatKind.PRIVATE)
    store.append(StoredMessage(conv.id, "shop", "line", chat, chat, Role.BOT, "x", cost_usd=usd, created_at=at))
    return conv.id


async def test_spend_is_per_utc_day_and_per_conversation_and_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    store = SqliteStore(path)
    spend(store, "a", 0.5, at=day_start(NOW) - 1)  # yesterday
    conv_a = spend(store, "a", 0.25)
    spend(store, "b", 1.0)
    store.close()
    store = SqliteStore(path)
    assert store.day_spend_usd("shop", NOW) == pytest.approx(1.25)
    assert store.day_spend_usd("shop", day_start(NOW) - 1) == pytest.approx(0.5)
    assert store.conversation_spend_usd(conv_a) == pytest.approx(0.75)
    store.close()


async def test_a_reply_stored_again_is_not_paid_twice_and_erasure_keeps_the_day_spent(store: SqliteStore) -> None:
    conv = store.conversation("shop", "line", "c1", ChatKind.PRIVATE)
    reply = StoredMessage(
        conv.id, "shop", "line", "c1", "c1", Role.BOT, "x", cost_usd=0.2, inbound_id="m1", created_at=NOW
    )
    for _ in range(3):  # a retried message stores its reply once
        store.append(reply)
    store.append(StoredMessage(conv.id, "shop", "line", "c1", "c1", Role.CUSTOMER, "q", cost_usd=9.0, created_at=NOW))
    assert store.day_spend_usd("shop", NOW) == pytest.approx(0.2)
    assert store.day_spend_usd("other-bot", NOW) == 0.0
    store.forget("shop", "c1")  # the customer's history goes; the money was still spent
    assert store.day_spend_usd("shop", NOW) == pytest.approx(0.2)


async def test_a_file_from_before_the_spend_counters_counts_its_stored_replies_once(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    store = SqliteStore(path)
    spend(store, "a", 0.5, at=day_start(NOW) - 1)
    spend(store, "b", 0.25)
    spend(store, "b", 0.5)
    store.close()
    with sqlite3.connect(path) as old:  # what an older seabot left behind: replies, no counters
        old.execute("DELETE FROM counters")
        old.execute("DELETE FROM settings WHERE key LIKE 'schema.%'")
    for _ in range(2):  # counted on the first open only
        store = SqliteStore(path)
        assert store.day_spend_usd("shop", NOW) == pytest.approx(0.75)
        assert store.day_spend_usd("shop", day_start(NOW) - 1) == pytest.approx(0.5)
        store.close()


@pytest.mark.parametrize(
    ("spent", "tier", "expected"),
    [(0.0, "premium", "premium"), (0.74, "premium", "premium"), (0.80, "premium", "balanced"),
     (0.80, "fast", "fast"), (0.95, "premium", "fast"), (1.0, "premium", None), (3.0, "fast", None)],
)  # fmt: skip
async def test_daily_budget_downgrades_then_cuts_off(
    store: SqliteStore, spent: float, tier: str, expected: str | None
) -> None:
    spend(store, "someone", spent)
    bot = BotProfile("shop", "Shop", daily_budget_usd=1.0)
    verdict = await BudgetGuard(store, clock=lambda: NOW).check(bot, None, tier)
    assert verdict.tier == expected


async def test_conversation_cap_only_limits_that_conversation(store: SqliteStore) -> None:
    heavy = spend(store, "heavy", 0.10)
    light = spend(store, "light", 0.01)
    bot = BotProfile("shop", "Shop", conversation_budget_usd=0.10)
    guard = BudgetGuard(store, clock=lambda: NOW)
    assert (await guard.check(bot, heavy, "premium")).tier is None
    assert (await guard.check(bot, light, "premium")).tier == "premium"


async def test_zero_budget_never_calls_a_model(store: SqliteStore) -> None:
    verdict = await BudgetGuard(store).check(BotProfile("shop", "Shop", daily_budget_usd=0.0), None, "fast")
    assert verdict.tier is None


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


async def test_the_responder_downgrades_near_the_budget_and_answers_offline_past_it(
    llm: FakeLLM, store: SqliteStore, http: httpx.AsyncClient
) -> None:
    bot = BotProfile("shop", "Shop", languages=("vi", "en"), daily_budget_usd=0.01)
    tiers = {n: TierSpec(n, f"m-{n}", 1.0, 1.0) for n in ("fast", "balanced", "premium")}
    metrics = Metrics()
    responder = TieredResponder(
        LLMSettings(base_url=llm.base_url, api_key="k", tiers=tiers),
        ChatClient(http, llm.base_url, "k"),
        OfflineResponder.for_profiles([bot]),
        budget=BudgetGuard(store, clock=lambda: NOW),
        cache=None,
        metrics=metrics,
        clock=FakeClock(),
        rand=random.Random(0),
    )
    request = ResponderRequest(bot=bot, text="đơn hàng của tôi bị hỏng", lang="vi", tier="premium")
    spend(store, "other", 0.0095)  # 95 % of the day's budget
    llm.script("m-fast", answer("Dạ, mình kiểm tra ngay ạ", tokens_in=100, tokens_out=100))
    near = await responder.respond(request)
    assert (near.tier, near.model) == ("fast", "m-fast")
    assert near.cost_usd == pytest.approx(200 / 1e6)
    spend(store, "other", 0.001)  # now past it
    past = await responder.respond(request)
    assert past.responder == "offline" and past.fallback and past.cost_usd == 0
    assert "Sabai" not in past.text and "nhân viên" in past.text  # the follow-up note, in Vietnamese
    assert [c.model for c in llm.calls()] == ["m-fast"]
    assert metrics.value("seabot_budget_cutoffs_total", bot="shop") == 1

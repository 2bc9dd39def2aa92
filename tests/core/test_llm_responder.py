"""The tiered responder against a loopback OpenAI-compatible server and a real SQLite file."""

from __future__ import annotations

import logging
import random

import httpx
import pytest
from llm_server import FakeClock, FakeLLM, answer, raw, stall, status

from seabot.core.answer_cache import AnswerCache
from seabot.core.budget import BudgetGuard
from seabot.core.faq import FaqEntry
from seabot.core.llm import ChatClient, LLMSettings, SystemClock, TierSpec
from seabot.core.llm.responder import TieredResponder
from seabot.core.messages import ChatKind
from seabot.core.metrics import Metrics
from seabot.core.offline import OfflineResponder
from seabot.core.profile import BotProfile
from seabot.core.responder import ResponderRequest
from seabot.storage import SqliteStore

pytestmark = pytest.mark.anyio

BOT = BotProfile(
    bot_id="shop",
    display_name="Sabai Mart",
    languages=("th", "zh", "en"),
    faq=(
        FaqEntry(
            "shipping_cost",
            {"th": ("ค่าส่งเท่าไหร่",), "zh": ("运费多少",), "en": ("how much is shipping",)},
            {"th": "ค่าส่ง 40 บาท", "zh": "运费40泰铢哦", "en": "Shipping is 40 baht."},
        ),
    ),
)
PRICES = {"fast": (0.15, 0.60), "balanced": (0.40, 1.60), "premium": (2.00, 8.00)}


def settings(base_url: str, **overrides: object) -> LLMSettings:
    tiers = {name: TierSpec(name, f"m-{name}", i, o) for name, (i, o) in PRICES.items()}
    values: dict[str, object] = dict(
        base_url=base_url, api_key="sk-test", timeout_s=5, deadline_s=30, max_retries=1,
        backoff_base_s=0.01, backoff_max_s=0.05, breaker_failures=5, breaker_cooldown_s=60, tiers=tiers,
    )  # fmt: skip
    values.update(overrides)
    return LLMSettings(**values)  # type: ignore[arg-type]  # **values: fields of several types


class Rig:
    def __init__(self, llm: FakeLLM, store: SqliteStore, http: httpx.AsyncClient, **overrides: object) -> None:
        self.clock = overrides.pop("clock", None) or FakeClock()
        self.now = [1_700_000_000.0]
        self.metrics = Metrics()
        self.settings = settings(llm.base_url, **overrides)
        self.cache = AnswerCache(store, self.settings.cache_ttl_s, clock=lambda: self.now[0])
        self.responder = TieredResponder(
            self.settings,
            ChatClient(http, self.settings.base_url, self.settings.api_key),
            OfflineResponder.for_profiles([BOT]),
            budget=BudgetGuard(store),
            cache=self.cache,
            metrics=self.metrics,
            clock=self.clock,  # type: ignore[arg-type]  # a FakeClock, not a subclass
            rand=random.Random(3),
        )
        self.conversation = store.conversation("shop", "console", "u1", ChatKind.PRIVATE)

    async def ask(self, text: str, tier: str = "premium", lang: str = "en", bot: BotProfile = BOT):
        request = ResponderRequest(bot=bot, text=text, lang=lang, tier=tier, conversation_id=self.conversation.id)
        return await self.responder.respond(request)


async def test_the_routed_tier_answers_and_its_cost_is_priced(llm: FakeLLM, store: SqliteStore, http) -> None:
    rig = Rig(llm, store, http)
    llm.script("m-premium", answer("Sorry about that! Let me check.", tokens_in=1200, tokens_out=300))
    got = await rig.ask("my parcel is broken and I am angry", tier="premium")
    assert (got.responder, got.model, got.tier, got.tokens_in, got.tokens_out) == (
        "llm",
        "m-premium",
        "premium",
        1200,
        300,
    )
    assert got.cost_usd == pytest.approx((1200 * 2.00 + 300 * 8.00) / 1e6)
    assert got.attempts == 1 and not got.fallback
    assert rig.metrics.value("seabot_llm_attempts_total", model="m-premium", outcome="ok") == 1


async def test_fallback_goes_premium_then_balanced_then_fast_then_offline(
    llm: FakeLLM, store: SqliteStore, http
) -> None:
    rig = Rig(llm, store, http)
    llm.always("m-premium", status(500))
    llm.always("m-balanced", status(429, retry_after="0"))
    llm.script("m-fast", answer("fast answer", tokens_in=10, tokens_out=5))
    got = await rig.ask("where is my order")
    assert [c.model for c in llm.calls()] == ["m-premium", "m-premium", "m-balanced", "m-balanced", "m-fast"]
    assert (got.text, got.tier, got.fallback, got.attempts) == ("fast answer", "fast", True, 5)
    assert got.cost_usd == pytest.approx((10 * 0.15 + 5 * 0.60) / 1e6)

    llm.always("m-fast", raw("this is not json"))
    got = await rig.ask("运费多少", lang="zh")
    assert (got.responder, got.text, got.fallback) == ("offline", "运费40泰铢哦", True)  # still Chinese
    assert got.cost_usd == 0 and got.attempts == 6
    assert rig.metrics.value("seabot_fallbacks_total", bot="shop", to="offline") == 1


async def test_garbage_and_empty_content_are_provider_failures(llm: FakeLLM, store: SqliteStore, http) -> None:
    rig = Rig(llm, store, http, max_retries=0)
    llm.script("m-premium", raw('{"choices": []}'))
    llm.script("m-balanced", raw('{"choices": [{"message": {"content": "   "}}]}'))
    got = await rig.ask("hello?")
    assert (got.tier, got.text, got.fallback) == ("fast", "answer from m-fast", True)


async def test_a_failing_model_is_skipped_for_a_cool_down(llm: FakeLLM, store: SqliteStore, http) -> None:
    rig = Rig(llm, store, http, breaker_failures=2, breaker_cooldown_s=60)
    llm.always("m-premium", status(503))
    first = await rig.ask("complaint one")
    assert first.tier == "balanced" and len(llm.calls("m-premium")) == 2
    for _ in range(3):
        assert (await rig.ask("complaint again")).tier == "balanced"
    assert len(llm.calls("m-premium")) == 2  # skipped, not retried for every message
    assert rig.metrics.value("seabot_llm_attempts_total", model="m-premium", outcome="skipped") == 3
    rig.clock.t += 61  # cool-down over: one probe, and the model is back
    llm.always("m-premium", answer("premium is back"))
    assert (await rig.ask("complaint later")).text == "premium is back"
    assert len(llm.calls("m-premium")) == 3


async def test_a_rejected_key_is_not_retried_and_reported_once(
    llm: FakeLLM,
    store: SqliteStore,
    http,
    caplog: pytest.LogCaptureFixture,
) -> None:
    rig = Rig(llm, store, http)
    for model in ("m-premium", "m-balanced", "m-fast"):
        llm.always(model, status(401))
    with caplog.at_level(logging.WARNING, logger="seabot.llm"):
        got = await rig.ask("ค่าส่งเท่าไหร่", lang="th")
        again = await rig.ask("ค่าส่งเท่าไหร่", lang="th", tier="fast")
    assert (got.responder, got.text) == ("offline", "ค่าส่ง 40 บาท")
    assert again.responder == "offline"
    assert len(llm.calls()) == 1  # no retry, no other tier, no call for the next message
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "api_key" in errors[0].getMessage()
    assert all("sk-test" not in r.getMessage() + str(r.__dict__) for r in caplog.records)


async def test_the_message_deadline_bounds_a_stalling_provider(llm: FakeLLM, store: SqliteStore, http) -> None:
    rig = Rig(llm, store, http, clock=SystemClock(), deadline_s=0.4, timeout_s=10, max_retries=3)
    for model in ("m-premium", "m-balanced", "m-fast"):
        llm.always(model, stall(5))
    got = await rig.ask("运费多少", lang="zh")
    assert (got.responder, got.text, got.fallback) == ("offline", "运费40泰铢哦", True)
    assert len(llm.calls()) == 1  # the stall used the whole deadline; nothing else was tried


async def test_repeated_faq_like_questions_come_from_the_cache(llm: FakeLLM, store: SqliteStore, http) -> None:
    rig = Rig(llm, store, http, cache_ttl_s=600)
    llm.script("m-fast", answer("Shipping is 40 baht, free over 500.", tokens_in=50, tokens_out=10))
    first = await rig.ask("How much is shipping?", tier="fast")
    second = await rig.ask("  how much is SHIPPING ", tier="fast")
    assert first.responder == "llm" and first.cost_usd > 0
    assert (second.responder, second.text, second.cost_usd) == ("cache", first.text, 0.0)
    assert len(llm.calls()) == 1
    assert rig.metrics.value("seabot_cache_hits_total", bot="shop") == 1
    await rig.ask("how much is shipping", tier="fast", lang="th")  # another language: not the same entry
    await rig.ask("ok", tier="fast")  # too short to stand on its own: never cached
    await rig.ask("ok", tier="fast")
    await rig.ask("how much is shipping", tier="premium")  # not a simple question
    assert len(llm.calls()) == 5
    rig.now[0] += 601  # expired
    assert (await rig.ask("how much is shipping", tier="fast")).responder == "llm"
    refreshed = store.cached_answer("shop", "en", "how much is shipping", rig.now[0])
    assert refreshed is not None and (refreshed.text, refreshed.hits) == ("answer from m-fast", 1)

"""The pipeline with the LLM responder: stored usage, handoff with webhook and release, rate limits."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from llm_server import FakeClock, FakeLLM, answer, raw

from seabot.core.answer_cache import AnswerCache
from seabot.core.budget import BudgetGuard
from seabot.core.handoff import HandoffNotifier
from seabot.core.language import LanguageDetector
from seabot.core.llm import ChatClient, LLMSettings, TierSpec
from seabot.core.llm.responder import TieredResponder
from seabot.core.messages import ChatKind, InboundMessage, MessageKind, Role
from seabot.core.metrics import Metrics
from seabot.core.offline import OfflineResponder
from seabot.core.phrases import Phrase, phrase
from seabot.core.pipeline import Pipeline
from seabot.core.profile import BotProfile
from seabot.core.ratelimit import RateLimiter
from seabot.core.routing import Router, RoutingRules
from seabot.storage import SqliteStore

pytestmark = pytest.mark.anyio

BOT = BotProfile("shop", "Sabai Mart", persona="Be kind.", languages=("th", "zh", "en"), default_language="en")


class Shop:
    def __init__(self, llm: FakeLLM, store: SqliteStore, http: httpx.AsyncClient, bot: BotProfile = BOT) -> None:
        self.now = [1_700_000_000.0]
        self.metrics = Metrics()
        tiers = {n: TierSpec(n, f"m-{n}", p, p * 4) for n, p in (("fast", 0.15), ("balanced", 0.4), ("premium", 2.0))}
        settings = LLMSettings(base_url=llm.base_url, api_key="k", max_retries=0, tiers=tiers)
        responder = TieredResponder(
            settings,
            ChatClient(http, llm.base_url, "k"),
            OfflineResponder.for_profiles([bot]),
            budget=BudgetGuard(store),
            cache=AnswerCache(store, 600),
            metrics=self.metrics,
            clock=FakeClock(),
            rand=random.Random(0),
        )
        self.pipeline = Pipeline(
            bot, store, LanguageDetector(), Router(RoutingRules.default()), responder, self.metrics,
            rate_limiter=RateLimiter(store, clock=lambda: self.now[0]), handoff_notifier=HandoffNotifier(http),
        )  # fmt: skip
        self.count = 0

    async def say(self, text: str, user: str = "u1", kind: MessageKind = MessageKind.TEXT):
        self.count += 1
        message = InboundMessage("shop", "line", f"m{self.count}", user, user, text=text, kind=kind)
        return await self.pipeline.answer(message)


async def test_an_llm_answer_is_stored_with_its_usage_and_history_feeds_the_next_prompt(
    llm: FakeLLM, store: SqliteStore, http: httpx.AsyncClient
) -> None:
    shop = Shop(llm, store, http)
    llm.script("m-premium", answer("ขอโทษค่ะ จะรีบตรวจสอบให้นะคะ", tokens_in=800, tokens_out=100))
    reply = await shop.say("ของที่ได้รับแตกหัก ต้องการคืนเงินค่ะ")
    assert reply.text == "ขอโทษค่ะ จะรีบตรวจสอบให้นะคะ" and reply.lang == "th"
    bot_row = store.history("shop", "u1")[-1]
    assert (bot_row.responder, bot_row.model, bot_row.tier, bot_row.tokens_in, bot_row.tokens_out) == (
        "llm", "m-premium", "premium", 800, 100,
    )  # fmt: skip
    assert bot_row.cost_usd == pytest.approx((800 * 2.0 + 100 * 8.0) / 1e6)
    assert bot_row.attempts == 1 and not bot_row.fallback and bot_row.latency_ms is not None
    await shop.say("ตอนนี้ต้องทำยังไงคะ")
    messages = llm.calls()[-1].body["messages"]
    assert messages[0]["role"] == "system" and "Thai" in messages[0]["content"]
    assert [m["role"] for m in messages[1:]] == ["user", "assistant", "user"]
    assert messages[-1]["content"] == "ตอนนี้ต้องทำยังไงคะ"


async def test_handoff_tells_the_customer_notifies_the_merchant_stays_silent_until_released(
    llm: FakeLLM, store: SqliteStore, http: httpx.AsyncClient
) -> None:
    shop = Shop(llm, store, http, bot=replace(BOT, handoff_webhook=f"{llm.root}/hooks/handoff"))
    reply = await shop.say("转人工")
    assert reply.text == phrase(Phrase.HANDOFF, "zh", name="Sabai Mart")
    [notice] = llm.webhooks
    assert notice["event"] == "handoff" and notice["bot_id"] == "shop" and notice["user_id"] == "u1"
    assert notice["lang"] == "zh" and notice["text"] == "转人工" and notice["reasons"]
    assert await shop.say("还在吗？") is None
    assert await shop.say("", kind=MessageKind.STICKER) is None
    [open_one] = store.open_handoffs("shop")
    assert (open_one.chat_id, open_one.channel, open_one.lang) == ("u1", "line", "zh")
    assert llm.calls() == []  # no model was asked while a person had it
    assert [m.text for m in store.history("shop", "u1") if m.role is Role.CUSTOMER][-1] == "[sticker]"

    assert store.release_handoff("shop", "u1", now=shop.now[0]) == 1
    assert store.open_handoffs() == []
    back = await shop.say("运费多少钱？")
    assert back is not None and back.text == "answer from m-fast"
    assert store.release_handoff("shop", "u1", now=shop.now[0]) == 0


async def test_a_rate_limited_customer_gets_one_polite_note_and_no_llm_call(
    llm: FakeLLM, store: SqliteStore, http: httpx.AsyncClient
) -> None:
    shop = Shop(llm, store, http, bot=replace(BOT, rate_limit_per_minute=2))
    assert (await shop.say("สวัสดีค่ะ")) is not None
    assert (await shop.say("มีของไหมคะ")) is not None
    calls = len(llm.calls())
    note = await shop.say("ตอบหน่อยค่ะ")
    assert note is not None and note.text == phrase(Phrase.RATE_LIMITED, "th", name="Sabai Mart")
    assert await shop.say("ตอบหน่อย!!") is None  # one note, not one per message
    assert (await shop.say("hello", user="someone-else")) is not None  # per user
    assert len(llm.calls()) == calls + 1
    assert shop.metrics.value("seabot_rate_limited_total", bot="shop") == 2
    shop.now[0] += 30  # a token refilled
    assert (await shop.say("ตอนนี้ได้ไหมคะ")).text.startswith("answer from")


async def test_rate_limits_hold_across_restarts(llm: FakeLLM, tmp_path: Path, http: httpx.AsyncClient) -> None:
    bot = replace(BOT, rate_limit_per_minute=1)
    first = SqliteStore(tmp_path / "r.db")
    assert (await Shop(llm, first, http, bot).say("hello there")) is not None
    first.close()
    second = SqliteStore(tmp_path / "r.db")
    reply = await Shop(llm, second, http, bot).say("hello again")
    assert reply is not None and reply.text == phrase(Phrase.RATE_LIMITED, "en", name="Sabai Mart")
    second.close()


async def test_an_empty_model_answer_is_never_sent(llm: FakeLLM, store: SqliteStore, http: httpx.AsyncClient) -> None:
    shop = Shop(llm, store, http)
    for model in ("m-fast", "m-balanced", "m-premium"):
        llm.always(model, raw('{"choices": [{"message": {"role": "assistant", "content": " \\n\\t "}}]}'))
    reply = await shop.say("where is my order?")
    assert reply is not None and reply.text.strip()
    assert reply.text == phrase(Phrase.FOLLOW_UP, "en", name="Sabai Mart")
    assert store.history("shop", "u1")[-1].fallback


async def test_a_handoff_in_a_group_belongs_to_the_member_who_asked(
    llm: FakeLLM, store: SqliteStore, http: httpx.AsyncClient
) -> None:
    shop = Shop(llm, store, http)

    def group(n: int, user: str, text: str) -> InboundMessage:
        return InboundMessage("shop", "telegram", f"g{n}", user, "-100777", text=text, chat_kind=ChatKind.GROUP)

    asked = await shop.pipeline.answer(group(1, "alice", "I want to talk to a real person"))
    assert asked is not None and asked.text == phrase(Phrase.HANDOFF, "en", name="Sabai Mart")
    assert await shop.pipeline.answer(group(2, "alice", "hello? anyone?")) is None  # Alice waits for a person
    other = await shop.pipeline.answer(group(3, "bob", "how long is shipping"))
    assert other is not None and other.text.startswith("answer from")  # Bob still gets the bot
    [open_one] = store.open_handoffs("shop")
    assert (open_one.chat_id, open_one.user_id) == ("-100777", "alice")  # the listing says who
    assert store.release_handoff("shop", "alice", now=shop.now[0]) == 1
    back = await shop.pipeline.answer(group(4, "alice", "how long is shipping"))
    assert back is not None and store.open_handoffs() == []


async def test_a_malay_conversation_keeps_malay_for_short_chat_replies(
    llm: FakeLLM, store: SqliteStore, http: httpx.AsyncClient
) -> None:
    bot = replace(BOT, languages=("ms", "id", "en"), default_language="en")
    shop = Shop(llm, store, http, bot=bot)
    first = await shop.say("Saya nak tanya, boleh hantar ke Johor Bahru tak? Kena bayar lebih ke?")
    assert first is not None and first.lang == "ms"
    # decided with the conversation's earlier messages, not alone ("tapi mahal sangat" alone leans id)
    for short in ("tapi mahal sangat", "ok", "tq"):
        reply = await shop.say(short)
        assert reply is not None and reply.lang == "ms", short

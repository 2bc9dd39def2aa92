"""The channel-neutral pipeline with the real detector, router, offline responder and SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest

from seabot.bots.config import load_config
from seabot.core.language import LanguageDetector
from seabot.core.messages import ChatKind, InboundMessage, MessageKind, Role
from seabot.core.metrics import Metrics
from seabot.core.offline import OfflineResponder
from seabot.core.phrases import Phrase, phrase
from seabot.core.pipeline import Pipeline
from seabot.core.responder import Answer, ResponderRequest
from seabot.core.routing import Router
from seabot.storage import SqliteStore

pytestmark = pytest.mark.anyio


@pytest.fixture
def pipeline(shipped_config: Path, tmp_path: Path) -> Pipeline:
    bot = load_config(shipped_config, {}).bot("demo-shop")
    store = SqliteStore(tmp_path / "p.db")
    return Pipeline(
        bot.profile,
        store,
        LanguageDetector(),
        Router(bot.routing),
        OfflineResponder.for_profiles([bot.profile]),
        Metrics(),
    )


def message(n: int, text: str = "", kind: MessageKind = MessageKind.TEXT, locale: str | None = None) -> InboundMessage:
    return InboundMessage(
        bot_id="demo-shop", channel="test", message_id=f"m{n}", user_id="u", chat_id="u", text=text, kind=kind,
        chat_kind=ChatKind.PRIVATE, locale=locale,
    )  # fmt: skip


def faq_answer(pipeline: Pipeline, topic: str, lang: str) -> str:
    return next(e for e in pipeline.bot.faq if e.topic == topic).answers[lang]


async def test_short_messages_keep_the_conversation_language(pipeline: Pipeline) -> None:
    first = await pipeline.answer(message(1, "ค่าส่งเท่าไหร่คะ"))
    assert first is not None and first.lang == "th"
    second = await pipeline.answer(message(2, "ok"))
    assert second is not None and second.lang == "th"
    third = await pipeline.answer(message(3, "how long does shipping take?"))
    assert third is not None and third.text == faq_answer(pipeline, "shipping_time", "en")


async def test_follow_gets_a_greeting_in_the_platform_locale(pipeline: Pipeline) -> None:
    reply = await pipeline.answer(message(1, kind=MessageKind.FOLLOW, locale="id-ID"))
    assert reply is not None
    assert reply.text == phrase(Phrase.GREETING, "id", name=pipeline.bot.display_name)


async def test_non_text_gets_a_kind_note_in_the_conversation_language(pipeline: Pipeline) -> None:
    await pipeline.answer(message(1, "运费多少钱？"))
    reply = await pipeline.answer(message(2, kind=MessageKind.STICKER))
    assert reply is not None and reply.text == phrase(Phrase.NON_TEXT, "zh", name=pipeline.bot.display_name)


async def test_blank_message_gets_asked_again(pipeline: Pipeline) -> None:
    reply = await pipeline.answer(message(1, " \t\u200b "))
    assert reply is not None and reply.text == phrase(Phrase.EMPTY, "en", name=pipeline.bot.display_name)


async def test_handoff_tells_the_customer_then_stays_silent(pipeline: Pipeline) -> None:
    reply = await pipeline.answer(message(1, "ขอคุยกับพนักงานหน่อยค่ะ"))
    assert reply is not None and reply.text == phrase(Phrase.HANDOFF, "th", name=pipeline.bot.display_name)
    assert await pipeline.answer(message(2, "ส่งของกี่วันคะ")) is None
    stored = pipeline._store.history("demo-shop", "u")  # the customer's words are still kept
    assert [m.text for m in stored if m.role is Role.CUSTOMER] == ["ขอคุยกับพนักงานหน่อยค่ะ", "ส่งของกี่วันคะ"]


async def test_a_retried_message_is_stored_once(pipeline: Pipeline) -> None:
    for _ in range(2):
        await pipeline.answer(message(1, "where is my order"))
    assert len(pipeline._store.history("demo-shop", "u")) == 2  # one question, one answer


class RecordingResponder:
    """A responder that remembers what it was asked (stands in for the LLM)."""

    def __init__(self) -> None:
        self.requests: list[ResponderRequest] = []

    async def respond(self, request: ResponderRequest) -> Answer:
        self.requests.append(request)
        return Answer(text="noted", responder="recording")


async def test_a_message_retried_after_a_crash_is_not_its_own_history(shipped_config: Path, tmp_path: Path) -> None:
    bot = load_config(shipped_config, {}).bot("demo-shop")
    responder = RecordingResponder()
    pipeline = Pipeline(bot.profile, SqliteStore(tmp_path / "r.db"), LanguageDetector(), Router(bot.routing),
                        responder, Metrics())  # fmt: skip
    await pipeline.answer(message(1, "my parcel has not arrived yet"))
    await pipeline.answer(message(2, "it was ordered last week"))
    await pipeline.answer(message(2, "it was ordered last week"))  # redone after a crash
    _first, second, retried = responder.requests
    assert [t.text for t in second.history] == ["my parcel has not arrived yet", "noted"]
    assert [t.text for t in retried.history] == [t.text for t in second.history]

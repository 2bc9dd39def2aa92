"""A customer who types in bursts, through the real pipeline: one answer per burst, every line
kept, and a rate limit that says so once and is counted for the merchant."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest

from seabot.bots.config import load_config
from seabot.core.inbox import InboxWorker
from seabot.core.language import LanguageDetector
from seabot.core.messages import InboundMessage, Reply, Role
from seabot.core.metrics import Metrics
from seabot.core.offline import OfflineResponder
from seabot.core.phrases import Phrase, phrase
from seabot.core.pipeline import Pipeline
from seabot.core.ratelimit import RateLimiter
from seabot.core.routing import Router
from seabot.core.storage.keys import rate_limited_counter
from seabot.storage import SqliteStore

pytestmark = pytest.mark.anyio

BURST = ("hi", "I want to ask", "about my order", "#1001")


class Sent:
    def __init__(self) -> None:
        self.replies: list[Reply] = []

    async def deliver(self, reply: Reply) -> None:
        self.replies.append(reply)


def pipeline(shipped_config: Path, store: SqliteStore, per_minute: float | None = None) -> Pipeline:
    bot = load_config(shipped_config, {}).bot("demo-shop")
    profile = replace(bot.profile, rate_limit_per_minute=per_minute)
    return Pipeline(
        profile, store, LanguageDetector(), Router(bot.routing), OfflineResponder.for_profiles([profile]), Metrics(),
        rate_limiter=RateLimiter(store, burst=1.0),
    )  # fmt: skip


def line(n: int, text: str) -> InboundMessage:
    return InboundMessage(bot_id="demo-shop", channel="test", message_id=f"m{n}", user_id="u", chat_id="u", text=text)


async def send_and_drain(answerer: Pipeline, store: SqliteStore, sent: Sent, lines: list[InboundMessage]) -> None:
    """The lines come, and a worker answers until the inbox is empty (a new worker each time,
    as after a restart)."""
    worker = InboxWorker(store, {"demo-shop": answerer}, lambda b, c: sent, Metrics(), coalesce_gap_s=0.05)
    for message in lines:
        await worker.accept(message)
    task = asyncio.create_task(worker.run())
    try:
        async with asyncio.timeout(30):
            while store.inbox_depth():
                await asyncio.sleep(0.01)
    finally:
        await worker.stop()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_a_burst_is_one_answer_and_every_line_stays_in_the_history(shipped_config: Path, tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.db")
    sent = Sent()
    await send_and_drain(pipeline(shipped_config, store), store, sent, [line(n, text) for n, text in enumerate(BURST)])
    assert len(sent.replies) == 1
    history = store.history("demo-shop", "u")
    customer = [m.text for m in history if m.role is Role.CUSTOMER]
    assert customer == ["\n".join(BURST)]  # each line, in order, in the one message they make
    assert [m.role for m in history] == [Role.CUSTOMER, Role.BOT]


async def test_over_the_rate_limit_the_customer_hears_so_once_and_the_merchant_sees_a_count(
    shipped_config: Path, tmp_path: Path
) -> None:
    store = SqliteStore(tmp_path / "s.db")
    sent = Sent()
    answerer = pipeline(shipped_config, store, per_minute=0.01)  # one message, then a long wait
    await send_and_drain(
        answerer, store, sent, [line(n, text) for n, text in enumerate(BURST)]
    )  # one token for all four
    await send_and_drain(answerer, store, sent, [line(10, "hello?")])
    await send_and_drain(answerer, store, sent, [line(11, "anyone?")])
    note = phrase(Phrase.RATE_LIMITED, "en", name=answerer.bot.display_name, fallback_lang="en")
    assert len(sent.replies) == 2 and sent.replies[0].text != note and sent.replies[1].text == note
    assert store.counters("rate_limited:") == {rate_limited_counter("demo-shop", sent.replies[1].received_at): 2.0}

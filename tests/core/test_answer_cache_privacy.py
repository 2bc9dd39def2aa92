"""The answer cache never hands one customer's data to another (issue 11, item 1).

A loopback stand-in answers every chat completion by echoing the customer turns it was sent,
so an answer written from a customer's history carries that history; the cache must then
keep it to that customer.
"""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from harness import ThreadServer
from llm_server import FakeClock
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from seabot.core.answer_cache import AnswerCache
from seabot.core.budget import BudgetGuard
from seabot.core.language import LanguageDetector
from seabot.core.llm import ChatClient, LLMSettings, TierSpec
from seabot.core.llm.responder import TieredResponder
from seabot.core.messages import InboundMessage, Role
from seabot.core.metrics import Metrics
from seabot.core.offline import OfflineResponder
from seabot.core.pipeline import Pipeline
from seabot.core.profile import BotProfile
from seabot.core.responder import ResponderRequest, Turn
from seabot.core.routing import Router, RoutingRules
from seabot.storage import SqliteStore

pytestmark = pytest.mark.anyio

BOT = BotProfile("shop", "Sabai Mart", languages=("en", "th"), default_language="en")


class EchoLLM:
    """Answers with every user turn of the prompt it got, joined: history shows in the answer."""

    def __init__(self) -> None:
        self.bodies: list[dict] = []  # raw JSON as the client sent it

    async def chat(self, request: Request) -> JSONResponse:
        body = json.loads(await request.body())
        self.bodies.append(body)
        said = " | ".join(m["content"] for m in body["messages"] if m["role"] == "user")
        return JSONResponse(
            {
                "choices": [{"index": 0, "message": {"role": "assistant", "content": f"you said: {said}"}}],
                "usage": {"prompt_tokens": 50, "completion_tokens": 10},
            }
        )


@pytest.fixture
def echo() -> Iterator[tuple[EchoLLM, str]]:
    llm = EchoLLM()
    server = ThreadServer(Starlette(routes=[Route("/v1/chat/completions", llm.chat, methods=["POST"])]))
    server.start()
    try:
        yield llm, f"{server.url}/v1"
    finally:
        server.stop()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def _pipeline(base_url: str, store: SqliteStore, http: httpx.AsyncClient) -> Pipeline:
    tiers = {n: TierSpec(n, f"m-{n}", 0.1, 0.4) for n in ("fast", "balanced", "premium")}
    settings = LLMSettings(base_url=base_url, api_key="k", max_retries=0, tiers=tiers)
    metrics = Metrics()
    responder = TieredResponder(
        settings,
        ChatClient(http, base_url, "k"),
        OfflineResponder.for_profiles([BOT]),
        budget=BudgetGuard(store),
        cache=AnswerCache(store, 600),
        metrics=metrics,
        clock=FakeClock(),
        rand=random.Random(0),
    )
    return Pipeline(BOT, store, LanguageDetector(), Router(RoutingRules.default()), responder, metrics)


async def test_a_customer_never_gets_an_answer_written_from_another_customers_history(
    echo: tuple[EchoLLM, str], tmp_path: Path, http: httpx.AsyncClient
) -> None:
    llm, base_url = echo
    store = SqliteStore(tmp_path / "seabot.db")
    try:
        pipeline = _pipeline(base_url, store, http)
        alice = [
            InboundMessage(
                "shop", "line", "a1", "U-alice", "U-alice", "my name is Alice Tan and my phone is 0812345678"
            ),
            InboundMessage("shop", "line", "a2", "U-alice", "U-alice", "what is my phone number?"),
        ]
        for message in alice:
            await pipeline.answer(message)
        calls_before_bob = len(llm.bodies)
        bob = InboundMessage("shop", "telegram", "b1", "42", "42", "what is my phone number?")
        reply = await pipeline.answer(bob)
        assert reply is not None
        assert "0812345678" not in reply.text and "Alice" not in reply.text
        assert len(llm.bodies) == calls_before_bob + 1  # Bob's question went to the model, not the cache
        assert all("0812345678" not in m["content"] for m in llm.bodies[-1]["messages"])
    finally:
        store.close()


async def test_a_context_free_faq_answer_is_still_served_from_the_cache(
    echo: tuple[EchoLLM, str], tmp_path: Path, http: httpx.AsyncClient
) -> None:
    llm, base_url = echo
    store = SqliteStore(tmp_path / "seabot.db")
    try:
        pipeline = _pipeline(base_url, store, http)
        first = await pipeline.answer(
            InboundMessage("shop", "line", "c1", "U-c", "U-c", "how long does shipping take?")
        )
        calls = len(llm.bodies)
        second = await pipeline.answer(
            InboundMessage("shop", "telegram", "d1", "7", "7", "How long does shipping take?")
        )
        assert first is not None and second is not None
        assert second.text == first.text == "you said: how long does shipping take?"
        assert len(llm.bodies) == calls  # answered from the cache
    finally:
        store.close()


def test_only_requests_that_carry_nothing_of_the_customer_are_cacheable() -> None:
    cache = AnswerCache(None, ttl_s=60)  # type: ignore[arg-type]  # key() never reads the store
    fresh = ResponderRequest(bot=BOT, text="how long does shipping take?", lang="en", tier="fast")
    assert cache.key(fresh) == "how long does shipping take"
    after_greeting = ResponderRequest(
        bot=BOT, text=fresh.text, lang="en", tier="fast", history=(Turn(Role.BOT, "Welcome to Sabai Mart!"),)
    )
    assert cache.key(after_greeting) is not None  # the bot's own greeting says nothing of the customer
    with_history = ResponderRequest(
        bot=BOT, text=fresh.text, lang="en", tier="fast", history=(Turn(Role.CUSTOMER, "my phone is 0812345678"),)
    )
    assert cache.key(with_history) is None
    personal = ResponderRequest(bot=BOT, text=fresh.text, lang="en", tier="fast", personal=True)
    assert cache.key(personal) is None

"""Model quirks against a real loopback server: each is a typed error or a correct answer."""

from __future__ import annotations

import httpx
import pytest
from llm_server import FakeLLM, answer, error_object, refusal

from seabot.core.llm import (
    ChatClient,
    ChatMessage,
    ChatRequest,
    LLMAuthError,
    LLMRateLimited,
    LLMRefused,
    LLMRequestError,
    LLMServerError,
)

pytestmark = pytest.mark.anyio

HELLO = ChatRequest(model="o-mini", messages=(ChatMessage("user", "hello"),), max_tokens=50, temperature=0.3)


@pytest.mark.parametrize("stream", [False, True])
async def test_a_model_that_rejects_temperature_answers_without_it(
    llm: FakeLLM, http: httpx.AsyncClient, stream: bool
) -> None:
    llm.reject("o-mini", "temperature")
    client = ChatClient(http, llm.base_url, "k", stream=stream)
    first = await client.complete(HELLO, timeout_s=5)
    second = await client.complete(HELLO, timeout_s=5)
    assert first.text == second.text == "answer from o-mini"
    bodies = [seen.body for seen in llm.calls("o-mini")]
    assert len(bodies) == 3  # refused once, resent without it, then never sent again
    assert "temperature" in bodies[0] and "temperature" not in bodies[1] and "temperature" not in bodies[2]
    assert bodies[1]["max_tokens"] == 50
    assert client.rejected_parameters("o-mini") == {"temperature"}
    assert client.rejected_parameters("other") == frozenset()


async def test_max_tokens_becomes_max_completion_tokens_then_goes(llm: FakeLLM, http: httpx.AsyncClient) -> None:
    llm.reject("o-mini", "max_tokens")
    llm.reject("o-mini", "temperature")
    client = ChatClient(http, llm.base_url, "k")
    assert (await client.complete(HELLO, timeout_s=5)).text == "answer from o-mini"
    last = llm.calls("o-mini")[-1].body
    assert last["max_completion_tokens"] == 50 and "max_tokens" not in last and "temperature" not in last
    llm.reject("o-mini", "max_completion_tokens")
    assert (await client.complete(HELLO, timeout_s=5)).text == "answer from o-mini"
    last = llm.calls("o-mini")[-1].body
    assert not {"max_tokens", "max_completion_tokens", "temperature"} & set(last)


async def test_a_rejected_unknown_field_is_a_request_error_not_a_loop(llm: FakeLLM, http: httpx.AsyncClient) -> None:
    from llm_server import status

    llm.always(
        "o-mini",
        status(400, body='{"error": {"message": "model o-mini does not exist", "type": "invalid_request_error"}}'),
    )
    with pytest.raises(LLMRequestError) as caught:
        await ChatClient(http, llm.base_url, "k").complete(HELLO, timeout_s=5)
    assert "does not exist" in str(caught.value) and len(llm.calls()) == 1


@pytest.mark.parametrize("stream", [False, True])
async def test_content_null_with_a_refusal_is_a_typed_refusal(
    llm: FakeLLM, http: httpx.AsyncClient, stream: bool
) -> None:
    llm.script("o-mini", refusal("I can't help with that request."))
    with pytest.raises(LLMRefused) as caught:
        await ChatClient(http, llm.base_url, "k", stream=stream).complete(HELLO, timeout_s=5)
    assert "can't help" in str(caught.value)


async def test_usage_only_in_the_last_streamed_chunk_is_counted(llm: FakeLLM, http: httpx.AsyncClient) -> None:
    llm.script("o-mini", answer("ส่งพรุ่งนี้ค่ะ", tokens_in=321, tokens_out=12))
    result = await ChatClient(http, llm.base_url, "k", stream=True).complete(HELLO, timeout_s=5)
    assert (result.text, result.tokens_in, result.tokens_out) == ("ส่งพรุ่งนี้ค่ะ", 321, 12)
    assert result.ttft_s is not None and 0 <= result.ttft_s <= result.latency_s
    sent = llm.calls("o-mini")[0].body
    assert sent["stream"] is True and sent["stream_options"] == {"include_usage": True}


async def test_a_non_streamed_answer_has_no_ttft(llm: FakeLLM, http: httpx.AsyncClient) -> None:
    result = await ChatClient(http, llm.base_url, "k").complete(HELLO, timeout_s=5)
    assert result.ttft_s is None and result.text == "answer from o-mini"


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize(
    ("behaviour", "error"),
    [
        (error_object("The server had an error while processing your request"), LLMServerError),
        (error_object("Rate limit reached", code="rate_limit_exceeded", kind="requests"), LLMRateLimited),
        (error_object("overloaded", code=529, kind="api_error"), LLMServerError),
        (
            error_object("Incorrect API key provided", code="invalid_api_key", kind="invalid_request_error"),
            LLMAuthError,
        ),
        (error_object("context too long", code=400, kind="invalid_request_error"), LLMRequestError),
    ],
)
async def test_a_200_with_an_error_object_is_the_error_it_describes(
    llm: FakeLLM,
    http: httpx.AsyncClient,
    behaviour,
    error,
    stream: bool,
) -> None:
    llm.script("o-mini", behaviour)
    with pytest.raises(error) as caught:
        await ChatClient(http, llm.base_url, "sk-secret", stream=stream).complete(HELLO, timeout_s=5)
    assert "in a 200 answer" in str(caught.value) and "sk-secret" not in str(caught.value)


def _responder(llm: FakeLLM, store, http: httpx.AsyncClient, *, stream: bool = False):
    import random

    from llm_server import FakeClock

    from seabot.core.budget import BudgetGuard
    from seabot.core.faq import FaqEntry
    from seabot.core.llm import LLMSettings, TierSpec
    from seabot.core.llm.responder import TieredResponder
    from seabot.core.metrics import Metrics
    from seabot.core.offline import OfflineResponder
    from seabot.core.profile import BotProfile

    bot = BotProfile(bot_id="shop", display_name="Sabai Mart", languages=("th", "en"),
                     faq=(FaqEntry("ship", {"th": ("ค่าส่งเท่าไหร่",), "en": ("shipping?",)},
                                   {"th": "ค่าส่ง 40 บาท", "en": "Shipping is 40 baht."}),))  # fmt: skip
    tiers = {name: TierSpec(name, f"m-{name}", 1, 1) for name in ("fast", "balanced", "premium")}
    settings = LLMSettings(base_url=llm.base_url, api_key="k", max_retries=1, backoff_base_s=0.01,
                           backoff_max_s=0.02, tiers=tiers)  # fmt: skip
    responder = TieredResponder(
        settings, ChatClient(http, llm.base_url, "k", stream=stream), OfflineResponder.for_profiles([bot]),
        budget=BudgetGuard(store), cache=None, metrics=Metrics(), clock=FakeClock(), rand=random.Random(2),
    )  # fmt: skip
    return bot, responder


@pytest.mark.parametrize("stream", [False, True])
async def test_a_refusal_goes_to_the_next_tier_and_never_reaches_the_customer_empty(
    llm: FakeLLM,
    store,
    http: httpx.AsyncClient,
    stream: bool,
) -> None:
    from seabot.core.responder import ResponderRequest

    bot, responder = _responder(llm, store, http, stream=stream)
    llm.always("m-premium", refusal())
    got = await responder.respond(ResponderRequest(bot=bot, text="my parcel is broken", lang="en", tier="premium"))
    assert (got.responder, got.tier, got.text, got.fallback) == ("llm", "balanced", "answer from m-balanced", True)
    assert len(llm.calls("m-premium")) == 1  # a refusal is not retried
    for model in ("m-balanced", "m-fast"):
        llm.always(model, refusal())
    got = await responder.respond(ResponderRequest(bot=bot, text="ค่าส่งเท่าไหร่", lang="th", tier="premium"))
    assert (got.responder, got.text) == ("offline", "ค่าส่ง 40 บาท")  # in the customer's language


@pytest.mark.parametrize("stream", [False, True])
async def test_a_200_error_object_is_retried_like_the_5xx_it_is(
    llm: FakeLLM, store, http: httpx.AsyncClient, stream: bool
) -> None:
    from seabot.core.responder import ResponderRequest

    bot, responder = _responder(llm, store, http, stream=stream)
    llm.script("m-fast", error_object("upstream overloaded"), answer("here you go"))
    got = await responder.respond(ResponderRequest(bot=bot, text="hi", lang="en", tier="fast"))
    assert (got.text, got.tier, got.attempts, got.fallback) == ("here you go", "fast", 2, False)


async def test_a_model_that_rejects_parameters_answers_through_the_responder(
    llm: FakeLLM, store, http: httpx.AsyncClient
) -> None:
    from seabot.core.responder import ResponderRequest

    bot, responder = _responder(llm, store, http)
    llm.reject("m-fast", "temperature")
    llm.reject("m-fast", "max_tokens")
    got = await responder.respond(ResponderRequest(bot=bot, text="hi", lang="en", tier="fast"))
    assert (got.responder, got.text, got.fallback) == ("llm", "answer from m-fast", False)


async def test_the_runtimes_pool_for_a_streaming_provider_measures_the_first_token(llm: FakeLLM) -> None:
    from seabot.bots.runtime import open_llm_pool
    from seabot.core.llm import LLMSettings, ProviderSpec

    llm.chunk_delay_s = 0.4  # the first words come at once, the rest later
    spec = ProviderSpec("newco", llm.base_url, "k", stream=True)
    pool = open_llm_pool(LLMSettings(base_url=llm.base_url, api_key="k", providers={"newco": spec}))(spec)
    try:
        result = await ChatClient(pool, llm.base_url, "k", stream=True).complete(HELLO, timeout_s=5)
    finally:
        await pool.aclose()
    assert result.text == "answer from o-mini" and result.ttft_s is not None
    assert result.ttft_s < result.latency_s / 2  # read as it came, not after the whole body


async def test_the_servers_own_time_to_first_token_is_taken_when_it_gives_one(
    llm: FakeLLM, http: httpx.AsyncClient
) -> None:
    from llm_server import raw

    body = '{"model": "o-mini", "choices": [{"message": {"role": "assistant", "content": "hi"}}]}'
    llm.script("o-mini", raw(body, headers={"Server-Timing": "queue;dur=3, ttft;dur=240.5"}))
    result = await ChatClient(http, llm.base_url, "k").complete(HELLO, timeout_s=5)
    assert result.ttft_s == pytest.approx(0.2405)

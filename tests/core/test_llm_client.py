"""The OpenAI-compatible client and the retry loop against a real loopback server."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator

import httpx
import pytest
from llm_server import FakeClock, FakeLLM, answer, raw, stall, status

from seabot.core.llm import (
    Backoff,
    ChatClient,
    ChatMessage,
    ChatRequest,
    Deadline,
    LLMAuthError,
    LLMBadResponse,
    LLMRateLimited,
    LLMRequestError,
    LLMServerError,
    LLMTimeout,
    SystemClock,
    with_retries,
)
from seabot.core.llm.client import parse_retry_after

pytestmark = pytest.mark.anyio

HELLO = ChatRequest(model="m-fast", messages=(ChatMessage("user", "hello"),), max_tokens=50)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


async def test_answer_usage_and_key_are_passed(llm: FakeLLM, http: httpx.AsyncClient) -> None:
    llm.script("m-fast", answer("สวัสดีค่ะ", tokens_in=123, tokens_out=45))
    result = await ChatClient(http, llm.base_url, "sk-test").complete(HELLO, timeout_s=5)
    assert (result.text, result.model, result.tokens_in, result.tokens_out) == ("สวัสดีค่ะ", "m-fast", 123, 45)
    seen = llm.calls("m-fast")[0]
    assert seen.authorization == "Bearer sk-test"
    assert seen.body["messages"] == [{"role": "user", "content": "hello"}] and seen.body["max_tokens"] == 50


@pytest.mark.parametrize(
    ("behaviour", "error"),
    [
        (status(401), LLMAuthError),
        (status(403), LLMAuthError),
        (status(429, retry_after="7"), LLMRateLimited),
        (status(500), LLMServerError),
        (status(503), LLMServerError),
        (status(404), LLMRequestError),
        (raw("<html>gateway</html>", content_type="text/html"), LLMBadResponse),
        (raw('{"choices": []}'), LLMBadResponse),
        (raw('{"id": "x"}'), LLMBadResponse),
        (raw('{"choices": [{"message": {"role": "assistant", "content": "  \\n "}}]}'), LLMBadResponse),
        (raw('{"choices": [{"message": {"role": "assistant", "content": null}}]}'), LLMBadResponse),
    ],
)
async def test_failures_are_translated(llm: FakeLLM, http: httpx.AsyncClient, behaviour, error) -> None:
    llm.script("m-fast", behaviour)
    with pytest.raises(error) as caught:
        await ChatClient(http, llm.base_url, "sk-secret-key").complete(HELLO, timeout_s=5)
    assert "sk-secret-key" not in str(caught.value)
    assert (
        caught.value.__cause__ is not None
        or caught.value.status is not None
        or isinstance(caught.value, LLMBadResponse)
    )
    if isinstance(caught.value, LLMRateLimited):
        assert caught.value.retry_after_s == 7.0


async def test_a_stalled_server_is_a_timeout(llm: FakeLLM, http: httpx.AsyncClient) -> None:
    llm.script("m-fast", stall(3))
    with pytest.raises(LLMTimeout) as caught:
        await ChatClient(http, llm.base_url, "k").complete(HELLO, timeout_s=0.2)
    assert isinstance(caught.value.__cause__, httpx.TimeoutException)


async def test_unreachable_api_is_unavailable(http: httpx.AsyncClient) -> None:
    from seabot.core.llm import LLMConnectError

    with pytest.raises(LLMConnectError):
        await ChatClient(http, "http://127.0.0.1:9/v1", "k").complete(HELLO, timeout_s=2)


def test_retry_after_parses_seconds_and_dates() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("0.25") == 0.25
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0) == 10.0


async def retrying(
    llm: FakeLLM, http: httpx.AsyncClient, clock: FakeClock, *, retries: int = 3, deadline: float = 30.0
):
    client = ChatClient(http, llm.base_url, "k")
    outcomes: list[str] = []
    result = await with_retries(
        lambda timeout: client.complete(HELLO, timeout_s=timeout),
        timeout_s=5,
        backoff=Backoff(base_s=0.5, max_s=8.0, max_retries=retries),
        deadline=Deadline(deadline, clock),
        clock=clock,
        rand=random.Random(7),
        observe=outcomes.append,
    )
    return result, outcomes


async def test_429_and_5xx_are_retried_with_jittered_backoff_and_retry_after(
    llm: FakeLLM, http: httpx.AsyncClient
) -> None:
    clock = FakeClock()
    llm.script("m-fast", status(500), status(429, retry_after="4"), raw("not json"), answer("finally"))
    (result, attempts), outcomes = await retrying(llm, http, clock)
    assert result.text == "finally" and attempts == 4
    assert outcomes == ["server_error", "rate_limited", "bad_response", "ok"]
    first, second, third = clock.sleeps
    assert 0.0 <= first <= 0.5  # full jitter: uniform in [0, base]
    assert second >= 4.0  # Retry-After is honoured
    assert 0.0 <= third <= 2.0  # base * 2^2


async def test_retries_stop_after_max_retries(llm: FakeLLM, http: httpx.AsyncClient) -> None:
    llm.always("m-fast", status(502))
    with pytest.raises(LLMServerError) as caught:
        await retrying(llm, http, FakeClock(), retries=2)
    assert caught.value.attempts == 3 and len(llm.calls()) == 3


async def test_a_retry_after_beyond_the_deadline_ends_retrying_at_once(llm: FakeLLM, http: httpx.AsyncClient) -> None:
    clock = FakeClock()
    llm.script("m-fast", status(429, retry_after="120"))
    with pytest.raises(LLMRateLimited) as caught:
        await retrying(llm, http, clock, deadline=30)
    assert caught.value.attempts == 1 and clock.sleeps == []


async def test_auth_errors_are_never_retried(llm: FakeLLM, http: httpx.AsyncClient) -> None:
    llm.always("m-fast", status(401))
    with pytest.raises(LLMAuthError) as caught:
        await retrying(llm, http, FakeClock())
    assert caught.value.attempts == 1 and len(llm.calls()) == 1


async def test_a_stall_is_cut_by_the_message_deadline(llm: FakeLLM, http: httpx.AsyncClient) -> None:
    llm.always("m-fast", stall(5))
    client = ChatClient(http, llm.base_url, "k")
    clock = SystemClock()
    with pytest.raises(LLMTimeout):
        await with_retries(
            lambda timeout: client.complete(HELLO, timeout_s=timeout),
            timeout_s=10,  # the tier would wait longer; the message's deadline does not
            backoff=Backoff(base_s=0.001, max_s=0.001, max_retries=5),
            deadline=Deadline(0.3, clock),
            clock=clock,
            rand=random.Random(1),
        )
    assert len(llm.calls()) <= 3

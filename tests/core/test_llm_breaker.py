"""The breaker recovers within seconds of the provider recovering, and one burst of failures does
not open the breakers of models that were never tried (issue 11, item 12). Real loopback
servers, a real SQLite file, an injected clock."""

from __future__ import annotations

import asyncio
import random

import httpx
import pytest
from llm_server import FakeClock, FakeLLM, answer, free_port, serve_fake_llm, status

from seabot.core.budget import BudgetGuard
from seabot.core.faq import FaqEntry
from seabot.core.llm import ChatClient, CircuitBreaker, LLMSettings, ProviderSpec, TierSpec
from seabot.core.llm.responder import TieredResponder
from seabot.core.messages import ChatKind
from seabot.core.metrics import Metrics
from seabot.core.offline import OfflineResponder
from seabot.core.profile import BotProfile
from seabot.core.responder import ResponderRequest
from seabot.storage import SqliteStore

pytestmark = pytest.mark.anyio

BOT = BotProfile(
    bot_id="shop", display_name="Sabai Mart", languages=("en",),
    faq=(FaqEntry("shipping", {"en": ("how much is shipping",)}, {"en": "Shipping is 40 baht."}),),
)  # fmt: skip


def test_an_open_breaker_probes_after_a_second_then_backs_off_up_to_the_cooldown() -> None:
    now = [0.0]
    breaker = CircuitBreaker(failures=2, cooldown_s=8, clock=lambda: now[0], probe_s=1)
    breaker.failure("p")
    assert breaker.failure("p") and not breaker.allow("p")
    waits = []
    for _ in range(6):  # the provider stays down: each failed probe doubles the wait, up to 8 s
        start = now[0]
        while not breaker.allow("p"):
            now[0] += 0.25
        waits.append(now[0] - start)
        assert not breaker.allow("p")  # one probe at a time
        breaker.failure("p")
    assert waits == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    now[0] += 8
    assert breaker.allow("p")
    breaker.success("p")  # the probe got through: closed at once
    assert breaker.allow("p") and breaker.allow("p") and not breaker.is_open("p")


def test_a_probe_that_never_reports_lets_another_one_go() -> None:
    now = [0.0]
    breaker = CircuitBreaker(failures=1, cooldown_s=10, clock=lambda: now[0], probe_s=2)
    breaker.failure("p")
    now[0] = 2
    assert breaker.allow("p")  # its message ran out of time before the call: no outcome
    now[0] = 4
    assert breaker.allow("p")


def _settings(tiers: dict[str, TierSpec], **overrides: object) -> LLMSettings:
    values: dict[str, object] = dict(
        base_url="http://unused/v1", api_key="k", timeout_s=5, deadline_s=30, max_retries=1, backoff_base_s=0.01,
        backoff_max_s=0.02, breaker_failures=5, breaker_cooldown_s=60, breaker_probe_s=1, tiers=tiers,
    )  # fmt: skip
    values.update(overrides)
    return LLMSettings(**values)  # type: ignore[arg-type]  # **values: fields of several types


def _responder(
    settings: LLMSettings, clients: dict[str, ChatClient], store: SqliteStore, clock: FakeClock
) -> TieredResponder:
    return TieredResponder(
        settings, None, OfflineResponder.for_profiles([BOT]), budget=BudgetGuard(store), cache=None,
        metrics=Metrics(), clock=clock, rand=random.Random(5), clients=clients,
    )  # fmt: skip


def _request(store: SqliteStore, user: str, tier: str = "premium") -> ResponderRequest:
    conversation = store.conversation("shop", "console", user, ChatKind.PRIVATE)
    return ResponderRequest(bot=BOT, text="where is my parcel", lang="en", tier=tier,
                            conversation_key=f"console:{user}", conversation_id=conversation.id)  # fmt: skip


TIERS = {name: TierSpec(name, f"m-{name}", 1, 1, provider="gw") for name in ("fast", "balanced", "premium")}


async def test_after_a_burst_at_start_the_first_probe_after_recovery_brings_every_model_back(
    store: SqliteStore, http: httpx.AsyncClient
) -> None:
    port = free_port()  # nothing listens there yet: the provider is down
    settings = _settings(TIERS, providers={"gw": ProviderSpec("gw", f"http://127.0.0.1:{port}/v1", "k")})
    clock = FakeClock()
    responder = _responder(settings, {"gw": ChatClient(http, f"http://127.0.0.1:{port}/v1", "k")}, store, clock)
    burst = await asyncio.gather(*(responder.respond(_request(store, f"u{i}")) for i in range(21)))
    assert all(a.responder == "offline" and a.text for a in burst)
    provider = responder._providers["gw"]  # the breakers are the subject here
    assert provider.down()
    assert not any(provider.models.is_open(f"m-{t}") for t in ("fast", "balanced", "premium"))  # never blamed
    assert (await responder.respond(_request(store, "later"))).responder == "offline"  # still down: skipped

    with serve_fake_llm(port) as llm:  # the provider recovers
        clock.t += 1.0  # within seconds, not a minute
        got = await responder.respond(_request(store, "after"))
        assert (got.responder, got.tier, got.text) == ("llm", "premium", "answer from m-premium")
        assert not provider.down()
        for i in range(3):  # every model is back at once, none waits out a cool-down of its own
            for tier in ("fast", "balanced"):
                assert (await responder.respond(_request(store, f"n{i}", tier))).tier == tier
        assert len(llm.calls()) == 7


async def test_a_burst_of_5xx_opens_only_the_model_that_failed(
    llm: FakeLLM, store: SqliteStore, http: httpx.AsyncClient
) -> None:
    settings = _settings(TIERS, providers={"gw": ProviderSpec("gw", llm.base_url, "k")})
    clock = FakeClock()
    responder = _responder(settings, {"gw": ChatClient(http, llm.base_url, "k")}, store, clock)
    llm.always("m-premium", status(503))
    answers = await asyncio.gather(*(responder.respond(_request(store, f"u{i}")) for i in range(21)))
    assert {a.tier for a in answers} == {"balanced"}  # the next tier answered every one
    provider = responder._providers["gw"]
    assert provider.models.is_open("m-premium") and not provider.down()
    assert not provider.models.is_open("m-balanced") and not provider.models.is_open("m-fast")
    premium_calls = len(llm.calls("m-premium"))
    assert (await responder.respond(_request(store, "skip"))).tier == "balanced"
    assert len(llm.calls("m-premium")) == premium_calls  # skipped while open
    llm.always("m-premium", answer("premium is back"))
    clock.t += 1.0
    assert (await responder.respond(_request(store, "probe"))).text == "premium is back"


async def test_a_provider_that_is_down_does_not_slow_the_others(store: SqliteStore, http: httpx.AsyncClient) -> None:
    dead = f"http://127.0.0.1:{free_port()}/v1"
    with serve_fake_llm() as healthy:
        tiers = {
            "premium": TierSpec("premium", "m-premium", 2, 8, provider="dead"),
            "balanced": TierSpec("balanced", "m-balanced", 1, 1, provider="dead"),
            "fast": TierSpec("fast", "m-fast", 1, 1, provider="ok"),
        }
        settings = _settings(
            tiers, providers={"dead": ProviderSpec("dead", dead, "k"), "ok": ProviderSpec("ok", healthy.base_url, "k")}
        )
        clock = FakeClock()
        async with httpx.AsyncClient() as other_pool:  # each provider its own pool
            clients = {"dead": ChatClient(http, dead, "k"), "ok": ChatClient(other_pool, healthy.base_url, "k")}
            responder = _responder(settings, clients, store, clock)
            first = await responder.respond(_request(store, "u0"))
            # premium could not be reached: balanced, on the same provider, is not tried for this message
            assert (first.tier, first.text) == ("fast", "answer from m-fast")
            for i in range(1, 10):
                assert (await responder.respond(_request(store, f"u{i}"))).tier == "fast"
            assert responder._providers["dead"].down()
            assert sum(clock.sleeps) < 1  # no backoff waits spent on the dead one
            assert len(healthy.calls()) == 10


async def test_a_model_that_times_out_does_not_take_its_providers_other_models_down(
    llm: FakeLLM, store: SqliteStore, http: httpx.AsyncClient
) -> None:
    from llm_server import stall

    from seabot.core.llm import SystemClock

    settings = _settings(TIERS, providers={"gw": ProviderSpec("gw", llm.base_url, "k")}, timeout_s=0.2,
                         max_retries=0, breaker_failures=2)  # fmt: skip
    responder = TieredResponder(
        settings,
        None,
        OfflineResponder.for_profiles([BOT]),
        budget=BudgetGuard(store),
        cache=None,
        metrics=Metrics(),
        clock=SystemClock(),
        rand=random.Random(5),
        clients={"gw": ChatClient(http, llm.base_url, "k")},
    )
    llm.always("m-premium", stall(2))  # a slow reasoning model
    for i in range(3):
        assert (await responder.respond(_request(store, f"u{i}"))).tier == "balanced"
    provider = responder._providers["gw"]
    assert provider.models.is_open("m-premium") and not provider.down()
    assert len(llm.calls("m-premium")) == 2 and len(llm.calls("m-balanced")) == 3


def test_the_retry_budget_allows_a_fifth_of_the_requests_over_its_floor() -> None:
    from seabot.core.llm.provider import RetryBudget

    budget = RetryBudget(ratio=0.2, floor=10)
    assert sum(budget.take_retry() for _ in range(20)) == 10  # the floor, then nothing
    for _ in range(100):
        budget.attempt()
    assert sum(budget.take_retry() for _ in range(100)) == 10  # banked up to the floor: 20 % of 100 capped at 10
    for _ in range(10):
        budget.attempt()
    assert sum(budget.take_retry() for _ in range(10)) == 2


async def test_an_outage_does_not_multiply_the_traffic_by_the_retries(
    llm: FakeLLM, store: SqliteStore, http: httpx.AsyncClient
) -> None:
    tiers = {"fast": TierSpec("fast", "m-fast", 1, 1, provider="gw")}
    settings = _settings(tiers, providers={"gw": ProviderSpec("gw", llm.base_url, "k")}, max_retries=3,
                         breaker_failures=10_000)  # fmt: skip
    responder = _responder(settings, {"gw": ChatClient(http, llm.base_url, "k")}, store, FakeClock())
    llm.always("m-fast", status(503))
    for i in range(100):
        assert (await responder.respond(_request(store, f"u{i}", "fast"))).responder == "offline"
    assert len(llm.calls()) <= 100 + 10 + 0.2 * 100 + 1  # not 400: retries are a fifth of the requests, over a floor


async def test_a_key_one_provider_rejects_stops_only_that_provider(
    llm: FakeLLM, store: SqliteStore, http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    with serve_fake_llm() as other:
        tiers = {
            "premium": TierSpec("premium", "m-premium", 2, 8, provider="other"),
            "fast": TierSpec("fast", "m-fast", 1, 1),
        }
        settings = _settings(
            tiers, base_url=llm.base_url, providers={"other": ProviderSpec("other", other.base_url, "sk-bad")}
        )
        clients = {"default": ChatClient(http, llm.base_url, "k"), "other": ChatClient(http, other.base_url, "sk-bad")}
        responder = _responder(settings, clients, store, FakeClock())
        other.always("m-premium", status(401))
        with caplog.at_level(logging.ERROR, logger="seabot.llm"):
            for i in range(3):
                got = await responder.respond(_request(store, f"u{i}"))
                assert (got.responder, got.tier) == ("llm", "fast")
        assert len(other.calls()) == 1 and len(llm.calls()) == 3
        (error,) = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert "[llm.providers.other].api_key" in error.getMessage() and "sk-bad" not in error.getMessage()

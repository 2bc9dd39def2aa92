"""The canary against two loopback OpenAI-compatible stand-ins (a steady one and a flaky, slower
one) and a real SQLite file: sticky per conversation, the share honoured, rolled back by itself
when worse, durably, promoted by hand, and the numbers per model."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from llm_server import FakeClock, FakeLLM, answer, serve_fake_llm

from seabot.core.budget import BudgetGuard
from seabot.core.faq import FaqEntry
from seabot.core.llm import CanarySpec, ChatClient, LLMSettings, ProviderSpec, TierSpec
from seabot.core.llm.canary import ArmWindow, CanaryStatus, SettingsCanaryStore, in_canary, judge
from seabot.core.llm.ledger import CounterModelStats
from seabot.core.llm.responder import TieredResponder
from seabot.core.messages import ChatKind, Role
from seabot.core.metrics import Metrics
from seabot.core.offline import OfflineResponder
from seabot.core.profile import BotProfile
from seabot.core.responder import ResponderRequest, Turn
from seabot.storage import SqliteStore

pytestmark = pytest.mark.anyio

BOT = BotProfile(
    bot_id="shop", display_name="Sabai Mart", languages=("en",),
    faq=(FaqEntry("shipping", {"en": ("how much is shipping",)}, {"en": "Shipping is 40 baht."}),),
)  # fmt: skip
CANARY = CanarySpec(model="cheap-1", provider="newco", share=0.3, input_usd_per_mtok=0.05, output_usd_per_mtok=0.2,
                    min_answers=20, max_error_rate_increase=0.05, max_p95_increase=0.5, window=200)  # fmt: skip


@pytest.fixture
def newco() -> Iterator[FakeLLM]:
    """The provider on trial: its own server, streaming, a little slower."""
    with serve_fake_llm() as fake:
        fake.delay_s = 0.005
        yield fake


@pytest.fixture
async def pools() -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    async with httpx.AsyncClient() as a, httpx.AsyncClient() as b:
        yield a, b


class Rig:
    def __init__(self, llm: FakeLLM, newco: FakeLLM | str, store: SqliteStore, pools, canary: CanarySpec = CANARY,
                 breaker_failures: int = 1000) -> None:  # fmt: skip
        tiers = {"fast": TierSpec("fast", "m-fast", 0.15, 0.60, canary=canary)}
        newco_url = newco if isinstance(newco, str) else newco.base_url
        self.settings = LLMSettings(
            base_url=llm.base_url, api_key="k", max_retries=0, backoff_base_s=0.01, backoff_max_s=0.02,
            breaker_failures=breaker_failures, tiers=tiers,
            providers={"newco": ProviderSpec("newco", newco_url, "k2", stream=True)},
        )  # fmt: skip
        self.store = store
        self.metrics = Metrics()
        self.clock = FakeClock()
        self.responder = TieredResponder(
            self.settings, ChatClient(pools[0], llm.base_url, "k"), OfflineResponder.for_profiles([BOT]),
            budget=BudgetGuard(store), cache=None, metrics=self.metrics, clock=self.clock,
            rand=random.Random(1), clients={"newco": ChatClient(pools[1], newco_url, "k2", stream=True)},
            canary_state=SettingsCanaryStore(store), model_stats=CounterModelStats(store),
        )  # fmt: skip

    async def ask(self, user: str, *, first: bool = True):
        conversation = self.store.conversation("shop", "line", user, ChatKind.PRIVATE)
        history = () if first else (Turn(Role.CUSTOMER, "hi"), Turn(Role.BOT, "hello!"))
        request = ResponderRequest(bot=BOT, text="where is my order", lang="en", tier="fast", history=history,
                                   conversation_key=f"line:{user}", conversation_id=conversation.id)  # fmt: skip
        return await self.responder.respond(request)


def _canary_users(n: int, share: float = CANARY.share) -> list[str]:
    return [f"u{i}" for i in range(n) if in_canary(share, "shop", f"line:u{i}", "fast")]


async def test_each_conversation_sticks_to_one_arm_and_the_share_is_honoured(llm, newco, store, pools) -> None:
    rig = Rig(llm, newco, store, pools)
    models: dict[str, set[str]] = {}
    for round_ in range(2):
        for i in range(300):
            got = await rig.ask(f"u{i}", first=round_ == 0)
            models.setdefault(f"u{i}", set()).add(got.model)
    assert all(len(m) == 1 for m in models.values())  # no conversation changed model mid-chat
    counted = Counter(next(iter(m)) for m in models.values())
    assert abs(counted["cheap-1"] / 300 - 0.3) < 0.07, counted
    assert len(newco.calls("cheap-1")) == 2 * counted["cheap-1"] and len(llm.calls("m-fast")) == 2 * counted["m-fast"]
    # the arm is a pure function of the conversation: a new process (or replica) agrees
    assert all(("cheap-1" in models[u]) == in_canary(0.3, "shop", f"line:{u}", "fast") for u in models)
    # widening the share keeps every conversation that was on the canary there
    assert set(_canary_users(300)) <= set(_canary_users(300, share=0.5))


async def test_the_canary_is_priced_with_its_own_prices_and_measured(llm, newco, store, pools) -> None:
    rig = Rig(llm, newco, store, pools)
    user = _canary_users(50)[0]
    newco.script("cheap-1", answer("from the canary", tokens_in=1000, tokens_out=100))
    got = await rig.ask(user)
    assert (got.model, got.text, got.tier) == ("cheap-1", "from the canary", "fast")
    assert got.cost_usd == pytest.approx((1000 * 0.05 + 100 * 0.2) / 1e6)
    assert rig.metrics.value("seabot_llm_answers_total", provider="newco", model="cheap-1", arm="canary",
                             tier="fast", outcome="ok") == 1  # fmt: skip
    assert 'seabot_llm_ttft_seconds_count{arm="canary",model="cheap-1",provider="newco"} 1' in rig.metrics.render()


async def test_a_failing_canary_is_rolled_back_by_itself_and_customers_still_get_answers(
    llm, newco, store, pools
) -> None:
    rig = Rig(llm, newco, store, pools)
    newco.fail_rate = 0.5  # the new provider drops half its requests
    answers = [await rig.ask(f"u{i}") for i in range(400)]
    assert all(a.responder == "llm" and a.text for a in answers)  # the tier's own model stood in
    state = await SettingsCanaryStore(store).load("fast")
    assert state is not None and (state.status, state.by, state.model) == (CanaryStatus.ROLLED_BACK, "auto", "cheap-1")
    assert "error rate" in state.reason
    assert rig.metrics.value("seabot_llm_canary_rollbacks_total", tier="fast") == 1
    assert (
        'seabot_llm_canary{model="cheap-1",provider="newco",state="rolled_back",tier="fast"} 1' in rig.metrics.render()
    )
    canary_calls = len(newco.calls())
    assert canary_calls < 0.3 * 400  # it stopped well before the end
    for user in _canary_users(100):
        assert (await rig.ask(user, first=False)).model == "m-fast"
    assert len(newco.calls()) == canary_calls
    fallbacks = rig.metrics.value(
        "seabot_llm_arm_fallbacks_total", provider="newco", model="cheap-1", tier="fast", arm="canary"
    )
    assert fallbacks > 0


async def test_a_canary_whose_provider_is_unreachable_is_rolled_back_though_its_breaker_skips_it(
    llm,
    store,
    pools,
) -> None:
    from llm_server import free_port

    rig = Rig(llm, f"http://127.0.0.1:{free_port()}/v1", store, pools, breaker_failures=3)
    answers = [await rig.ask(f"u{i}") for i in range(150)]
    assert all(a.model == "m-fast" for a in answers)  # the control answered every one
    state = await SettingsCanaryStore(store).load("fast")
    assert state is not None and state.status is CanaryStatus.ROLLED_BACK
    # the breaker opened after 3 failures: the rest of the canary's conversations were skipped, and counted
    assert rig.metrics.value("seabot_llm_answers_total", provider="newco", model="cheap-1", arm="canary",
                             tier="fast", outcome="error") == 3  # fmt: skip


async def test_the_rollback_survives_a_restart(llm, newco, pools, tmp_path: Path) -> None:
    path = tmp_path / "seabot.db"
    store = SqliteStore(path)
    rig = Rig(llm, newco, store, pools)
    newco.fail_rate = 1.0
    for i in range(200):
        await rig.ask(f"u{i}")
    await rig.responder.aclose()
    store.close()
    assert (await SettingsCanaryStore(SqliteStore(path)).load("fast")) is not None

    newco.fail_rate = 0.0
    before = len(newco.calls())
    reopened = SqliteStore(path)  # a new process: nothing in memory
    try:
        again = Rig(llm, newco, reopened, pools)
        for user in _canary_users(100):
            assert (await again.ask(user)).model == "m-fast"
        assert len(newco.calls()) == before
        # a different canary for the tier is a new trial: the old decision does not hold it back
        other = Rig(llm, newco, reopened, pools, canary=replace(CANARY, model="cheap-2"))
        assert (await other.ask(_canary_users(100)[0])).model == "cheap-2"
    finally:
        reopened.close()


async def test_promote_sends_every_conversation_to_the_canary(llm, newco, store, pools) -> None:
    rig = Rig(llm, newco, store, pools)
    await rig.responder.canaries.decide("fast", CanaryStatus.PROMOTED, "cheaper, as good", by="merchant")
    got = {(await rig.ask(f"u{i}")).model for i in range(40)}
    assert got == {"cheap-1"} and len(llm.calls()) == 0


async def test_a_decision_made_elsewhere_is_picked_up_within_seconds(llm, newco, store, pools) -> None:
    rig = Rig(llm, newco, store, pools)
    user = _canary_users(50)[0]
    assert (await rig.ask(user)).model == "cheap-1"
    other_process = Rig(llm, newco, store, pools)  # e.g. `seabot canary rollback` from the CLI
    await other_process.responder.canaries.decide("fast", CanaryStatus.ROLLED_BACK, "by hand", by="merchant")
    rig.clock.t += 3
    assert (await rig.ask(user, first=False)).model == "m-fast"


async def test_numbers_per_model_for_both_arms(llm, newco, store, pools) -> None:
    rig = Rig(llm, newco, store, pools, canary=replace(CANARY, min_answers=10_000))  # never judged here
    newco.fail_rate = 0.2
    for i in range(120):
        await rig.ask(f"u{i}")
        await rig.ask(f"u{i}", first=False)
    await rig.responder.flush_stats()
    stats = await CounterModelStats(store).read("2000-01-01")
    by_model = {(s.provider, s.model, s.arm): t for s, t in stats.items()}
    control, canary = by_model[("default", "m-fast", "control")], by_model[("newco", "cheap-1", "canary")]
    assert control.errors == 0 and control.answers > canary.answers > 0 and canary.errors > 0
    assert canary.fallbacks == canary.errors  # each failed canary call was answered by the control
    assert control.conversations + canary.conversations <= 120
    assert control.tokens_in == 100 * control.answers and control.cost_usd > 0
    assert control.percentile("latency", 0.5) is not None and canary.percentile("latency", 0.95) is not None
    assert canary.percentile("ttft", 0.5) is not None and control.percentile("ttft", 0.5) is None  # only newco streams
    assert control.answers + control.errors + canary.answers + canary.errors == 240 + canary.errors


def test_the_judge_rolls_back_on_latency_and_waits_for_enough_answers() -> None:
    spec = replace(CANARY, min_answers=20)
    control, canary = ArmWindow(100), ArmWindow(100)
    for _ in range(50):
        control.add(True, 0.200)
    for _ in range(19):
        canary.add(True, 0.900)
    assert judge(canary, control, spec) is None  # 19 answers: not judged yet
    canary.add(True, 0.900)
    reason = judge(canary, control, spec)
    assert reason is not None and "p95" in reason
    near = ArmWindow(100)
    for _ in range(40):
        near.add(True, 0.280)  # 40 % slower: within the 50 % margin
    assert judge(near, control, spec) is None
    errors = ArmWindow(100)
    for i in range(40):
        errors.add(i % 5 != 0, 0.2)  # 20 % errors against the control's 0 %
    assert "error rate" in (judge(errors, control, spec) or "")
    unlucky = ArmWindow(500)
    for i in range(60):
        unlucky.add(i % 16 != 0, 0.2)  # 4 unlucky answers in 60 (6.7 %): not surely above the 5 % margin
    assert judge(unlucky, control, spec) is None
    for i in range(440):
        unlucky.add(i % 33 != 0, 0.2)  # a true 3 %, inside the margin, over 500 answers
    assert judge(unlucky, control, spec) is None

"""The LLM responder: cache, budget-aware tier, canary arm, fallback premium → balanced → fast → offline.

For one customer message it
1. answers a repeated FAQ-like question from the answer cache (zero cost);
2. asks the budget which tier it may use (lower near a limit; none past it: offline);
3. picks the tier's arm for this conversation (its own model, or its canary: ``canary``);
4. tries that model at its provider with retries inside the message's deadline, skipping a
   model or provider whose circuit breaker is open (``provider``), then the tier's own model
   if the canary failed, then each cheaper tier, then the offline responder, whose answer is in
   the customer's language too;
5. prices the usage with the arm's prices and returns it with model, tier and attempts, and
   adds the outcome to both arms' windows (a canary clearly worse is rolled back, durably),
   to ``/metrics`` and to the per model ledger (``seabot stats --models``).

A rejected API key (401/403) is not retried: it is logged once per provider, clearly, and that
provider is skipped for a cool-down, since none of its models can work with that key.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import replace

from seabot.core.answer_cache import AnswerCache
from seabot.core.budget import BudgetGuard
from seabot.core.llm.breaker import CircuitBreaker
from seabot.core.llm.canary import Canaries, CanaryStateStore, CanaryStatus
from seabot.core.llm.client import ChatClient, ChatRequest, ChatResult
from seabot.core.llm.errors import LLMAuthError, LLMError
from seabot.core.llm.ledger import ModelLedger, ModelStatsStore
from seabot.core.llm.pricing import cost_usd
from seabot.core.llm.prompt import build_prompt
from seabot.core.llm.provider import Provider, is_provider_failure
from seabot.core.llm.retry import Backoff, Clock, Deadline, SystemClock, with_retries
from seabot.core.llm.settings import DEFAULT_PROVIDER, LLMSettings, TierSpec
from seabot.core.messages import Role
from seabot.core.metrics import Metrics
from seabot.core.responder import Answer, Responder, ResponderRequest

__all__ = ["TieredResponder", "describe_metrics"]

log = logging.getLogger("seabot.llm")
_KEY_COOLDOWN_S = 60.0  # a rejected key is tried again after this long


def describe_metrics(metrics: Metrics) -> None:
    metrics.describe("seabot_llm_answers_total", "counter", "Messages per provider, model, tier and arm: ok or error")
    metrics.describe("seabot_llm_latency_seconds", "histogram", "Time a model took for a message (retries included)")
    metrics.describe("seabot_llm_ttft_seconds", "histogram", "Time to a streamed answer's first token")
    metrics.describe("seabot_llm_cost_usd_total", "counter", "What a model's answers cost")
    metrics.describe("seabot_llm_arm_fallbacks_total", "counter", "Messages another model answered for this one")
    metrics.describe(
        "seabot_llm_canary", "gauge", "A tier's canary: 1 for its current state (active, rolled_back, promoted)"
    )
    metrics.describe("seabot_llm_canary_rollbacks_total", "counter", "Canaries rolled back because they were worse")


class TieredResponder:
    name = "llm"

    def __init__(
        self,
        settings: LLMSettings,
        client: ChatClient | None,
        offline: Responder,
        *,
        budget: BudgetGuard,
        cache: AnswerCache | None,
        metrics: Metrics,
        clock: Clock | None = None,
        rand: random.Random | None = None,
        clients: Mapping[str, ChatClient] | None = None,
        canary_state: CanaryStateStore | None = None,
        model_stats: ModelStatsStore | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        """``client`` is the default provider's (``[llm]``'s own); ``clients`` every named one's."""
        self._settings = settings
        self._offline = offline
        self._budget = budget
        self._cache = cache
        self._metrics = metrics
        self._clock = clock or SystemClock()
        self._rand = rand or random.Random()
        self._backoff = Backoff(settings.backoff_base_s, settings.backoff_max_s, max(0, settings.max_retries))
        by_name = dict(clients or {})
        if client is not None:
            by_name.setdefault(DEFAULT_PROVIDER, client)
        self._providers: dict[str, Provider] = {}
        for name in settings.provider_names():
            if name not in by_name:
                raise ValueError(f"no client for the LLM provider {name!r}")
            self._providers[name] = Provider.build(settings.provider(name), by_name[name], settings, self._clock)
        self._keys = CircuitBreaker(1, _KEY_COOLDOWN_S, self._clock.now, probe_s=_KEY_COOLDOWN_S)
        self._auth_reported: set[str] = set()
        self._canaries = Canaries(settings.tiers, canary_state, clock=self._clock.now, wall=wall)
        self._ledger = ModelLedger(model_stats, clock=self._clock.now, wall=wall)
        describe_metrics(metrics)

    @property
    def canaries(self) -> Canaries:
        return self._canaries

    async def flush_stats(self) -> None:
        await self._ledger.flush()

    async def aclose(self) -> None:
        """Write the per model numbers not yet written."""
        await self._ledger.aclose()

    async def respond(self, request: ResponderRequest) -> Answer:
        bot_id = request.bot.bot_id
        cache_key = self._cache.key(request) if self._cache is not None else None
        if cache_key is not None and self._cache is not None:
            hit = await self._cache.get(bot_id, request.lang, cache_key)
            if hit is not None:
                self._metrics.inc("seabot_cache_hits_total", bot=bot_id)
                return Answer(text=hit.text, responder="cache", model=hit.model, tier=hit.tier)
        verdict = await self._budget.check(request.bot, request.conversation_id, request.tier)
        if verdict.tier is None:
            self._metrics.inc("seabot_budget_cutoffs_total", bot=bot_id)
            log.warning(
                "budget reached; the offline responder answers",
                extra={"bot": bot_id, "limit": verdict.reason, "spent_fraction": round(verdict.spent_fraction, 3)},
            )
            return await self._offline_answer(request, attempts=0, why="budget")
        if verdict.tier != request.tier:
            self._metrics.inc("seabot_budget_downgrades_total", bot=bot_id)
            log.info("budget near its limit; cheaper tier", extra={"bot": bot_id, "tier": verdict.tier})
        try:
            answer = await self._ask_models(request, verdict.tier)
        finally:
            self._ledger.flush_soon()
        if answer.responder == self.name and cache_key is not None and self._cache is not None:
            await self._cache.put(bot_id, request.lang, cache_key, answer)
        return answer

    async def _chain(self, request: ResponderRequest, tier: str) -> list[TierSpec]:
        """The specs to try, best first: each tier's arm for this conversation (a canary followed
        by its tier's own model), from the routed tier down."""
        conversation = request.conversation_key or (
            str(request.conversation_id) if request.conversation_id is not None else ""
        )
        chain: list[TierSpec] = []
        for spec in self._settings.chain_from(tier):
            arm = await self._canaries.arm_for(spec, request.bot.bot_id, conversation)
            if spec.canary is not None:
                self._show_canary(spec, await self._canaries.status(spec.name))
            chain.append(arm)
            if arm.arm == "canary":
                chain.append(spec)
        return chain

    async def _ask_models(self, request: ResponderRequest, tier: str) -> Answer:
        deadline = Deadline(self._settings.deadline_s, self._clock)
        attempts = 0
        chain = await self._chain(request, tier)
        skipped_providers: set[str] = set()  # unreachable or key rejected during this message
        first_answer = not any(turn.role is Role.BOT for turn in request.history)
        for position, spec in enumerate(chain):
            if deadline.expired:
                break
            provider = self._providers[spec.provider]
            if spec.provider in skipped_providers or not self._keys.allow(spec.provider):
                if spec.arm == "canary":
                    await self._judge(spec, ok=False, latency_s=None)
                continue
            if not provider.available(spec.model):
                self._metrics.inc("seabot_llm_attempts_total", model=spec.model, outcome="skipped")
                if spec.arm == "canary":  # a canary that cannot be asked did not serve its conversation
                    await self._judge(spec, ok=False, latency_s=None)
                continue
            started = time.perf_counter()
            try:
                answer, result = await self._ask(request, spec, provider, deadline)
            except LLMError as exc:
                attempts += exc.attempts
                if exc.attempts:
                    await self._observe(spec, ok=False, latency_s=time.perf_counter() - started)
                if isinstance(exc, LLMAuthError):
                    self._key_rejected(spec.provider, exc)
                    skipped_providers.add(spec.provider)
                    continue
                if is_provider_failure(exc):
                    skipped_providers.add(spec.provider)
                log.warning(
                    "model failed; trying the next one",
                    extra={"bot": request.bot.bot_id, "model": spec.model, "provider": spec.provider, "tier": spec.name,
                           "arm": spec.arm, "error": type(exc).__name__, "detail": str(exc), "attempts": exc.attempts},
                )  # fmt: skip
                continue
            self._keys.success(spec.provider)
            await self._observe(spec, ok=True, latency_s=time.perf_counter() - started, answer=answer,
                                result=result, first_answer=first_answer)  # fmt: skip
            if position > 0:
                self._chosen_fell_back(request, chain[0], to=spec.name)
            return replace(answer, attempts=attempts + answer.attempts, fallback=position > 0)
        if chain:
            self._chosen_fell_back(request, chain[0], to=None)
        return await self._offline_answer(request, attempts=attempts, why="llm_failed")

    async def _ask(
        self, request: ResponderRequest, spec: TierSpec, provider: Provider, deadline: Deadline
    ) -> tuple[Answer, ChatResult]:
        prompt = build_prompt(
            request.bot, request.lang, request.text, request.history, spec.max_history_tokens, request.context
        )
        chat = ChatRequest(model=spec.model, messages=prompt.messages, max_tokens=self._settings.max_answer_tokens)

        async def call(timeout: float) -> ChatResult:
            try:
                return await provider.client.complete(chat, timeout_s=timeout)
            except LLMError as exc:
                if provider.failed(spec.model, exc):
                    log.warning(
                        "keeps failing; skipped until a probe gets through",
                        extra={"model": spec.model, "provider": provider.name,
                               "provider_down": provider.down(), "error": type(exc).__name__},
                    )  # fmt: skip
                raise

        provider.retries.attempt()
        result, attempts = await with_retries(
            call,
            timeout_s=self._settings.timeout_for(spec),
            backoff=self._backoff,
            deadline=deadline,
            clock=self._clock,
            rand=self._rand,
            observe=lambda outcome: self._metrics.inc("seabot_llm_attempts_total", model=spec.model, outcome=outcome),
            may_retry=lambda: provider.may_retry(spec.model),
        )
        provider.succeeded(spec.model)
        answer = Answer(
            text=result.text,
            responder=self.name,
            model=result.model,
            tier=spec.name,
            tokens_in=result.tokens_in,
            tokens_out=result.tokens_out,
            cost_usd=cost_usd(spec, result.tokens_in, result.tokens_out),
            attempts=attempts,
        )
        return answer, result

    async def _observe(
        self,
        spec: TierSpec,
        *,
        ok: bool,
        latency_s: float,
        answer: Answer | None = None,
        result: ChatResult | None = None,
        first_answer: bool = False,
    ) -> None:
        labels = {"provider": spec.provider, "model": spec.model, "arm": spec.arm}
        self._metrics.inc("seabot_llm_answers_total", 1.0, tier=spec.name, outcome="ok" if ok else "error", **labels)
        ttft = result.ttft_s if result is not None else None
        if ok and answer is not None:
            self._metrics.observe("seabot_llm_latency_seconds", latency_s, **labels)
            self._metrics.inc("seabot_llm_cost_usd_total", answer.cost_usd, **labels)
            if ttft is not None:
                self._metrics.observe("seabot_llm_ttft_seconds", ttft, **labels)
        self._ledger.record(
            spec, ok=ok, latency_s=latency_s if ok else None, ttft_s=ttft,
            tokens_in=answer.tokens_in if answer else 0, tokens_out=answer.tokens_out if answer else 0,
            cost_usd=answer.cost_usd if answer else 0.0, first_answer=first_answer,
        )  # fmt: skip
        await self._judge(spec, ok=ok, latency_s=latency_s if ok else None)

    async def _judge(self, spec: TierSpec, *, ok: bool, latency_s: float | None) -> None:
        """Add an outcome to the arm's window; roll the canary back when it is clearly worse."""
        reason = self._canaries.observe(spec, ok, latency_s)
        if reason is not None and await self._canaries.status(spec.name) is CanaryStatus.ACTIVE:
            await self._canaries.decide(spec.name, CanaryStatus.ROLLED_BACK, reason, by="auto")
            self._metrics.inc("seabot_llm_canary_rollbacks_total", tier=spec.name)
            self._show_canary(self._settings.tiers[spec.name], CanaryStatus.ROLLED_BACK)
            log.warning(
                "the canary is clearly worse than the tier's own model: rolled back",
                extra={"tier": spec.name, "model": spec.model, "provider": spec.provider, "reason": reason},
            )

    def _show_canary(self, tier: TierSpec, status: CanaryStatus | None) -> None:
        if tier.canary is None or status is None:
            return
        for state in CanaryStatus:
            self._metrics.set("seabot_llm_canary", 1.0 if state is status else 0.0, tier=tier.name,
                              model=tier.canary.model, provider=tier.canary.provider, state=str(state))  # fmt: skip

    def _chosen_fell_back(self, request: ResponderRequest, chosen: TierSpec, *, to: str | None) -> None:
        self._metrics.inc("seabot_llm_arm_fallbacks_total", provider=chosen.provider, model=chosen.model,
                          tier=chosen.name, arm=chosen.arm)  # fmt: skip
        self._ledger.record_fallback(chosen)
        if to is not None:
            self._metrics.inc("seabot_fallbacks_total", bot=request.bot.bot_id, to=to)

    def _key_rejected(self, provider: str, exc: LLMAuthError) -> None:
        self._keys.failure(provider)
        if provider not in self._auth_reported:
            self._auth_reported.add(provider)
            where = (
                "[llm].api_key / SEABOT_LLM_API_KEY"
                if provider == DEFAULT_PROVIDER
                else f"[llm.providers.{provider}].api_key"
            )
            log.error(
                f"the LLM API rejected the API key; its models are skipped until it is fixed"
                f" (set {where}, then run `seabot check --online`)",
                extra={"status": exc.status, "detail": str(exc), "provider": provider},
            )

    async def _offline_answer(self, request: ResponderRequest, *, attempts: int, why: str) -> Answer:
        self._metrics.inc("seabot_fallbacks_total", bot=request.bot.bot_id, to="offline")
        answer = await self._offline.respond(request)
        return replace(answer, attempts=attempts, fallback=True)

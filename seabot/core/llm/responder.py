"""The LLM responder: cache, budget-aware tier, fallback premium → balanced → fast → offline.

For one customer message it
1. answers a repeated FAQ-like question from the answer cache (zero cost);
2. asks the budget which tier it may use (lower near a limit; none past it: offline);
3. tries the tier's model with retries inside the message's deadline, skipping a model whose
   circuit breaker is open, then each cheaper tier, then the offline responder, whose answer
   is in the customer's language too;
4. prices the usage with the tier's prices and returns it with model, tier and attempts.

A rejected API key (401/403) is not retried: it is logged once, clearly, and every message
goes to the offline responder for a cool-down, since no tier can work with that key.
"""

from __future__ import annotations

import logging
import random
from dataclasses import replace

from seabot.core.answer_cache import AnswerCache
from seabot.core.budget import BudgetGuard
from seabot.core.llm.breaker import CircuitBreaker
from seabot.core.llm.client import ChatClient, ChatRequest
from seabot.core.llm.errors import LLMAuthError, LLMError
from seabot.core.llm.prompt import build_prompt
from seabot.core.llm.pricing import cost_usd
from seabot.core.llm.retry import Backoff, Clock, Deadline, SystemClock, with_retries
from seabot.core.llm.settings import LLMSettings, TierSpec
from seabot.core.metrics import Metrics
from seabot.core.responder import Answer, Responder, ResponderRequest

__all__ = ["TieredResponder"]

log = logging.getLogger("seabot.llm")
_AUTH_KEY = "\x00api-key"  # the breaker entry for the key itself


class TieredResponder:
    name = "llm"

    def __init__(
        self,
        settings: LLMSettings,
        client: ChatClient,
        offline: Responder,
        *,
        budget: BudgetGuard,
        cache: AnswerCache | None,
        metrics: Metrics,
        clock: Clock | None = None,
        rand: random.Random | None = None,
    ) -> None:
        self._settings = settings
        self._client = client
        self._offline = offline
        self._budget = budget
        self._cache = cache
        self._metrics = metrics
        self._clock = clock or SystemClock()
        self._rand = rand or random.Random()
        self._backoff = Backoff(settings.backoff_base_s, settings.backoff_max_s, max(0, settings.max_retries))
        self._breaker = CircuitBreaker(settings.breaker_failures, settings.breaker_cooldown_s, self._clock.now)
        self._key_breaker = CircuitBreaker(1, settings.breaker_cooldown_s, self._clock.now)
        self._auth_reported = False

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
        answer = await self._ask_models(request, verdict.tier)
        if answer.responder == self.name and cache_key is not None and self._cache is not None:
            await self._cache.put(bot_id, request.lang, cache_key, answer)
        return answer

    async def _ask_models(self, request: ResponderRequest, tier: str) -> Answer:
        if not self._key_breaker.allow(_AUTH_KEY):
            return await self._offline_answer(request, attempts=0, why="api_key")
        deadline = Deadline(self._settings.deadline_s, self._clock)
        attempts = 0
        chain = self._settings.chain_from(tier)
        for position, spec in enumerate(chain):
            if deadline.expired:
                break
            if not self._breaker.allow(spec.model):
                self._metrics.inc("seabot_llm_attempts_total", model=spec.model, outcome="skipped")
                continue
            try:
                answer = await self._ask(request, spec, deadline)
            except LLMAuthError as exc:
                attempts += exc.attempts
                self._key_rejected(exc)
                break
            except LLMError as exc:
                attempts += exc.attempts
                log.warning(
                    "model failed; trying the next tier",
                    extra={"bot": request.bot.bot_id, "model": spec.model, "tier": spec.name,
                           "error": type(exc).__name__, "detail": str(exc), "attempts": exc.attempts},
                )  # fmt: skip
                continue
            self._key_breaker.success(_AUTH_KEY)
            if position > 0:
                self._metrics.inc("seabot_fallbacks_total", bot=request.bot.bot_id, to=spec.name)
            return replace(answer, attempts=attempts + answer.attempts, fallback=position > 0)
        return await self._offline_answer(request, attempts=attempts, why="llm_failed")

    async def _ask(self, request: ResponderRequest, spec: TierSpec, deadline: Deadline) -> Answer:
        prompt = build_prompt(request.bot, request.lang, request.text, request.history, spec.max_history_tokens)
        chat = ChatRequest(model=spec.model, messages=prompt.messages, max_tokens=self._settings.max_answer_tokens)

        def observe(outcome: str) -> None:
            self._metrics.inc("seabot_llm_attempts_total", model=spec.model, outcome=outcome)
            if outcome in ("ok", "auth"):
                return
            if self._breaker.failure(spec.model):
                log.warning(
                    "model keeps failing; skipped for a cool-down",
                    extra={"model": spec.model, "cooldown_s": self._settings.breaker_cooldown_s},
                )

        result, attempts = await with_retries(
            lambda timeout: self._client.complete(chat, timeout_s=timeout),
            timeout_s=self._settings.timeout_for(spec.name),
            backoff=self._backoff,
            deadline=deadline,
            clock=self._clock,
            rand=self._rand,
            observe=observe,
            may_retry=lambda: not self._breaker.is_open(spec.model),
        )
        self._breaker.success(spec.model)
        return Answer(
            text=result.text,
            responder=self.name,
            model=result.model,
            tier=spec.name,
            tokens_in=result.tokens_in,
            tokens_out=result.tokens_out,
            cost_usd=cost_usd(spec, result.tokens_in, result.tokens_out),
            attempts=attempts,
        )

    def _key_rejected(self, exc: LLMAuthError) -> None:
        self._key_breaker.failure(_AUTH_KEY)
        if not self._auth_reported:
            self._auth_reported = True
            log.error(
                "the LLM API rejected the API key; answering offline until it is fixed"
                " (set [llm].api_key / SEABOT_LLM_API_KEY, then run `seabot check --online`)",
                extra={"status": exc.status, "detail": str(exc)},
            )

    async def _offline_answer(self, request: ResponderRequest, *, attempts: int, why: str) -> Answer:
        self._metrics.inc("seabot_fallbacks_total", bot=request.bot.bot_id, to="offline")
        answer = await self._offline.respond(request)
        return replace(answer, attempts=attempts, fallback=True)

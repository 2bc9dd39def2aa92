"""Everything a running seabot holds, built from config and closed explicitly."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from seabot.bots import outbound
from seabot.bots.config import AppConfig, LLMConfig
from seabot.core.answer_cache import AnswerCache
from seabot.core.budget import BudgetGuard
from seabot.core.handoff import HandoffNotifier
from seabot.core.llm import ChatClient, LLMSettings, TierSpec
from seabot.core.llm.responder import TieredResponder
from seabot.core.language import LanguageDetector
from seabot.core.metrics import Metrics
from seabot.core.offline import OfflineResponder
from seabot.core.pipeline import Pipeline
from seabot.core.ratelimit import RateLimiter
from seabot.core.responder import Responder
from seabot.core.routing import Router
from seabot.storage import SqliteStore

__all__ = ["Runtime", "llm_settings", "open_http_client"]


def _describe(metrics: Metrics) -> None:
    metrics.describe("seabot_inbound_total", "counter", "Webhook messages by channel and outcome")
    metrics.describe("seabot_messages_total", "counter", "Customer text messages by bot, channel and language")
    metrics.describe("seabot_answer_seconds", "histogram", "Time from taking a message to having its answer")
    metrics.describe("seabot_handoffs_total", "counter", "Conversations handed to a person")
    metrics.describe("seabot_inbox_failures_total", "counter", "Inbox items that failed and were retried")
    metrics.describe("seabot_inbox_depth", "gauge", "Accepted messages not yet answered and delivered")
    metrics.describe("seabot_llm_attempts_total", "counter", "LLM API calls by model and outcome")
    metrics.describe("seabot_budget_cutoffs_total", "counter", "Messages answered offline because a budget was spent")
    metrics.describe("seabot_budget_downgrades_total", "counter", "Messages sent to a cheaper tier near a budget")
    metrics.describe("seabot_cache_hits_total", "counter", "Answers served from the answer cache")
    metrics.describe("seabot_fallbacks_total", "counter", "Answers from a cheaper tier or offline after a failure")
    metrics.describe("seabot_rate_limited_total", "counter", "Customer messages over the per-user rate limit")


def llm_settings(config: LLMConfig) -> LLMSettings:
    """The LLM layer's settings from the validated ``[llm]`` config."""
    return LLMSettings(
        base_url=config.base_url,
        api_key=config.api_key,
        timeout_s=config.timeout_s,
        deadline_s=config.deadline_s,
        max_retries=config.max_retries,
        cache_ttl_s=config.cache_ttl_s,
        breaker_failures=config.breaker_failures,
        breaker_cooldown_s=config.breaker_cooldown_s,
        tiers={
            name: TierSpec(
                name=name,
                model=tier.model,
                input_usd_per_mtok=tier.input_usd_per_mtok,
                output_usd_per_mtok=tier.output_usd_per_mtok,
                timeout_s=tier.timeout_s,
                max_history_tokens=tier.max_history_tokens,
            )
            for name, tier in config.tiers.items()
        },
    )


def open_http_client(config: LLMConfig) -> httpx.AsyncClient:
    """The one pooled HTTP client of the process (LLM API and handoff webhooks)."""
    return outbound.open_client(timeout=httpx.Timeout(config.timeout_s), headers={"User-Agent": "seabot"})


@dataclass
class Runtime:
    config: AppConfig
    store: SqliteStore
    metrics: Metrics
    detector: LanguageDetector
    offline: OfflineResponder
    pipelines: dict[str, Pipeline]
    http: httpx.AsyncClient | None = None
    responder: Responder | None = field(default=None)

    @classmethod
    def open(cls, config: AppConfig) -> Runtime:
        """Open the database and build each bot's pipeline (raises StorageError)."""
        store = SqliteStore(config.storage.path, checkpoint_in_background=True)
        metrics = Metrics()
        _describe(metrics)
        metrics.gauge_function("seabot_inbox_depth", store.inbox_depth)
        detector = LanguageDetector()
        offline = OfflineResponder.for_profiles(bot.profile for bot in config.bots.values())
        http = open_http_client(config.llm)
        responder: Responder = offline
        if config.llm.enabled:
            settings = llm_settings(config.llm)
            responder = TieredResponder(
                settings,
                ChatClient(http, settings.base_url, settings.api_key),
                offline,
                budget=BudgetGuard(store),
                cache=AnswerCache(store, settings.cache_ttl_s),
                metrics=metrics,
            )
        rate_limiter = RateLimiter(store)
        notifier = HandoffNotifier(http)
        pipelines = {
            bot_id: Pipeline(
                bot.profile, store, detector, Router(bot.routing), responder, metrics,
                rate_limiter=rate_limiter, handoff_notifier=notifier,
            )
            for bot_id, bot in config.bots.items()
        }  # fmt: skip
        return cls(config, store, metrics, detector, offline, pipelines, http, responder)

    def pipeline(self, bot_id: str) -> Pipeline:
        self.config.bot(bot_id)  # raises UnknownBotError naming the configured bots
        return self.pipelines[bot_id]

    async def aclose(self) -> None:
        try:
            if self.http is not None:
                await self.http.aclose()
        finally:
            self.store.close()

"""Everything a running seabot holds, built from config and closed explicitly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from seabot.bots import outbound
from seabot.bots.config import AppConfig, BotConfig, LLMConfig
from seabot.commerce import build_order_source
from seabot.core.answer_cache import AnswerCache
from seabot.core.budget import BudgetGuard
from seabot.core.handoff import HandoffNotifier
from seabot.core.language import LanguageDetector
from seabot.core.llm import LLMSettings, ProviderSpec
from seabot.core.llm.canary import SettingsCanaryStore
from seabot.core.llm.ledger import CounterModelStats
from seabot.core.llm.pools import LLMPools
from seabot.core.llm.responder import TieredResponder
from seabot.core.metrics import Metrics
from seabot.core.offline import OfflineResponder
from seabot.core.orders import OrderAssistant, OrderDesk
from seabot.core.pipeline import Pipeline
from seabot.core.ratelimit import RateLimiter
from seabot.core.responder import Responder
from seabot.core.routing import Router
from seabot.storage import SqliteStore
from seabot.storage.orders import SqliteOrderDialogs, StoreLookupLimiter

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
    return config.settings()


def open_llm_pool(settings: LLMSettings) -> Callable[[ProviderSpec], httpx.AsyncClient]:
    """How each LLM provider's own pool is opened."""

    def open_pool(provider: ProviderSpec) -> httpx.AsyncClient:
        timeout = httpx.Timeout(provider.timeout_s or settings.timeout_s)
        headers = {"User-Agent": "seabot"}
        if provider.stream:  # the aiohttp transport reads a body whole: time to first token needs httpx's own
            limits = httpx.Limits(max_connections=provider.max_connections)
            return httpx.AsyncClient(timeout=timeout, limits=limits, headers=headers, follow_redirects=False)
        return outbound.open_client(timeout=timeout, max_connections=provider.max_connections, headers=headers)

    return open_pool


def open_http_client(config: LLMConfig) -> httpx.AsyncClient:
    """The one pooled HTTP client of the process (LLM API and handoff webhooks)."""
    return outbound.open_client(timeout=httpx.Timeout(config.timeout_s), headers={"User-Agent": "seabot"})


def _order_desk(bot: BotConfig, store: SqliteStore, http: httpx.AsyncClient) -> OrderDesk | None:
    """The bot's order desk when it has ``[bots.<id>.orders]``: its source, the customer's
    dialog and lookup allowance kept in the store."""
    if bot.orders is None:
        return None
    assistant = OrderAssistant(
        build_order_source(bot.orders, http),
        StoreLookupLimiter(store, bot.orders.lookups_per_hour),
        bot_name=bot.profile.display_name,
        fallback_lang=bot.profile.default_language,
    )
    return OrderDesk(assistant, SqliteOrderDialogs(store))


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
    llm: LLMPools | None = None  # the LLM providers' own pools

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
        llm: LLMPools | None = None
        if config.llm.enabled:
            settings = llm_settings(config.llm)
            llm = LLMPools(settings, open_llm_pool(settings))  # one pool per provider
            responder = TieredResponder(
                settings,
                None,
                offline,
                budget=BudgetGuard(store),
                cache=AnswerCache(store, settings.cache_ttl_s),
                metrics=metrics,
                clients=llm.clients,
                canary_state=SettingsCanaryStore(store),
                model_stats=CounterModelStats(store),
            )
        rate_limiter = RateLimiter(store)
        notifier = HandoffNotifier(http)
        pipelines = {
            bot_id: Pipeline(
                bot.profile, store, detector, Router(bot.routing), responder, metrics,
                rate_limiter=rate_limiter, handoff_notifier=notifier, orders=_order_desk(bot, store, http),
            )
            for bot_id, bot in config.bots.items()
        }  # fmt: skip
        return cls(config, store, metrics, detector, offline, pipelines, http, responder, llm=llm)

    def pipeline(self, bot_id: str) -> Pipeline:
        self.config.bot(bot_id)  # raises UnknownBotError naming the configured bots
        return self.pipelines[bot_id]

    async def aclose(self) -> None:
        try:
            if isinstance(self.responder, TieredResponder):
                await self.responder.aclose()  # the per model numbers not yet written
            if self.llm is not None:
                await self.llm.aclose()
            if self.http is not None:
                await self.http.aclose()
        finally:
            self.store.close()

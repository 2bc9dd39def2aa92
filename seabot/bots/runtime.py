"""Everything a running seabot holds, built from config and closed explicitly."""

from __future__ import annotations

from dataclasses import dataclass

from seabot.bots.config import AppConfig
from seabot.core.language import LanguageDetector
from seabot.core.metrics import Metrics
from seabot.core.offline import OfflineResponder
from seabot.core.pipeline import Pipeline
from seabot.core.responder import Responder
from seabot.core.routing import Router
from seabot.storage import SqliteStore

__all__ = ["Runtime"]


def _describe(metrics: Metrics) -> None:
    metrics.describe("seabot_inbound_total", "counter", "Webhook messages by channel and outcome")
    metrics.describe("seabot_messages_total", "counter", "Customer text messages by bot, channel and language")
    metrics.describe("seabot_answer_seconds", "histogram", "Time from taking a message to having its answer")
    metrics.describe("seabot_handoffs_total", "counter", "Conversations handed to a person")
    metrics.describe("seabot_inbox_failures_total", "counter", "Inbox items that failed and were retried")
    metrics.describe("seabot_inbox_depth", "gauge", "Accepted messages not yet answered and delivered")


@dataclass
class Runtime:
    config: AppConfig
    store: SqliteStore
    metrics: Metrics
    detector: LanguageDetector
    offline: OfflineResponder
    pipelines: dict[str, Pipeline]

    @classmethod
    def open(cls, config: AppConfig) -> Runtime:
        """Open the database and build each bot's pipeline (raises StorageError)."""
        store = SqliteStore(config.storage.path)
        metrics = Metrics()
        _describe(metrics)
        metrics.gauge_function("seabot_inbox_depth", store.inbox_depth)
        detector = LanguageDetector()
        offline = OfflineResponder.for_profiles(bot.profile for bot in config.bots.values())
        responder: Responder = offline
        pipelines = {
            bot_id: Pipeline(bot.profile, store, detector, Router(bot.routing), responder, metrics)
            for bot_id, bot in config.bots.items()
        }
        return cls(config, store, metrics, detector, offline, pipelines)

    def pipeline(self, bot_id: str) -> Pipeline:
        self.config.bot(bot_id)  # raises UnknownBotError naming the configured bots
        return self.pipelines[bot_id]

    async def aclose(self) -> None:
        self.store.close()

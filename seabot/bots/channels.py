"""Builds each bot's channel adapters from config (one shared HTTP client per bot)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import httpx

from seabot.adapters.base import ChannelAdapter
from seabot.adapters.delivery import describe_metrics
from seabot.adapters.line import LineAdapter, LineOptions
from seabot.adapters.settings import LineConfig, TelegramConfig, WechatConfig
from seabot.adapters.telegram import TelegramAdapter, TelegramOptions
from seabot.adapters.wechat import WechatAdapter, WechatOptions
from seabot.bots import outbound
from seabot.bots.config import AppConfig
from seabot.bots.runtime import Runtime

__all__ = ["build_adapters", "ChannelOptions", "SharedClient", "default_http_client", "telegram_adapter"]


@dataclass(frozen=True, slots=True)
class ChannelOptions:
    """Tuning the adapters take; the defaults are the platforms' documented limits."""

    telegram: TelegramOptions = TelegramOptions()
    line: LineOptions = LineOptions()
    wechat: WechatOptions = WechatOptions()


def default_http_client() -> httpx.AsyncClient:
    return outbound.open_client(timeout=httpx.Timeout(10.0, connect=5.0), max_connections=50)


class SharedClient:
    """One bot's HTTP client, shared by its adapters and closed when the last one closes."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self._users = 0

    def lease(self) -> httpx.AsyncClient:
        self._users += 1
        return self.client

    async def release(self) -> None:
        self._users -= 1
        if self._users <= 0:
            await self.client.aclose()


def build_adapters(
    runtime: Runtime,
    options: ChannelOptions = ChannelOptions(),
    *,
    http_client: Callable[[], httpx.AsyncClient] = default_http_client,
    bots: set[str] | None = None,
) -> dict[tuple[str, str], ChannelAdapter]:
    """Adapters for every configured (bot, channel), or only for ``bots`` when given."""
    describe_metrics(runtime.metrics)
    adapters: dict[tuple[str, str], ChannelAdapter] = {}
    for bot_id, bot in runtime.config.bots.items():
        if (bots is not None and bot_id not in bots) or not bot.channels:
            continue
        shared = SharedClient(http_client())
        for channel, config in bot.channels.items():
            client = shared.lease()
            adapter: ChannelAdapter
            if isinstance(config, TelegramConfig):
                adapter = TelegramAdapter(
                    bot_id, config, client, runtime.metrics, options.telegram, on_close=shared.release,
                    progress=runtime.store,
                )  # fmt: skip
            elif isinstance(config, LineConfig):
                adapter = LineAdapter(
                    bot_id, config, client, runtime.metrics, runtime.store, options.line, on_close=shared.release
                )
            elif isinstance(config, WechatConfig):
                adapter = WechatAdapter(
                    bot_id, config, client, runtime.metrics, options.wechat, on_close=shared.release,
                    replay_guard=runtime.store,
                )  # fmt: skip
            else:  # pragma: no cover - config only builds the three
                raise TypeError(f"bots.{bot_id}.{channel}: unknown channel settings {type(config).__name__}")
            adapters[(bot_id, channel)] = adapter
    return adapters


@contextlib.asynccontextmanager
async def telegram_adapter(config: AppConfig, bot_id: str) -> AsyncIterator[tuple[Runtime, TelegramAdapter | None]]:
    """The runtime and the Telegram adapter of one bot (None when it has no telegram table),
    both closed on exit: what `seabot poll` and `seabot telegram` work with."""
    runtime = Runtime.open(config)
    adapters = build_adapters(runtime, bots={bot_id})
    adapter = adapters.get((bot_id, "telegram"))
    try:
        yield runtime, adapter if isinstance(adapter, TelegramAdapter) else None
    finally:
        for each in adapters.values():
            await each.aclose()
        await runtime.aclose()

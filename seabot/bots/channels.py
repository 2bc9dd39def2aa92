"""Builds each bot's channel adapters from config (one shared HTTP client per bot)."""

from __future__ import annotations

from seabot.adapters.base import ChannelAdapter
from seabot.bots.runtime import Runtime

__all__ = ["build_adapters"]


def build_adapters(runtime: Runtime) -> dict[tuple[str, str], ChannelAdapter]:
    adapters: dict[tuple[str, str], ChannelAdapter] = {}
    for bot_id, bot in runtime.config.bots.items():
        for channel in bot.channels:
            raise NotImplementedError(f"bots.{bot_id}.{channel}: the {channel} adapter is not built yet")
    return adapters

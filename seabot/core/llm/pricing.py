"""Token usage to US dollars with a tier's prices (USD per million tokens)."""

from __future__ import annotations

from seabot.core.llm.settings import TierSpec

__all__ = ["cost_usd"]


def cost_usd(tier: TierSpec, tokens_in: int, tokens_out: int) -> float:
    return (tokens_in * tier.input_usd_per_mtok + tokens_out * tier.output_usd_per_mtok) / 1_000_000

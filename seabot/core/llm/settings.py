"""The LLM layer's own typed settings (the CLI builds them from ``[llm]`` in config)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["TIER_ORDER", "TierSpec", "LLMSettings"]

TIER_ORDER = ("fast", "balanced", "premium")  # cheapest first


@dataclass(frozen=True, slots=True)
class TierSpec:
    name: str  # fast | balanced | premium
    model: str
    input_usd_per_mtok: float
    output_usd_per_mtok: float
    timeout_s: float | None = None  # per HTTP attempt; None: LLMSettings.timeout_s
    max_history_tokens: int = 2000


@dataclass(frozen=True, slots=True)
class LLMSettings:
    base_url: str
    api_key: str = field(repr=False)
    timeout_s: float = 20.0
    deadline_s: float = 30.0  # for one customer message, across retries and tiers
    max_retries: int = 2  # retries per tier after the first attempt
    cache_ttl_s: float = 3600.0
    breaker_failures: int = 5  # consecutive failed calls that open a model's breaker
    breaker_cooldown_s: float = 60.0
    backoff_base_s: float = 0.5
    backoff_max_s: float = 8.0
    max_answer_tokens: int = 600
    tiers: Mapping[str, TierSpec] = field(default_factory=dict)

    def timeout_for(self, tier: str) -> float:
        spec = self.tiers[tier]
        return spec.timeout_s if spec.timeout_s is not None else self.timeout_s

    def chain_from(self, tier: str) -> tuple[TierSpec, ...]:
        """The configured tiers to try for ``tier``: it, then each cheaper one (premium → balanced → fast)."""
        start = TIER_ORDER.index(tier) if tier in TIER_ORDER else len(TIER_ORDER) - 1
        chain = tuple(self.tiers[name] for name in reversed(TIER_ORDER[: start + 1]) if name in self.tiers)
        if chain:
            return chain
        above = [self.tiers[name] for name in TIER_ORDER[start + 1 :] if name in self.tiers]
        return tuple(above[:1])  # only stronger tiers are configured: the cheapest of them

"""The LLM layer's own typed settings (the CLI builds them from ``[llm]`` in config).

A *provider* is one OpenAI-compatible API (base URL and key); ``[llm]``'s own URL and key are
the provider named ``DEFAULT_PROVIDER``. A *tier* names its model and provider, and may carry
a *canary*: another model or provider that a share of the tier's conversations tries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

__all__ = ["TIER_ORDER", "DEFAULT_PROVIDER", "ProviderSpec", "CanarySpec", "TierSpec", "LLMSettings"]

TIER_ORDER = ("fast", "balanced", "premium")  # cheapest first
DEFAULT_PROVIDER = "default"  # [llm]'s own base_url and api_key


@dataclass(frozen=True, slots=True)
class ProviderSpec:
    name: str
    base_url: str
    api_key: str = field(default="", repr=False)
    timeout_s: float | None = None  # per HTTP attempt; None: LLMSettings.timeout_s
    stream: bool = False  # stream completions (measures time to first token)
    max_connections: int = 100  # this provider's own pool
    retry_ratio: float = 0.2  # retries allowed per first attempt, over the retry budget's floor


@dataclass(frozen=True, slots=True)
class CanarySpec:
    """A share of a tier's conversations tries ``model`` at ``provider``; rolled back when worse."""

    model: str
    provider: str
    share: float  # 0..1 of the tier's conversations
    input_usd_per_mtok: float | None = None  # None: the tier's prices
    output_usd_per_mtok: float | None = None
    min_answers: int = 50  # per arm, before the canary is judged
    max_error_rate_increase: float = 0.05  # absolute, over the control arm's error rate
    max_p95_increase: float = 0.5  # relative: 0.5 = the canary's p95 may be 50 % above the control's
    min_p95_gap_s: float = 0.1  # and a gap smaller than this is never "clearly worse"
    window: int = 500  # the newest outcomes per arm that are judged


@dataclass(frozen=True, slots=True)
class TierSpec:
    name: str  # fast | balanced | premium
    model: str
    input_usd_per_mtok: float
    output_usd_per_mtok: float
    timeout_s: float | None = None  # per HTTP attempt; None: the provider's, else LLMSettings.timeout_s
    max_history_tokens: int = 2000
    provider: str = DEFAULT_PROVIDER
    canary: CanarySpec | None = None
    arm: str = "control"  # "canary" for the spec ``as_canary`` gives

    def as_canary(self) -> TierSpec:
        if self.canary is None:
            raise ValueError(f"tier {self.name} has no canary")
        c = self.canary
        return replace(
            self,
            model=c.model,
            provider=c.provider,
            input_usd_per_mtok=self.input_usd_per_mtok if c.input_usd_per_mtok is None else c.input_usd_per_mtok,
            output_usd_per_mtok=self.output_usd_per_mtok if c.output_usd_per_mtok is None else c.output_usd_per_mtok,
            canary=None,
            arm="canary",
        )

    def promoted(self) -> TierSpec:
        """The tier with its canary as its own model (after ``seabot canary promote``)."""
        return replace(self.as_canary(), arm="control")


@dataclass(frozen=True, slots=True)
class LLMSettings:
    base_url: str
    api_key: str = field(repr=False)
    timeout_s: float = 20.0
    deadline_s: float = 30.0  # for one customer message, across retries and tiers
    max_retries: int = 2  # retries per tier after the first attempt
    cache_ttl_s: float = 3600.0
    breaker_failures: int = 5  # consecutive failed calls that open a model's (or provider's) breaker
    breaker_cooldown_s: float = 10.0  # the longest wait between two probes of an open breaker
    breaker_probe_s: float = 1.0  # the first wait before probing an open breaker (doubles per failed probe)
    backoff_base_s: float = 0.5
    backoff_max_s: float = 8.0
    max_answer_tokens: int = 600
    tiers: Mapping[str, TierSpec] = field(default_factory=dict)
    providers: Mapping[str, ProviderSpec] = field(default_factory=dict)  # named ones; "default" is implied

    def provider(self, name: str) -> ProviderSpec:
        found = self.providers.get(name)
        if found is not None:
            return found
        if name == DEFAULT_PROVIDER:
            return ProviderSpec(DEFAULT_PROVIDER, self.base_url, self.api_key)
        raise KeyError(f"unknown LLM provider {name!r}")

    def provider_names(self) -> tuple[str, ...]:
        """Every provider a tier or canary uses (the default one first when used)."""
        used: list[str] = []
        for spec in self.tiers.values():
            for name in (spec.provider, spec.canary.provider if spec.canary else None):
                if name is not None and name not in used:
                    used.append(name)
        return tuple(sorted(used, key=lambda n: (n != DEFAULT_PROVIDER, n)))

    def timeout_for(self, tier: str | TierSpec) -> float:
        spec = self.tiers[tier] if isinstance(tier, str) else tier
        if spec.timeout_s is not None:
            return spec.timeout_s
        provider = self.providers.get(spec.provider)
        return provider.timeout_s if provider is not None and provider.timeout_s is not None else self.timeout_s

    def chain_from(self, tier: str) -> tuple[TierSpec, ...]:
        """The configured tiers to try for ``tier``: it, then each cheaper one (premium → balanced → fast)."""
        start = TIER_ORDER.index(tier) if tier in TIER_ORDER else len(TIER_ORDER) - 1
        chain = tuple(self.tiers[name] for name in reversed(TIER_ORDER[: start + 1]) if name in self.tiers)
        if chain:
            return chain
        above = [self.tiers[name] for name in TIER_ORDER[start + 1 :] if name in self.tiers]
        return tuple(above[:1])  # only stronger tiers are configured: the cheapest of them

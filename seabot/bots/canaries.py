"""Each tier's canary and the decision in force on it, as the CLI and the console show them."""

from __future__ import annotations

import time

from seabot.bots.config import AppConfig
from seabot.core.llm.canary import CanaryDecision, SettingsCanaryStore
from seabot.storage import SqliteStore

__all__ = ["canary_decisions", "canary_line", "canary_json"]


async def canary_decisions(config: AppConfig, store: SqliteStore) -> dict[str, CanaryDecision | None]:
    """Each configured canary's decision in force (None: running at its share)."""
    state = SettingsCanaryStore(store)
    found: dict[str, CanaryDecision | None] = {}
    for name, tier in config.llm.tiers.items():
        if tier.canary is None:
            continue
        decision = await state.load(name)
        about = decision is not None and (decision.model, decision.provider) == (
            tier.canary.model,
            tier.canary.provider,
        )
        found[name] = decision if about else None
    return found


def canary_line(config: AppConfig, tier: str, decision: CanaryDecision | None) -> str:
    canary = config.llm.tiers[tier].canary
    assert canary is not None
    name = f"{canary.model}@{canary.provider}"
    if decision is None:
        return f"canary {tier}: {name} on {canary.share:.0%} of conversations (active)"
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(decision.at))
    return f"canary {tier}: {name} {decision.status.replace('_', ' ')} {when} by {decision.by}: {decision.reason}"


def canary_json(config: AppConfig, tier: str, decision: CanaryDecision | None) -> dict[str, object]:
    canary = config.llm.tiers[tier].canary
    assert canary is not None
    return {
        "tier": tier, "model": canary.model, "provider": canary.provider, "share": canary.share,
        "status": "active" if decision is None else str(decision.status),
        "decided_at": None if decision is None else decision.at, "by": None if decision is None else decision.by,
        "reason": None if decision is None else decision.reason,
    }  # fmt: skip

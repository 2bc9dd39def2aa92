"""The router's answer: a tier, whether a person is wanted, and why."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Tier = Literal["fast", "balanced", "premium"]
TIERS: tuple[Tier, ...] = ("fast", "balanced", "premium")


@dataclass(frozen=True, slots=True)
class RouteDecision:
    """Which model tier answers, whether to hand off to a person, and the matched cues."""

    tier: Tier
    handoff: bool
    reasons: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        return {"tier": self.tier, "handoff": self.handoff, "reasons": list(self.reasons)}

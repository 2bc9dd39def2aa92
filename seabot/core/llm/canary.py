"""The canary: a share of a tier's conversations tries another model or provider, and is rolled
back by itself when it is clearly worse.

- **Sticky**: a conversation's arm is a hash of the bot and the conversation, so it stays on
  one model (its tone does not flip mid-chat), across restarts and replicas; raising the share
  keeps the conversations that were already on the canary there.
- **Judged**: both arms' newest outcomes are kept; once each has ``min_answers``, the canary is
  rolled back when its error rate is surely (the lower end of its 95 % interval) more than
  ``max_error_rate_increase`` above the control's,
  or its p95 latency more than ``max_p95_increase`` above it (and at least ``min_p95_gap_s``).
- **Durable**: a rollback or a promotion is a ``CanaryDecision`` kept behind ``CanaryStateStore``
  (over the store's settings); a restart does not bring a rolled-back canary back. A decision
  names the canary it was about: configuring another canary starts a new trial.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Protocol

from seabot.core.llm.settings import CanarySpec, TierSpec

__all__ = [
    "CanaryStatus", "CanaryDecision", "CanaryStateStore", "SettingsCanaryStore", "Settings", "Canaries",
    "ArmWindow", "judge", "in_canary",
]  # fmt: skip

log = logging.getLogger("seabot.llm")


class CanaryStatus(StrEnum):
    ACTIVE = "active"  # share of the conversations on the canary
    ROLLED_BACK = "rolled_back"  # every conversation on the control model
    PROMOTED = "promoted"  # every conversation on the canary model


@dataclass(frozen=True, slots=True)
class CanaryDecision:
    tier: str
    model: str  # the canary this decision is about
    provider: str
    status: CanaryStatus
    at: float  # unix seconds
    reason: str
    by: str  # "auto" or "merchant"

    def about(self, canary: CanarySpec) -> bool:
        return (self.model, self.provider) == (canary.model, canary.provider)


class CanaryStateStore(Protocol):
    """Where canary decisions live, one per tier."""

    async def load(self, tier: str) -> CanaryDecision | None: ...
    async def save(self, decision: CanaryDecision) -> None: ...


class Settings(Protocol):
    """The store's small durable settings."""

    def get_setting(self, key: str) -> str | None: ...
    def put_setting(self, key: str, value: str) -> None: ...


class SettingsCanaryStore:
    """``CanaryStateStore`` over a store's ``get_setting``/``put_setting`` (one indexed row per tier)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    @staticmethod
    def _key(tier: str) -> str:
        return f"llm.canary:{tier}"

    async def load(self, tier: str) -> CanaryDecision | None:
        raw = self._settings.get_setting(self._key(tier))
        if not raw:
            return None
        try:
            data = json.loads(raw)
            return CanaryDecision(**{**data, "status": CanaryStatus(data["status"])})
        except (ValueError, TypeError, KeyError):
            log.warning("an unreadable canary decision is ignored", extra={"tier": tier})
            return None

    async def save(self, decision: CanaryDecision) -> None:
        self._settings.put_setting(self._key(decision.tier), json.dumps(asdict(decision), ensure_ascii=False))


def in_canary(share: float, bot_id: str, conversation: str, tier: str) -> bool:
    """Is this conversation in the canary's share? (Stable: the same answer every time.)"""
    if share <= 0.0 or not conversation:
        return False
    digest = hashlib.sha256(f"{tier}\x1f{bot_id}\x1f{conversation}".encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


class ArmWindow:
    """One arm's newest outcomes: ok or not, and the latency of each answer."""

    def __init__(self, size: int) -> None:
        self.outcomes: deque[bool] = deque(maxlen=max(1, size))
        self.latencies: deque[float] = deque(maxlen=max(1, size))

    def add(self, ok: bool, latency_s: float | None) -> None:
        self.outcomes.append(ok)
        if ok and latency_s is not None:
            self.latencies.append(latency_s)

    @property
    def count(self) -> int:
        return len(self.outcomes)

    @property
    def error_rate(self) -> float:
        return 0.0 if not self.outcomes else sum(1 for ok in self.outcomes if not ok) / len(self.outcomes)

    def p95(self) -> float | None:
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def _lower_bound(rate: float, n: int, z: float = 1.645) -> float:
    """The Wilson score interval's lower end (95 % one-sided): the error rate the canary has at
    least, given ``n`` answers. A canary whose true rate is inside the margin is not rolled back
    for a few unlucky answers; one far outside it is, after ``min_answers``."""
    if n == 0:
        return 0.0
    centre = rate + z * z / (2 * n)
    spread = z * math.sqrt(rate * (1 - rate) / n + z * z / (4 * n * n))
    return max(0.0, (centre - spread) / (1 + z * z / n))


def judge(canary: ArmWindow, control: ArmWindow, spec: CanarySpec) -> str | None:
    """Why the canary is clearly worse than the control, or None while it is not (or not yet known)."""
    if canary.count < spec.min_answers:
        return None
    baseline = control.error_rate if control.count >= spec.min_answers else 0.0
    if _lower_bound(canary.error_rate, canary.count) > baseline + spec.max_error_rate_increase:
        return (f"error rate {canary.error_rate:.1%} over {canary.count} answers, the control's {baseline:.1%}"
                f" (margin {spec.max_error_rate_increase:.1%})")  # fmt: skip
    ours, theirs = canary.p95(), control.p95()
    if (ours is not None and theirs is not None and len(canary.latencies) >= spec.min_answers
            and len(control.latencies) >= spec.min_answers and ours > theirs * (1.0 + spec.max_p95_increase)
            and ours - theirs >= spec.min_p95_gap_s):  # fmt: skip
        return (
            f"p95 latency {ours * 1000:.0f} ms, the control's {theirs * 1000:.0f} ms"
            f" (margin +{spec.max_p95_increase:.0%})"
        )
    return None


class Canaries:
    """Which arm a conversation takes per tier, the arms' windows, and the decisions in force."""

    def __init__(
        self,
        tiers: Mapping[str, TierSpec],
        state: CanaryStateStore | None,
        *,
        clock: Callable[[], float],
        wall: Callable[[], float] = time.time,
        refresh_s: float = 2.0,
    ) -> None:
        self._tiers = {name: spec for name, spec in tiers.items() if spec.canary is not None}
        self._state = state
        self._clock = clock
        self._wall = wall
        self._refresh_s = refresh_s
        self._decisions: dict[str, CanaryDecision | None] = {}
        self._loaded_at: dict[str, float] = {}
        self._windows = {
            name: (ArmWindow(canary.window), ArmWindow(canary.window))
            for name, spec in self._tiers.items()
            if (canary := spec.canary) is not None  # every tier kept has one
        }

    def configured(self) -> Mapping[str, TierSpec]:
        return self._tiers

    async def decision(self, tier: str) -> CanaryDecision | None:
        """The decision in force for ``tier``'s canary (re-read every few seconds: the CLI may change it)."""
        spec = self._tiers.get(tier)
        if spec is None or spec.canary is None:
            return None
        now = self._clock()
        if self._state is not None and (tier not in self._loaded_at or now - self._loaded_at[tier] >= self._refresh_s):
            self._loaded_at[tier] = now
            self._decisions[tier] = await self._state.load(tier)
        found = self._decisions.get(tier)
        return found if found is not None and found.about(spec.canary) else None

    async def status(self, tier: str) -> CanaryStatus | None:
        if tier not in self._tiers:
            return None
        found = await self.decision(tier)
        return CanaryStatus.ACTIVE if found is None else found.status

    async def arm_for(self, spec: TierSpec, bot_id: str, conversation: str) -> TierSpec:
        """The spec this conversation uses for ``spec``'s tier: the control, or the canary."""
        canary = spec.canary
        if canary is None:
            return spec
        status = await self.status(spec.name)
        if status is CanaryStatus.PROMOTED:
            return spec.promoted()
        if status is CanaryStatus.ROLLED_BACK or not in_canary(canary.share, bot_id, conversation, spec.name):
            return spec
        return spec.as_canary()

    def observe(self, spec: TierSpec, ok: bool, latency_s: float | None) -> str | None:
        """Add one outcome of ``spec``'s arm; the reason to roll back, when the canary is clearly worse."""
        windows = self._windows.get(spec.name)
        tier = self._tiers.get(spec.name)
        if windows is None or tier is None or tier.canary is None:
            return None
        canary, control = windows
        if spec.arm == "canary":
            if (spec.model, spec.provider) != (tier.canary.model, tier.canary.provider):
                return None  # the promoted canary is the tier's model now: nothing left to judge
            canary.add(ok, latency_s)
            return judge(canary, control, tier.canary)
        if (spec.model, spec.provider) == (tier.model, tier.provider):
            control.add(ok, latency_s)
        return None

    def windows(self, tier: str) -> tuple[ArmWindow, ArmWindow] | None:
        return self._windows.get(tier)

    async def decide(self, tier: str, status: CanaryStatus, reason: str, by: str) -> CanaryDecision:
        spec = self._tiers[tier]
        assert spec.canary is not None
        decision = CanaryDecision(tier, spec.canary.model, spec.canary.provider, status, self._wall(), reason, by)
        if self._state is not None:
            await self._state.save(decision)
        self._decisions[tier] = decision
        self._loaded_at[tier] = self._clock()
        return decision

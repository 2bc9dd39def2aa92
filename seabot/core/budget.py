"""Spending limits: a bot's daily budget and a cap per conversation, read from stored replies.

Spend is the ``cost_usd`` stored with each reply (so it holds across restarts): per UTC day for
the bot (a counter the store keeps with the replies) and summed over the whole conversation.
Near a limit the chosen tier is lowered to cheaper models; past it no model is called and the
offline responder answers.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from seabot.core.llm.settings import TIER_ORDER
from seabot.core.profile import BotProfile
from seabot.core.store import ConversationStore

__all__ = ["BudgetVerdict", "BudgetPolicy", "BudgetGuard", "day_start"]

DAY_S = 86_400.0


def day_start(now: float) -> float:
    """Midnight UTC of the day ``now`` falls in."""
    return now - (now % DAY_S)


@dataclass(frozen=True, slots=True)
class BudgetVerdict:
    tier: str | None  # the tier the budget allows; None: cut off, answer offline
    spent_fraction: float  # the tighter of daily and conversation spend / limit (0 when unlimited)
    reason: str | None = None  # "daily", "conversation" when a limit lowered or cut the tier


@dataclass(frozen=True, slots=True)
class BudgetPolicy:
    balanced_from: float = 0.75  # at this fraction of a limit premium becomes balanced
    fast_from: float = 0.90  # and from here only the fast tier is used


class BudgetGuard:
    def __init__(
        self,
        store: ConversationStore,
        *,
        policy: BudgetPolicy = BudgetPolicy(),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._policy = policy
        self._clock = clock

    async def check(self, bot: BotProfile, conversation_id: int | None, tier: str) -> BudgetVerdict:
        fractions: list[tuple[float, str]] = []
        if bot.daily_budget_usd is not None:
            spent = self._store.day_spend_usd(bot.bot_id, self._clock())  # one counter row
            fractions.append((_fraction(spent, bot.daily_budget_usd), "daily"))
        if bot.conversation_budget_usd is not None and conversation_id is not None:
            spent = await asyncio.to_thread(self._store.conversation_spend_usd, conversation_id)
            fractions.append((_fraction(spent, bot.conversation_budget_usd), "conversation"))
        if not fractions:
            return BudgetVerdict(tier, 0.0)
        fraction, reason = max(fractions)
        if fraction >= 1.0:
            return BudgetVerdict(None, fraction, reason)
        cap = (
            "fast"
            if fraction >= self._policy.fast_from
            else "balanced"
            if fraction >= self._policy.balanced_from
            else None
        )
        if cap is not None and _rank(tier) > _rank(cap):
            return BudgetVerdict(cap, fraction, reason)
        return BudgetVerdict(tier, fraction)


def _fraction(spent: float, limit: float) -> float:
    if limit <= 0:
        return float("inf")  # a zero budget allows no model at all
    return spent / limit


def _rank(tier: str) -> int:
    return TIER_ORDER.index(tier) if tier in TIER_ORDER else len(TIER_ORDER)

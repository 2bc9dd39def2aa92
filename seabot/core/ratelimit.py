"""Per-user message rate limits: a token bucket per (bot, channel, user), kept in the store.

A bucket holds up to ``capacity`` messages and refills at ``per_minute / 60`` a second, so a
customer may send a short burst and then one message every ``60 / per_minute`` seconds. The
first message refused in a row gets one polite note; the rest are stored but not answered.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from seabot.core.store import ConversationStore, TokenTake

__all__ = ["RateLimiter", "refill", "BucketState"]


@dataclass(frozen=True, slots=True)
class BucketState:
    tokens: float
    updated_at: float


def refill(state: BucketState | None, now: float, capacity: float, refill_per_s: float) -> BucketState:
    """The bucket at ``now``: full when new, otherwise topped up for the time that passed."""
    if state is None:
        return BucketState(capacity, now)
    elapsed = max(0.0, now - state.updated_at)
    return BucketState(min(capacity, state.tokens + elapsed * refill_per_s), now)


class RateLimiter:
    def __init__(
        self, store: ConversationStore, *, burst: float | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        self._store = store
        self._burst = burst
        self._clock = clock

    async def take(self, bot_id: str, channel: str, user_id: str, per_minute: float) -> TokenTake:
        capacity = self._burst if self._burst is not None else max(1.0, min(per_minute, 10.0))
        key = f"{bot_id}\x1f{channel}\x1f{user_id}"
        return self._store.take_token(key, capacity, per_minute / 60.0, self._clock())

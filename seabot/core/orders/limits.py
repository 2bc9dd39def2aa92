"""An in-process ``LookupLimiter``: a token bucket per customer (``seabot.core.ratelimit.refill``).

Good for one process and for tests; several replicas need the same bucket kept in the store.
"""

from __future__ import annotations

from seabot.core.orders.state import CustomerRef
from seabot.core.ratelimit import BucketState, refill

__all__ = ["MemoryLookupLimiter"]


class MemoryLookupLimiter:
    """``per_hour`` lookups a customer, as a burst of up to ``per_hour``, refilled evenly."""

    def __init__(self, per_hour: float = 5.0, *, max_customers: int = 100_000) -> None:
        if per_hour <= 0:
            raise ValueError("per_hour must be greater than 0")
        self._capacity = float(per_hour)
        self._refill_per_s = per_hour / 3600.0
        self._max = max_customers
        self._buckets: dict[CustomerRef, BucketState] = {}

    async def try_acquire(self, customer: CustomerRef, now: float) -> bool:
        # No await between the read and the write: atomic on the event loop.
        state = refill(self._buckets.pop(customer, None), now, self._capacity, self._refill_per_s)
        allowed = state.tokens >= 1.0
        self._buckets[customer] = BucketState(state.tokens - 1.0, now) if allowed else state
        if len(self._buckets) > self._max:  # forget the least recently seen customer
            self._buckets.pop(next(iter(self._buckets)))
        return allowed

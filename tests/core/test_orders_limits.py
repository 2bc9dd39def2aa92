"""The in-process lookup limiter: a burst of ``per_hour``, refilled evenly, per customer."""

from __future__ import annotations

import pytest

from seabot.core.orders import CustomerRef, MemoryLookupLimiter

pytestmark = pytest.mark.anyio
ALICE = CustomerRef("shop", "line", "alice")


async def test_burst_then_refill() -> None:
    limiter = MemoryLookupLimiter(per_hour=5)
    assert [await limiter.try_acquire(ALICE, 0.0) for _ in range(6)] == [True] * 5 + [False]
    assert not await limiter.try_acquire(ALICE, 600.0)  # a sixth of a token back: not yet
    assert await limiter.try_acquire(ALICE, 720.0)  # one token every 12 minutes
    assert not await limiter.try_acquire(ALICE, 721.0)


async def test_customers_are_apart_and_memory_is_bounded() -> None:
    limiter = MemoryLookupLimiter(per_hour=1, max_customers=2)
    assert await limiter.try_acquire(ALICE, 0.0)
    assert await limiter.try_acquire(CustomerRef("shop", "telegram", "alice"), 0.0)  # another channel, another customer
    assert await limiter.try_acquire(CustomerRef("shop", "line", "bob"), 0.0)  # alice, the oldest, is forgotten
    assert await limiter.try_acquire(ALICE, 0.0)


def test_a_limit_must_be_positive() -> None:
    with pytest.raises(ValueError):
        MemoryLookupLimiter(per_hour=0)

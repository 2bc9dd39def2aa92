"""Contract: token buckets and the answer cache on every engine."""

from __future__ import annotations

import pytest

from seabot.core.storage import CachedAnswers, RateLimits, Storage
from seabot.core.store import CachedAnswer

pytestmark = pytest.mark.anyio


async def test_a_bucket_allows_a_burst_then_refills(storage: Storage) -> None:
    assert isinstance(storage, RateLimits)

    async def take(now: float, user: str = "u") -> tuple[bool, bool]:
        t = await storage.take_token("b", "line", user, capacity=2, refill_per_s=0.5, now=now)
        return t.allowed, t.notify

    assert [await take(100.0) for _ in range(4)] == [(True, False), (True, False), (False, True), (False, False)]
    assert await take(102.0) == (True, False)  # two seconds: one token back
    assert await take(102.0) == (False, True)  # refused again after an allowed one: notified again
    assert await take(100.0, user="other") == (True, False)  # every customer has a bucket


async def test_a_cached_answer_is_found_until_it_expires_and_counts_hits(storage: Storage) -> None:
    assert isinstance(storage, CachedAnswers)
    entry = CachedAnswer("b", "th", "ส่งกี่วัน", "3 วัน", "m", "fast", created_at=100.0, expires_at=200.0)
    await storage.cache_answer(entry)
    first = await storage.cached_answer("b", "th", "ส่งกี่วัน", 150.0)
    second = await storage.cached_answer("b", "th", "ส่งกี่วัน", 151.0)
    assert first is not None and second is not None
    assert (first.text, first.model, first.tier, first.hits, second.hits) == ("3 วัน", "m", "fast", 1, 2)
    assert await storage.cached_answer("b", "th", "ส่งกี่วัน", 200.0) is None
    assert await storage.cached_answer("b", "en", "ส่งกี่วัน", 150.0) is None
    await storage.cache_answer(CachedAnswer("b", "th", "ส่งกี่วัน", "2 วัน", None, None, 300.0, 400.0))
    renewed = await storage.cached_answer("b", "th", "ส่งกี่วัน", 301.0)
    assert renewed is not None and (renewed.text, renewed.hits) == ("2 วัน", 1)

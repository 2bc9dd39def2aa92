"""Retrying a call with exponential backoff and full jitter, honouring Retry-After, within a deadline.

The clock and the random source are injected, so tests run without waiting on the wall clock.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from seabot.core.llm.errors import LLMError, LLMRateLimited, LLMServerError, LLMTimeout, LLMUnavailable

__all__ = ["Clock", "SystemClock", "Backoff", "Deadline", "with_retries"]

T = TypeVar("T")


class Clock(Protocol):
    def now(self) -> float: ...
    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """Monotonic time and ``asyncio.sleep``."""

    def now(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


@dataclass(frozen=True, slots=True)
class Backoff:
    base_s: float = 0.5
    max_s: float = 8.0
    max_retries: int = 2  # retries after the first attempt

    def delay(self, retry: int, rand: random.Random) -> float:
        """Full jitter: uniform in [0, min(max, base·2^(retry-1))] for the ``retry``-th retry (1-based)."""
        return rand.uniform(0.0, min(self.max_s, self.base_s * (2 ** (retry - 1))))


class Deadline:
    """The time one customer message may spend on the model, across retries and tiers."""

    def __init__(self, seconds: float, clock: Clock) -> None:
        self._clock = clock
        self._end = clock.now() + seconds

    def remaining(self) -> float:
        return max(0.0, self._end - self._clock.now())

    @property
    def expired(self) -> bool:
        return self.remaining() <= 0.0


async def with_retries(
    call: Callable[[float], Awaitable[T]],
    *,
    timeout_s: float,
    backoff: Backoff,
    deadline: Deadline,
    clock: Clock,
    rand: random.Random,
    observe: Callable[[str], None] = lambda outcome: None,
    may_retry: Callable[[], bool] = lambda: True,
) -> tuple[T, int]:
    """Run ``call(timeout)`` until it succeeds; return its result and the number of attempts.

    ``LLMUnavailable`` failures are retried up to ``backoff.max_retries`` times while the
    deadline leaves room for the wait (a Retry-After longer than what is left ends it at once)
    and ``may_retry()`` holds (the circuit breaker). Other ``LLMError``s are raised at once.
    Every raised error carries ``attempts``; ``observe`` hears "ok" or the error's outcome
    after each attempt.
    """
    attempts = 0
    while True:
        remaining = deadline.remaining()
        if remaining <= 0.0:
            error = LLMTimeout("the message's deadline passed before the model answered")
            error.attempts = attempts
            raise error
        attempts += 1
        try:
            result = await call(min(timeout_s, remaining))
        except LLMError as exc:
            exc.attempts = attempts
            observe(exc.outcome)
            if not isinstance(exc, LLMUnavailable) or attempts > backoff.max_retries or not may_retry():
                raise
            wait = backoff.delay(attempts, rand)
            asked = exc.retry_after_s if isinstance(exc, (LLMRateLimited, LLMServerError)) else None
            if asked is not None:
                wait = max(wait, asked)
            if wait >= deadline.remaining():
                raise
            await clock.sleep(wait)
            continue
        observe("ok")
        return result, attempts

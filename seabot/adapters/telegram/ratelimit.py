"""Telegram's send rates, kept instead of discovered through 429s.

The Bot API allows about one message per second in a chat, twenty per minute in a
group, and about thirty per second overall. ``SendRateLimiter.acquire`` reserves the
earliest slot that keeps every window and sleeps until then; reservations are made
without awaiting, so concurrent senders in one event loop never share a slot.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

__all__ = ["SendRates", "SendRateLimiter"]


@dataclass(frozen=True, slots=True)
class SendRates:
    per_chat_interval_s: float = 1.0
    group_per_minute: int = 20
    global_per_second: int = 30


class _Window:
    """At most ``limit`` events in any ``span`` seconds."""

    def __init__(self, limit: int, span: float) -> None:
        self.limit = limit
        self.span = span
        self.times: deque[float] = deque()

    def earliest(self, at: float) -> float:
        while self.times and self.times[0] <= at - self.span:
            self.times.popleft()
        if len(self.times) < self.limit:
            return at
        return self.times[-self.limit] + self.span

    def record(self, at: float) -> None:
        self.times.append(at)


class SendRateLimiter:
    def __init__(
        self,
        rates: SendRates = SendRates(),
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._rates = rates
        self._clock = clock
        self._sleep = sleep
        self._chats: dict[str, _Window] = {}
        self._groups: dict[str, _Window] = {}
        self._global = _Window(rates.global_per_second, 1.0)

    def reserve(self, chat_id: str, *, group: bool) -> float:
        """The time at which a message to ``chat_id`` may go; the slot is taken."""
        windows = [self._global, self._chats.setdefault(chat_id, _Window(1, self._rates.per_chat_interval_s))]
        if group:
            windows.append(self._groups.setdefault(chat_id, _Window(self._rates.group_per_minute, 60.0)))
        at = self._clock()
        while True:  # each window may push the time later; settle on a time all accept
            later = max(window.earliest(at) for window in windows)
            if later <= at:
                break
            at = later
        for window in windows:
            window.record(at)
        self._forget_idle(at)
        return at

    async def acquire(self, chat_id: str, *, group: bool) -> None:
        at = self.reserve(chat_id, group=group)
        delay = at - self._clock()
        if delay > 0:
            await self._sleep(delay)

    def _forget_idle(self, now: float) -> None:
        if len(self._chats) > 10_000:
            for table in (self._chats, self._groups):
                for key in [k for k, w in table.items() if not w.times or w.times[-1] < now - 60.0]:
                    del table[key]

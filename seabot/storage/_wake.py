"""Waking idle claimers when work appears, without losing a wake-up that comes mid-claim."""

from __future__ import annotations

import asyncio

__all__ = ["WorkSignal"]


class WorkSignal:
    """``wake`` wakes every waiter. A wake that came after the last claim started (while it ran,
    or before anyone waited) makes the next ``wait`` return at once: a claimer that found
    nothing then waits would otherwise sleep through the message that came in between."""

    def __init__(self) -> None:
        self._event: asyncio.Event | None = None
        self._wakes = 0
        self._seen = 0

    def claiming(self) -> None:
        """A claim starts: wakes until now are answered by what it finds."""
        self._seen = self._wakes

    def wake(self) -> None:
        self._wakes += 1
        if self._event is not None:
            self._event.set()
            self._event = None

    async def wait(self, timeout_s: float) -> bool:
        if self._wakes != self._seen:
            self._seen = self._wakes
            return True
        if self._event is None:
            self._event = asyncio.Event()
        event = self._event
        try:
            await asyncio.wait_for(event.wait(), timeout_s)
        except TimeoutError:
            return False
        self._seen = self._wakes
        return True

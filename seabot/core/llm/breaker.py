"""A circuit breaker: something that keeps failing is skipped, and probed until it works again.

Closed → (``failures`` consecutive failures) → open: skipped until ``probe_s`` has passed →
half-open: one call probes (the others keep skipping); its success closes the breaker, its
failure opens it again with the wait doubled, up to ``cooldown_s``. So an outage costs one
probe every few seconds, and the first probe after the recovery closes it: it is never held
open for a long cool-down after the other side is healthy again. A probe whose outcome is
never reported (its message ran out of time) lets another probe go after the same wait.

In memory, per process: a restart gives everything a fresh chance. The keys are the caller's
(a provider's models; a provider's own health under one key).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["CircuitBreaker", "BreakerState"]


@dataclass(slots=True)
class BreakerState:
    failures: int = 0  # consecutive failed calls
    open_until: float = 0.0  # while now < open_until the key is skipped
    wait_s: float = 0.0  # the wait before the next probe
    probing: bool = False  # a half-open probe was let through and has not reported yet


class CircuitBreaker:
    def __init__(
        self, failures: int, cooldown_s: float, clock: Callable[[], float], *, probe_s: float | None = None
    ) -> None:
        self._threshold = max(1, failures)
        self._max_wait_s = max(0.0, cooldown_s)
        self._first_wait_s = min(self._max_wait_s, 1.0 if probe_s is None else max(0.0, probe_s))
        self._clock = clock
        self._lock = threading.Lock()
        self._states: dict[str, BreakerState] = {}

    def allow(self, key: str) -> bool:
        """May a call to ``key`` be made now? (In half-open state: True once, for the probe.)"""
        with self._lock:
            state = self._states.get(key)
            if state is None or state.failures < self._threshold:
                return True
            now = self._clock()
            if now < state.open_until:
                return False
            state.probing = True
            state.open_until = now + max(state.wait_s, 0.001)  # the others wait for the probe
            return True

    def is_open(self, key: str) -> bool:
        with self._lock:
            state = self._states.get(key)
            return state is not None and state.failures >= self._threshold and self._clock() < state.open_until

    def success(self, key: str) -> None:
        with self._lock:
            self._states.pop(key, None)

    def failure(self, key: str) -> bool:
        """Record a failed call; True when this failure opened (or re-opened) the breaker."""
        with self._lock:
            state = self._states.setdefault(key, BreakerState())
            state.failures += 1
            if state.failures < self._threshold:
                return False
            if state.probing:  # the probe failed: wait longer before the next one
                state.wait_s = min(self._max_wait_s, max(state.wait_s * 2, self._first_wait_s))
            elif state.wait_s == 0.0:
                state.wait_s = self._first_wait_s
            state.probing = False
            state.open_until = self._clock() + state.wait_s
            return True

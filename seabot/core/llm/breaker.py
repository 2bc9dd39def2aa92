"""A circuit breaker per model: a model that keeps failing is skipped for a cool-down."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["CircuitBreaker", "BreakerState"]


@dataclass(slots=True)
class BreakerState:
    failures: int = 0  # consecutive failed calls
    open_until: float = 0.0  # while now < open_until the model is skipped


class CircuitBreaker:
    """Closed → (``failures`` consecutive failures) → open for ``cooldown_s`` → half-open:
    one trial call; its success closes the breaker, its failure opens it again.

    In memory, per process: a restart gives every model a fresh chance.
    """

    def __init__(self, failures: int, cooldown_s: float, clock: Callable[[], float]) -> None:
        self._threshold = max(1, failures)
        self._cooldown_s = cooldown_s
        self._clock = clock
        self._lock = threading.Lock()
        self._states: dict[str, BreakerState] = {}

    def allow(self, key: str) -> bool:
        """May a call to ``key`` be made now?"""
        with self._lock:
            state = self._states.get(key)
            if state is None or state.failures < self._threshold:
                return True
            now = self._clock()
            if now < state.open_until:
                return False
            state.open_until = now + self._cooldown_s  # half-open: this call probes, others still wait
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
            if state.failures >= self._threshold:
                state.open_until = self._clock() + self._cooldown_s
                return True
            return False

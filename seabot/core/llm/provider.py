"""One LLM provider as the responder sees it: its client, its breakers, its retry budget.

Each provider (``[llm]`` itself and every ``[llm.providers.<name>]``) has its own HTTP pool
(the client the runtime built for it), its own breakers and its own retry budget, so a
provider that is down or slow costs the others nothing:

- a failure of the *provider* (no connection: refused, reset, DNS, TLS, connect timeout)
  counts against the provider's own breaker, never against its models: when it opens, every
  model there is skipped without being marked, and the first probe that gets through after
  the provider recovers closes it for all of them;
- a failure of a *model* (5xx, 429, no answer in time, a bad answer) counts against that
  model only: one burst of failures never opens the breaker of a model that was not tried
  (a slow reasoning model does not take the provider's fast one down with it);
- retries draw on a budget (a share of first attempts, over a small floor), so an outage
  does not multiply the traffic sent to a provider that is already failing.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from seabot.core.llm.breaker import CircuitBreaker
from seabot.core.llm.client import ChatClient
from seabot.core.llm.errors import LLMConnectError, LLMError, LLMUnavailable
from seabot.core.llm.retry import Clock
from seabot.core.llm.settings import LLMSettings, ProviderSpec

__all__ = ["RetryBudget", "Provider", "is_provider_failure"]

_HEALTH = "\x00provider"  # the provider's own entry in its health breaker


def is_provider_failure(error: LLMError) -> bool:
    """The provider could not be reached at all: its fault, not the model's."""
    return isinstance(error, LLMConnectError)


class RetryBudget:
    """Retries allowed: ``ratio`` per first attempt, banked up to ``floor`` (which it starts with)."""

    def __init__(self, ratio: float, floor: float = 10.0) -> None:
        self._ratio = max(0.0, ratio)
        self._cap = max(1.0, floor)
        self._tokens = self._cap
        self._lock = threading.Lock()

    def attempt(self) -> None:
        with self._lock:
            self._tokens = min(self._cap, self._tokens + self._ratio)

    def take_retry(self) -> bool:
        with self._lock:
            if self._tokens < 1.0 - 1e-9:  # five deposits of 0.2 make one, floats or not
                return False
            self._tokens -= 1.0
            return True


@dataclass
class Provider:
    spec: ProviderSpec
    client: ChatClient
    health: CircuitBreaker  # the provider as a whole
    models: CircuitBreaker  # each of its models
    retries: RetryBudget

    @classmethod
    def build(cls, spec: ProviderSpec, client: ChatClient, settings: LLMSettings, clock: Clock) -> Provider:
        def breaker() -> CircuitBreaker:
            return CircuitBreaker(
                settings.breaker_failures, settings.breaker_cooldown_s, clock.now, probe_s=settings.breaker_probe_s
            )

        return cls(spec, client, breaker(), breaker(), RetryBudget(spec.retry_ratio))

    @property
    def name(self) -> str:
        return self.spec.name

    def available(self, model: str) -> bool:
        """May ``model`` be called now (provider and model breakers; half-open lets one probe by)?"""
        if self.models.is_open(model):
            return False
        return self.health.allow(_HEALTH) and self.models.allow(model)

    def down(self) -> bool:
        return self.health.is_open(_HEALTH)

    def may_retry(self, model: str) -> bool:
        return not self.health.is_open(_HEALTH) and not self.models.is_open(model) and self.retries.take_retry()

    def succeeded(self, model: str) -> None:
        self.health.success(_HEALTH)
        self.models.success(model)

    def failed(self, model: str, error: LLMError) -> bool:
        """Record one failed call; True when it opened a breaker."""
        if is_provider_failure(error):
            return self.health.failure(_HEALTH)
        if isinstance(error, LLMUnavailable):
            self.health.success(_HEALTH)  # it answered: reachable
            return self.models.failure(model)
        self.health.success(_HEALTH)
        return False

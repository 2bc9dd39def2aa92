"""One tiny request to every model of every provider: what ``seabot check --online`` reports.

Each tier's model and its canary's model, each at its own provider, once per (provider,
model); after a provider rejects the key, its other models are reported as skipped rather
than asked again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from seabot.core.llm.client import ChatClient, ChatMessage, ChatRequest
from seabot.core.llm.errors import LLMAuthError, LLMError
from seabot.core.llm.settings import LLMSettings, TierSpec

__all__ = ["ProbeResult", "probe_models"]


@dataclass(frozen=True, slots=True)
class ProbeResult:
    tier: str
    arm: str  # control | canary
    provider: str
    model: str
    error: LLMError | None = None  # None: it answered
    skipped: bool = False  # not asked: the provider had rejected the key

    @property
    def ok(self) -> bool:
        return self.error is None and not self.skipped


def _targets(settings: LLMSettings) -> list[TierSpec]:
    specs: list[TierSpec] = []
    for spec in settings.tiers.values():
        specs.append(spec)
        if spec.canary is not None:
            specs.append(spec.as_canary())
    return specs


async def probe_models(settings: LLMSettings, clients: Mapping[str, ChatClient]) -> list[ProbeResult]:
    results: list[ProbeResult] = []
    asked: dict[tuple[str, str], ProbeResult] = {}
    rejected: set[str] = set()
    for spec in _targets(settings):
        key = (spec.provider, spec.model)
        if key in asked:
            earlier = asked[key]
            results.append(ProbeResult(spec.name, spec.arm, spec.provider, spec.model, earlier.error, earlier.skipped))
            continue
        if spec.provider in rejected:
            result = ProbeResult(spec.name, spec.arm, spec.provider, spec.model, skipped=True)
        else:
            request = ChatRequest(model=spec.model, messages=(ChatMessage("user", "Reply with: ok"),), max_tokens=16)
            error: LLMError | None = None
            try:
                await clients[spec.provider].complete(request, timeout_s=settings.timeout_for(spec))
            except LLMError as exc:
                error = exc
                if isinstance(exc, LLMAuthError):
                    rejected.add(spec.provider)
            result = ProbeResult(spec.name, spec.arm, spec.provider, spec.model, error)
        asked[key] = result
        results.append(result)
    return results

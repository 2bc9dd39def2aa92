"""The LLM layer: an OpenAI-compatible client, retries, circuit breaker, prompt, tiered responder."""

from seabot.core.llm.breaker import CircuitBreaker
from seabot.core.llm.client import ChatClient, ChatMessage, ChatRequest, ChatResult
from seabot.core.llm.errors import (
    LLMAuthError,
    LLMBadResponse,
    LLMConnectError,
    LLMError,
    LLMRateLimited,
    LLMRefused,
    LLMRequestError,
    LLMServerError,
    LLMTimeout,
    LLMUnavailable,
    LLMUnsupportedParameter,
)
from seabot.core.llm.pricing import cost_usd
from seabot.core.llm.prompt import Prompt, build_prompt, estimate_tokens
from seabot.core.llm.retry import Backoff, Clock, Deadline, SystemClock, with_retries
from seabot.core.llm.settings import DEFAULT_PROVIDER, TIER_ORDER, CanarySpec, LLMSettings, ProviderSpec, TierSpec

__all__ = [
    "Backoff",
    "CanarySpec",
    "ChatClient",
    "DEFAULT_PROVIDER",
    "ChatMessage",
    "ChatRequest",
    "ChatResult",
    "CircuitBreaker",
    "Clock",
    "Deadline",
    "LLMAuthError",
    "LLMBadResponse",
    "LLMConnectError",
    "LLMError",
    "LLMRateLimited",
    "LLMRefused",
    "LLMRequestError",
    "LLMServerError",
    "LLMSettings",
    "ProviderSpec",
    "LLMTimeout",
    "LLMUnavailable",
    "LLMUnsupportedParameter",
    "Prompt",
    "SystemClock",
    "TIER_ORDER",
    "TierSpec",
    "build_prompt",
    "cost_usd",
    "estimate_tokens",
    "with_retries",
]

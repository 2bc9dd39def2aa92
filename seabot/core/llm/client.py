"""A small client for any OpenAI-compatible ``/chat/completions`` endpoint.

It makes exactly one HTTP call per ``complete`` and turns every way that call can go
wrong into the ``seabot.core.llm.errors`` tree; retrying is ``retry``'s business. The
``httpx.AsyncClient`` is injected: one pooled client per process, opened and closed by
the runtime; tests point it at a loopback server.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from seabot.core.llm.errors import (
    LLMAuthError,
    LLMBadResponse,
    LLMConnectError,
    LLMRateLimited,
    LLMRequestError,
    LLMServerError,
    LLMTimeout,
)

__all__ = ["ChatMessage", "ChatRequest", "ChatResult", "ChatClient", "parse_retry_after"]


@dataclass(frozen=True, slots=True)
class ChatMessage:
    role: str  # system | user | assistant
    content: str


@dataclass(frozen=True, slots=True)
class ChatRequest:
    model: str
    messages: Sequence[ChatMessage]
    max_tokens: int | None = None
    temperature: float | None = 0.3


@dataclass(frozen=True, slots=True)
class ChatResult:
    text: str
    model: str  # as reported by the API (falls back to the requested model)
    tokens_in: int
    tokens_out: int
    latency_s: float


class ChatClient:
    """One OpenAI-compatible API (a gateway, OpenAI, DeepSeek, vLLM, Ollama …)."""

    def __init__(self, http: httpx.AsyncClient, base_url: str, api_key: str) -> None:
        self._http = http
        self._url = base_url.rstrip("/") + "/chat/completions"
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}

    @property
    def url(self) -> str:
        return self._url

    async def complete(self, request: ChatRequest, *, timeout_s: float) -> ChatResult:
        """One call. Raises an ``LLMError`` subclass for anything but a usable answer."""
        body: dict[str, Any] = {
            "model": request.model,
            "messages": [{"role": m.role, "content": m.content} for m in request.messages],
        }
        if request.max_tokens is not None:
            body["max_tokens"] = request.max_tokens
        if request.temperature is not None:
            body["temperature"] = request.temperature
        where = f"model {request.model!r} at {self._url}"
        started = time.perf_counter()
        try:
            response = await self._http.post(
                self._url, json=body, headers=self._headers, timeout=httpx.Timeout(max(timeout_s, 0.001))
            )
        except httpx.TimeoutException as exc:
            raise LLMTimeout(f"{where}: no answer within {timeout_s:.3g}s") from exc
        except httpx.TransportError as exc:
            raise LLMConnectError(f"{where}: cannot connect ({type(exc).__name__}: {exc})") from exc
        latency = time.perf_counter() - started
        _raise_for_status(response, where)
        return _parse(response, request.model, where, latency)


def _raise_for_status(response: httpx.Response, where: str) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    detail = _error_detail(response)
    if status in (401, 403):
        raise LLMAuthError(
            f"{where}: the API rejected the key (HTTP {status}{detail}); check [llm].api_key", status=status
        )
    retry_after = parse_retry_after(response.headers.get("retry-after"))
    if status == 429:
        raise LLMRateLimited(f"{where}: rate limited (HTTP 429{detail})", retry_after_s=retry_after)
    if status >= 500:
        raise LLMServerError(f"{where}: server error (HTTP {status}{detail})", status=status, retry_after_s=retry_after)
    if status == 408:
        raise LLMTimeout(f"{where}: the API timed out (HTTP 408)", status=status)
    raise LLMRequestError(f"{where}: request refused (HTTP {status}{detail})", status=status)


def _error_detail(response: httpx.Response) -> str:
    """The provider's short error message, if it gave one (never echoes our request)."""
    try:
        data = response.json()
    except ValueError:
        return ""
    if isinstance(data, dict):
        error = data.get("error")
        message = error.get("message") if isinstance(error, dict) else error
        if isinstance(message, str) and message.strip():
            return ": " + message.strip()[:200]
    return ""


def _parse(response: httpx.Response, model: str, where: str, latency: float) -> ChatResult:
    try:
        data = response.json()
    except ValueError as exc:
        raise LLMBadResponse(f"{where}: the answer is not JSON") from exc
    try:
        choices = data["choices"]
        content = choices[0]["message"]["content"]
    except (KeyError, IndexError, TypeError) as exc:
        raise LLMBadResponse(f"{where}: the answer has no choices[0].message.content") from exc
    if not isinstance(content, str) or not content.strip():
        raise LLMBadResponse(f"{where}: the answer's content is empty")
    usage = data.get("usage") if isinstance(data.get("usage"), dict) else {}
    return ChatResult(
        text=content.strip(),
        model=str(data.get("model") or model),
        tokens_in=_count(usage.get("prompt_tokens")),
        tokens_out=_count(usage.get("completion_tokens")),
        latency_s=latency,
    )


def _count(value: object) -> int:
    return value if isinstance(value, int) and value >= 0 else 0


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds from a Retry-After header: delta-seconds or an HTTP date; None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))

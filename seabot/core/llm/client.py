"""A small client for any OpenAI-compatible ``/chat/completions`` endpoint.

It makes one HTTP call per ``complete`` (and one more when the model rejects a parameter)
and turns every way that call can go wrong into the ``seabot.core.llm.errors`` tree;
retrying is ``retry``'s business. The ``httpx.AsyncClient`` is injected: one pooled client
per provider, opened and closed by the runtime; tests point it at a loopback server.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from seabot.core.llm._wire import OPTIONAL_PARAMETERS, Completion, StreamReader, parse_completion, unsupported_parameter
from seabot.core.llm.errors import (
    LLMAuthError,
    LLMBadResponse,
    LLMConnectError,
    LLMRateLimited,
    LLMRequestError,
    LLMServerError,
    LLMTimeout,
    LLMUnsupportedParameter,
)

__all__ = ["ChatMessage", "ChatRequest", "ChatResult", "ChatClient", "parse_retry_after"]

log = logging.getLogger("seabot.llm")
_STREAM_SLACK_S = 0.05  # httpx's own timeout speaks first for a server that sends nothing


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
    ttft_s: float | None = None  # time to the first token: streamed, or the server's own timing


class ChatClient:
    """One OpenAI-compatible API (a gateway, OpenAI, DeepSeek, vLLM, Ollama …).

    ``stream=True`` asks for a streamed completion (``stream_options.include_usage``), which
    measures the time to the first token; a server that answers with one JSON body anyway is
    read as such. A parameter a model rejects (``temperature``, ``max_tokens``) is dropped —
    ``max_tokens`` becomes ``max_completion_tokens`` first — the request is sent once more, and
    the client remembers it for that model (per client, so per provider).
    """

    def __init__(
        self, http: httpx.AsyncClient, base_url: str, api_key: str, *, stream: bool = False, name: str = ""
    ) -> None:
        self._http = http
        self._url = base_url.rstrip("/") + "/chat/completions"
        self._key = api_key
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._stream = stream
        self._name = name
        self._rejected: dict[str, set[str]] = {}  # model → parameters it does not take

    @property
    def url(self) -> str:
        return self._url

    def rejected_parameters(self, model: str) -> frozenset[str]:
        return frozenset(self._rejected.get(model, ()))

    async def complete(self, request: ChatRequest, *, timeout_s: float) -> ChatResult:
        """One call (two when the model rejects a parameter). Raises an ``LLMError`` subclass
        for anything but a usable answer."""
        for _ in range(len(OPTIONAL_PARAMETERS) + 1):
            try:
                return await self._call(request, timeout_s)
            except LLMUnsupportedParameter as exc:
                rejected = self._rejected.setdefault(request.model, set())
                if exc.parameter in rejected:
                    raise
                rejected.add(exc.parameter)
                log.warning(
                    "the model does not take a parameter; sending without it from now on",
                    extra={"model": request.model, "parameter": exc.parameter, "provider": self._name},
                )
        raise LLMRequestError(f"model {request.model!r} at {self._url}: every optional parameter was rejected")

    def _body(self, request: ChatRequest) -> dict[str, Any]:
        rejected = self._rejected.get(request.model, set())
        body: dict[str, Any] = {
            "model": request.model,
            "messages": [{"role": m.role, "content": m.content} for m in request.messages],
        }
        if request.max_tokens is not None:
            if "max_tokens" not in rejected:
                body["max_tokens"] = request.max_tokens
            elif "max_completion_tokens" not in rejected:
                body["max_completion_tokens"] = request.max_tokens
        if request.temperature is not None and "temperature" not in rejected:
            body["temperature"] = request.temperature
        if self._stream:
            body["stream"] = True
            if "stream_options" not in rejected:
                body["stream_options"] = {"include_usage": True}
        return body

    async def _call(self, request: ChatRequest, timeout_s: float) -> ChatResult:
        body = self._body(request)
        sent = set(body) & set(OPTIONAL_PARAMETERS)
        where = f"model {request.model!r} at {self._url}"
        started = time.perf_counter()
        try:
            async with asyncio.timeout(max(timeout_s, 0.001) + _STREAM_SLACK_S):  # a slow drip of chunks
                async with self._http.stream(
                    "POST", self._url, json=body, headers=self._headers, timeout=httpx.Timeout(max(timeout_s, 0.001))
                ) as response:
                    if not 200 <= response.status_code < 300:
                        await response.aread()
                        self._raise_for_status(response, where, sent)
                    if response.headers.get("content-type", "").startswith("text/event-stream"):
                        completion, ttft = await _read_stream(response, request.model, where, sent, started)
                    else:
                        completion = _parse(await response.aread(), request.model, where, sent)
                        ttft = _server_ttft(response.headers)
        except (httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise LLMConnectError(f"{where}: no connection within {timeout_s:.3g}s ({type(exc).__name__})") from exc
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise LLMTimeout(f"{where}: no answer within {timeout_s:.3g}s") from exc
        except httpx.TransportError as exc:
            raise LLMConnectError(f"{where}: cannot connect ({type(exc).__name__}: {self._mask(str(exc))})") from exc
        return ChatResult(
            text=completion.text,
            model=completion.model,
            tokens_in=completion.tokens_in,
            tokens_out=completion.tokens_out,
            latency_s=time.perf_counter() - started,
            ttft_s=ttft,
        )

    def _mask(self, text: str) -> str:
        return text.replace(self._key, "***") if self._key else text

    def _raise_for_status(self, response: httpx.Response, where: str, sent: set[str]) -> None:
        status = response.status_code
        error = _error_object(response)
        detail = _error_detail(error)
        if status in (401, 403):
            raise LLMAuthError(
                f"{where}: the API rejected the key (HTTP {status}{self._mask(detail)}); check the provider's api_key",
                status=status,
            )
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        if status == 429:
            raise LLMRateLimited(f"{where}: rate limited (HTTP 429{detail})", retry_after_s=retry_after)
        if status >= 500:
            raise LLMServerError(
                f"{where}: server error (HTTP {status}{detail})", status=status, retry_after_s=retry_after
            )
        if status == 408:
            raise LLMTimeout(f"{where}: the API timed out (HTTP 408)", status=status)
        param = unsupported_parameter(error, sent)
        if param is not None:
            raise LLMUnsupportedParameter(
                f"{where}: the model does not take {param!r} (HTTP {status}{detail})", parameter=param, status=status
            )
        raise LLMRequestError(f"{where}: request refused (HTTP {status}{self._mask(detail)})", status=status)


async def _read_stream(
    response: httpx.Response, model: str, where: str, sent: set[str], started: float
) -> tuple[Completion, float | None]:
    reader = StreamReader(where, model, sent)
    ttft: float | None = None
    async for line in response.aiter_lines():
        if reader.feed(line) and ttft is None:
            ttft = time.perf_counter() - started
        if reader.done:
            break
    return reader.result(), ttft


def _server_ttft(headers: httpx.Headers) -> float | None:
    """The server's own time to first token, from ``Server-Timing: ttft;dur=<ms>``, if it sends one."""
    for entry in headers.get("server-timing", "").split(","):
        name, _, params = entry.strip().partition(";")
        if name.strip().lower() != "ttft":
            continue
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "dur":
                try:
                    return max(0.0, float(value) / 1000.0)
                except ValueError:
                    return None
    return None


def _error_object(response: httpx.Response) -> object:
    try:
        data = response.json()
    except ValueError:
        return None
    return data.get("error") if isinstance(data, dict) else None


def _error_detail(error: object) -> str:
    """The provider's short error message, if it gave one (never echoes our request)."""
    message = error.get("message") if isinstance(error, dict) else error
    if isinstance(message, str) and message.strip():
        return ": " + message.strip()[:200]
    return ""


def _parse(raw: bytes, model: str, where: str, sent: set[str]) -> Completion:
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise LLMBadResponse(f"{where}: the answer is not JSON") from exc
    return parse_completion(data, model, where, sent=sent)


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

"""One resilient HTTP call to a shop's API, shared by every order source.

A call has a deadline (about 5 s in all, 2 s to connect), one retry on a 5xx, a timeout or a
failed connection while the deadline leaves room, a response-size cap (the body is read in
chunks and dropped past the cap), and a circuit breaker: after ``breaker_failures`` failed
calls in a row the source is not called for ``breaker_cooldown_s``. httpx's errors become the
core's ``OrderSourceError`` tree here, with ``raise … from exc``; messages never carry a
secret (URLs are given without their query string).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import httpx

from seabot.core.llm.breaker import CircuitBreaker
from seabot.core.orders.errors import (
    OrderCircuitOpen,
    OrderConnectError,
    OrderResponseTooLarge,
    OrderServerError,
    OrderSourceError,
    OrderTimeout,
    OrderUnavailable,
)

__all__ = ["Resilience", "RawResponse", "ResilientCaller"]


@dataclass(frozen=True, slots=True)
class Resilience:
    timeout_s: float = 5.0  # the whole lookup, retry included
    connect_timeout_s: float = 2.0
    retries: int = 1
    retry_delay_s: float = 0.2
    max_response_bytes: int = 512 * 1024
    breaker_failures: int = 5
    breaker_cooldown_s: float = 30.0


@dataclass(frozen=True, slots=True)
class RawResponse:
    status: int
    headers: httpx.Headers
    body: bytes


class ResilientCaller:
    """Makes one logical request (with at most ``retries`` more tries) to one source."""

    def __init__(
        self, http: httpx.AsyncClient, name: str, resilience: Resilience, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._http = http
        self._name = name
        self._r = resilience
        self._clock = clock
        self._breaker = CircuitBreaker(resilience.breaker_failures, resilience.breaker_cooldown_s, clock)

    @property
    def breaker_open(self) -> bool:
        return self._breaker.is_open(self._name)

    async def request(
        self, method: str, url: str, *, headers: Mapping[str, str], content: bytes | None = None,
        auth: httpx.Auth | None = None,
    ) -> RawResponse:  # fmt: skip
        """The response of any status (the caller maps 4xx); raises ``OrderUnavailable`` for
        timeouts, connection failures, 5xx after the retry, oversized bodies and an open breaker."""
        where = f"{self._name} order API at {url.split('?', 1)[0]}"
        if not self._breaker.allow(self._name):
            raise OrderCircuitOpen(f"{where}: skipped after repeated failures (circuit open)")
        end = self._clock() + self._r.timeout_s
        attempt = 0
        while True:
            attempt += 1
            try:
                response = await self._once(method, url, headers, content, auth, end - self._clock(), where)
            except OrderUnavailable as exc:
                retryable = not isinstance(exc, OrderResponseTooLarge)
                if retryable and attempt <= self._r.retries and end - self._clock() > self._r.retry_delay_s + 0.05:
                    await asyncio.sleep(self._r.retry_delay_s)
                    continue
                self._breaker.failure(self._name)
                raise
            except OrderSourceError:
                self._breaker.failure(self._name)
                raise
            if response.status >= 500:
                if attempt <= self._r.retries and end - self._clock() > self._r.retry_delay_s + 0.05:
                    await asyncio.sleep(self._r.retry_delay_s)
                    continue
                self._breaker.failure(self._name)
                raise OrderServerError(f"{where}: server error (HTTP {response.status})", status=response.status)
            return response

    def succeeded(self) -> None:
        """The source answered usefully (the caller parsed the body): close the breaker."""
        self._breaker.success(self._name)

    def failed(self) -> None:
        """The answer was unusable (malformed, refused): count it against the breaker."""
        self._breaker.failure(self._name)

    async def _once(
        self, method: str, url: str, headers: Mapping[str, str], content: bytes | None, auth: httpx.Auth | None,
        remaining: float, where: str,
    ) -> RawResponse:  # fmt: skip
        if remaining <= 0:
            raise OrderTimeout(f"{where}: no answer within {self._r.timeout_s:g}s")
        timeout = httpx.Timeout(remaining, connect=min(self._r.connect_timeout_s, remaining))
        cap = self._r.max_response_bytes
        try:
            async with asyncio.timeout(remaining):
                request = self._http.build_request(method, url, headers=headers, content=content, timeout=timeout)
                response = await self._http.send(request, auth=auth, stream=True)
                try:
                    declared = response.headers.get("content-length")
                    if declared and declared.isdigit() and int(declared) > cap:
                        raise OrderResponseTooLarge(f"{where}: the answer is {declared} bytes, over the {cap}-byte cap")
                    chunks: list[bytes] = []
                    size = 0
                    async for chunk in response.aiter_bytes():
                        size += len(chunk)
                        if size > cap:
                            raise OrderResponseTooLarge(f"{where}: the answer is over the {cap}-byte cap")
                        chunks.append(chunk)
                finally:
                    await response.aclose()
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise OrderTimeout(f"{where}: no answer within {self._r.timeout_s:g}s") from exc
        except httpx.TransportError as exc:
            raise OrderConnectError(f"{where}: cannot connect ({type(exc).__name__})") from exc
        return RawResponse(response.status_code, response.headers, b"".join(chunks))

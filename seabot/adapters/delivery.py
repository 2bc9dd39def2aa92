"""Sending to a platform API with retries, backoff and failure metrics (channel-neutral).

Each adapter classifies its SDK's exceptions into a ``SendFailure``; ``send_with_retries``
retries the retryable ones (5xx, timeouts, network errors, 429) with exponential backoff
or the platform's Retry-After, counts every failure in
``seabot_platform_send_failures_total{channel,reason}`` (and 429s in
``seabot_platform_429_total{channel}``), and raises ``DeliveryError`` when it gives up.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from seabot.adapters.base import DeliveryError
from seabot.core.metrics import Metrics

__all__ = [
    "RetryPolicy",
    "SendFailure",
    "RejectedError",
    "send_with_retries",
    "describe_metrics",
    "WECHAT_CS_SENDS",
    "SEND_FAILURES",
    "RATE_LIMITED",
    "LINE_PUSHES",
    "http_failure",
    "parse_retry_after",
]

log = logging.getLogger("seabot.adapters.delivery")
T = TypeVar("T")

SEND_FAILURES = "seabot_platform_send_failures_total"
RATE_LIMITED = "seabot_platform_429_total"
LINE_PUSHES = "seabot_line_pushes_total"
WECHAT_CS_SENDS = "seabot_wechat_cs_sends_total"


def describe_metrics(metrics: Metrics) -> None:
    metrics.describe(SEND_FAILURES, "counter", "Failed platform API sends by channel and reason")
    metrics.describe(RATE_LIMITED, "counter", "Platform API answers 429 Too Many Requests, by channel")
    metrics.describe(LINE_PUSHES, "counter", "LINE push messages sent (count against the monthly quota), by bot")
    metrics.describe(
        WECHAT_CS_SENDS, "counter", "WeChat customer-service messages sent (5 per 48 h per customer), by bot"
    )


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 4  # tries per send, the first included
    base_delay_s: float = 0.5
    max_delay_s: float = 30.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_delay_s)
        return min(self.base_delay_s * (2.0**attempt), self.max_delay_s)


@dataclass(frozen=True, slots=True)
class SendFailure:
    """What went wrong with one API call, in words the retry loop understands."""

    reason: str  # server_error | timeout | network | rate_limited | rejected | api_error
    retryable: bool
    detail: str = ""
    retry_after: float | None = None
    status: int | None = None


class RejectedError(DeliveryError):
    """The platform refused the message for good (blocked bot, bad chat id …): retrying cannot help."""

    def __init__(self, message: str, failure: SendFailure) -> None:
        super().__init__(message)
        self.failure = failure


async def send_with_retries(
    call: Callable[[], Awaitable[T]],
    classify: Callable[[BaseException], SendFailure | None],
    *,
    channel: str,
    what: str,
    metrics: Metrics,
    policy: RetryPolicy,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    """``call()`` until it succeeds, a failure is not retryable, or attempts run out."""
    attempt = 0
    while True:
        try:
            return await call()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            failure = classify(exc)
            if failure is None:
                raise
        metrics.inc(SEND_FAILURES, channel=channel, reason=failure.reason)
        if failure.reason == "rate_limited":
            metrics.inc(RATE_LIMITED, channel=channel)
        attempt += 1
        if not failure.retryable:
            log.warning(
                "%s refused by the platform: %s %s",
                what,
                failure.reason,
                failure.detail,
                extra={"channel": channel, "status": failure.status},
            )
            raise RejectedError(f"{channel} {what} refused: {failure.reason} {failure.detail}".strip(), failure)
        if attempt >= policy.attempts:
            log.error(
                "%s failed after %d attempts: %s %s",
                what,
                attempt,
                failure.reason,
                failure.detail,
                extra={"channel": channel, "status": failure.status},
            )
            raise DeliveryError(f"{channel} {what} failed after {attempt} attempts: {failure.reason} {failure.detail}")
        delay = policy.delay(attempt - 1, failure.retry_after)
        log.warning(
            "%s failed (%s), retrying in %.1fs",
            what,
            failure.reason,
            delay,
            extra={"channel": channel, "status": failure.status, "attempt": attempt},
        )
        await sleep(delay)


def http_failure(status: int, detail: str = "", retry_after: float | None = None) -> SendFailure:
    """Classify an HTTP status from a platform API."""
    if status == 429:
        return SendFailure("rate_limited", True, detail, retry_after, status)
    if status >= 500:
        return SendFailure("server_error", True, detail, retry_after, status)
    return SendFailure("rejected", False, detail, None, status)


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        return None

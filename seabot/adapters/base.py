"""The interface every channel adapter implements, in framework-neutral types.

The server turns an HTTP request into a ``WebhookRequest`` and the adapter's
``WebhookResponse`` back into HTTP; adapters never see Starlette.

    AdapterError
     ├── SignatureError    the request was not signed by the platform  (HTTP 401)
     ├── BadRequestError   the body cannot be parsed                   (HTTP 400)
     └── DeliveryError     the platform API refused or failed a send
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from seabot.core.messages import InboundMessage, Reply
from seabot.core.store import Delivery, Enqueued

__all__ = [
    "WebhookRequest",
    "WebhookResponse",
    "Intake",
    "ReplayGuard",
    "ChannelAdapter",
    "AdapterError",
    "SignatureError",
    "BadRequestError",
    "DeliveryError",
]


class AdapterError(Exception):
    """Base class of adapter errors."""


class SignatureError(AdapterError):
    """Missing or wrong signature: the request did not come from the platform."""


class BadRequestError(AdapterError):
    """The body is not a payload the platform would send."""


class DeliveryError(AdapterError):
    """Sending a reply through the platform API failed after retries."""


@dataclass(frozen=True, slots=True)
class WebhookRequest:
    method: str
    query: Mapping[str, str]
    headers: Mapping[str, str]  # lower-case names
    body: bytes


@dataclass(frozen=True, slots=True)
class WebhookResponse:
    status: int = 200
    body: bytes = b"OK"
    content_type: str = "text/plain; charset=utf-8"
    headers: Mapping[str, str] = field(default_factory=dict)
    # work to run after the response has been sent (e.g. the rest of a long passive reply)
    background: Callable[[], Awaitable[None]] | None = None


class Intake(Protocol):
    """What the server offers an adapter for messages it has verified and parsed."""

    async def accept(self, message: InboundMessage) -> Enqueued: ...

    async def wait_for_reply(self, inbox_id: int, timeout: float) -> Reply | None: ...

    async def delivery(self, inbox_id: int) -> Delivery: ...


class ReplayGuard(Protocol):
    """Remembers the nonces of signed requests for a while (durably, shared by replicas)."""

    def first_use(self, scope: str, nonce: str, digest: str, *, now: float, window_s: float) -> bool:
        """False when ``nonce`` already came, within ``window_s``, with another body digest."""
        ...


class ChannelAdapter(Protocol):
    channel: str

    async def handle_webhook(self, request: WebhookRequest, intake: Intake) -> WebhookResponse:
        """Verify (raise SignatureError), parse (raise BadRequestError), accept, respond."""
        ...

    async def deliver(self, reply: Reply) -> None:
        """Send a reply through the platform API (raise DeliveryError when it cannot)."""
        ...

    async def aclose(self) -> None: ...

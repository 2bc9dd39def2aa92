"""Channel adapters: each platform's webhooks in, replies out, behind ``adapters.base``."""

from seabot.adapters.base import (
    AdapterError,
    BadRequestError,
    ChannelAdapter,
    DeliveryError,
    Intake,
    SignatureError,
    WebhookRequest,
    WebhookResponse,
)

__all__ = [
    "AdapterError", "BadRequestError", "ChannelAdapter", "DeliveryError", "Intake", "SignatureError",
    "WebhookRequest", "WebhookResponse",
]  # fmt: skip

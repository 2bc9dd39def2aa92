"""LINE (line-bot-sdk v3): signed webhooks in, reply (or, when it must, push) messages out."""

from seabot.adapters.line.adapter import (
    MESSAGE_LIMIT,
    MESSAGES_PER_CALL,
    Counters,
    LineAdapter,
    LineOptions,
    push_counter_name,
)
from seabot.adapters.line.parse import CHANNEL, parse_event, sdk_event

__all__ = [
    "CHANNEL", "Counters", "LineAdapter", "LineOptions", "MESSAGE_LIMIT", "MESSAGES_PER_CALL",
    "parse_event", "push_counter_name", "sdk_event",
]  # fmt: skip

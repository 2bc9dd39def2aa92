"""Every key the stores build from ids, each format in one place.

The key-value tables (``settings``, ``counters``) of files written before this seam keep their
rows under these exact strings, so the formats are part of the file format: the adapters'
``offset_key`` / ``parts_sent_key`` / ``push_counter_name`` / ``refused_token_key`` /
``sent_message_key`` produce the same strings for their channel (a test holds them equal until
the adapters switch to the typed interfaces and drop their own). Nothing outside
``seabot.storage`` should build or parse one of these.
"""

from __future__ import annotations

import re
import time

from seabot.core.store import conversation_key  # its one definition, re-exported here

__all__ = [
    "conversation_key", "split_conversation_key", "rate_bucket_key", "spend_counter", "push_counter",
    "parse_push_counter", "push_counter_prefix", "poll_offset_key", "parts_sent_key", "refused_token_key",
    "sent_message_key", "month_of", "day_of", "rate_bucket_user_suffix", "rate_bucket_bot_prefix", "nonce_scope",
    "order_lookup_bucket_key", "RATE_LIMITED_PREFIX", "rate_limited_counter", "parse_rate_limited_counter",
]  # fmt: skip

_SEP = "\x1f"  # the unit separator: no platform id contains it


def split_conversation_key(key: str) -> tuple[str, str, str]:
    bot_id, channel, chat_id = key.split(_SEP, 2)
    return bot_id, channel, chat_id


def rate_bucket_key(bot_id: str, channel: str, user_id: str) -> str:
    """A customer's token bucket (erasure finds it by the bot prefix and the user suffix)."""
    return f"{bot_id}{_SEP}{channel}{_SEP}{user_id}"


def order_lookup_bucket_key(bot_id: str, channel: str, user_id: str) -> str:
    """The token bucket of a customer's order lookups: a rate bucket of its own (``forget``
    erases it with the customer's other buckets)."""
    return rate_bucket_key(bot_id, f"orders:{channel}", user_id)


RATE_LIMITED_PREFIX = "rate_limited:"
_RATE_LIMITED = re.compile(r"^rate_limited:(?P<bot_id>.+):(?P<day>\d{4}-\d{2}-\d{2})$")


def rate_limited_counter(bot_id: str, at: float) -> str:
    """The counter of customer messages the rate limit refused, per bot and UTC day."""
    return f"{RATE_LIMITED_PREFIX}{bot_id}:{day_of(at)}"


def parse_rate_limited_counter(name: str) -> tuple[str, str] | None:
    """(bot id, day) of a ``rate_limited_counter`` name, or None for another counter."""
    found = _RATE_LIMITED.match(name)
    return (found["bot_id"], found["day"]) if found else None


def rate_bucket_user_suffix(user_id: str) -> str:
    return f"{_SEP}{user_id}"


def rate_bucket_bot_prefix(bot_id: str) -> str:
    return f"{bot_id}{_SEP}"


def day_of(at: float) -> str:
    """The UTC day of ``at`` as YYYY-MM-DD (budgets and stats count UTC days)."""
    return time.strftime("%Y-%m-%d", time.gmtime(at))


def month_of(at: float) -> str:
    """The UTC month of ``at`` as YYYY-MM (push quotas are monthly)."""
    return time.strftime("%Y-%m", time.gmtime(at))


def spend_counter(bot_id: str, at: float) -> str:
    """The ``counters`` row holding what a bot's replies cost on the UTC day of ``at``."""
    return f"spend_usd:{bot_id}:{day_of(at)}"


def push_counter_prefix(channel: str) -> str:
    return f"{channel}_pushes:"


def push_counter(bot_id: str, channel: str, month: str) -> str:
    """The ``counters`` row counting a bot's push messages on a channel in a month (YYYY-MM)."""
    return f"{push_counter_prefix(channel)}{bot_id}:{month}"


_PUSH_COUNTER = re.compile(r"^(?P<channel>[a-z0-9]+)_pushes:(?P<bot_id>.+):(?P<month>\d{4}-\d{2})$")


def parse_push_counter(name: str) -> tuple[str, str, str] | None:
    """``(channel, bot_id, month)`` of a push counter's name, None when it is not one."""
    found = _PUSH_COUNTER.match(name)
    return None if found is None else (found["channel"], found["bot_id"], found["month"])


def poll_offset_key(bot_id: str, channel: str) -> str:
    """The ``settings`` row holding the next update a polling bot asks its platform for."""
    return f"{channel}_offset:{bot_id}"


def parts_sent_key(bot_id: str, channel: str, inbound_id: str) -> str:
    """How many parts of the answer to ``inbound_id`` went out (the inbound id is unique per bot,
    so no customer id sits in a row that erasure keeps)."""
    return f"{channel}_parts_sent:{bot_id}:{inbound_id}"


def refused_token_key(bot_id: str, channel: str, inbound_id: str) -> str:
    """The platform refused the reply token of the message ``inbound_id``."""
    return f"{channel}_token_refused:{bot_id}:{inbound_id}"


def sent_message_key(bot_id: str, channel: str, message_id: str) -> str:
    """A message the bot itself sent (a platform echoing it back is not a customer's)."""
    return f"{channel}_sent:{bot_id}:{message_id}"


def nonce_scope(bot_id: str, channel: str) -> str:
    """Whose signed webhook requests a nonce belongs to (a replayed nonce is refused per scope)."""
    return f"{bot_id}/{channel}"

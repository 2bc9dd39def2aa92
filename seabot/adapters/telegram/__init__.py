"""Telegram (python-telegram-bot): webhook and long polling in, Bot API messages out."""

from seabot.adapters.telegram.adapter import ALLOWED_UPDATES, MESSAGE_LIMIT, TelegramAdapter, TelegramOptions
from seabot.adapters.telegram.parse import CHANNEL, BotIdentity, parse_update
from seabot.adapters.telegram.polling import PollingError, TelegramPoller, offset_key
from seabot.adapters.telegram.ratelimit import SendRateLimiter, SendRates

__all__ = [
    "ALLOWED_UPDATES", "BotIdentity", "CHANNEL", "MESSAGE_LIMIT", "PollingError", "SendRateLimiter",
    "SendRates", "TelegramAdapter", "TelegramOptions", "TelegramPoller", "offset_key", "parse_update",
]  # fmt: skip

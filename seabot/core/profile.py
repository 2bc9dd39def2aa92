"""The core's view of one merchant bot: who it is, what it knows, what it may spend."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from seabot.core.faq import FaqEntry

__all__ = ["BotProfile"]


@dataclass(frozen=True, slots=True)
class BotProfile:
    bot_id: str
    display_name: str
    persona: str = ""
    languages: tuple[str, ...] = ("th", "id", "ms", "vi", "zh", "en", "tl")
    default_language: str = "en"
    faq: tuple[FaqEntry, ...] = ()
    daily_budget_usd: float | None = None
    conversation_budget_usd: float | None = None
    rate_limit_per_minute: float | None = None
    handoff_webhook: str | None = None
    routing: dict[str, Any] = field(default_factory=dict)
    # What to answer when a button with this postback data is pressed: data -> language -> text.
    # Data not listed is recorded and not answered (it is not something the customer typed).
    postback_replies: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def answer_language(self, detected: str) -> str:
        """The language to answer in: the customer's if the bot speaks it, else the default."""
        return detected if detected in self.languages else self.default_language

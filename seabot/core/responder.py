"""What every responder (offline FAQ, LLM) takes and gives."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from seabot.core.messages import Role
from seabot.core.profile import BotProfile

__all__ = ["Turn", "ResponderRequest", "Answer", "Responder"]


@dataclass(frozen=True, slots=True)
class Turn:
    role: Role
    text: str


@dataclass(frozen=True, slots=True)
class ResponderRequest:
    bot: BotProfile
    text: str
    lang: str  # the language to answer in
    tier: str  # fast | balanced | premium
    history: Sequence[Turn] = ()  # earlier turns, oldest first, without the current message
    conversation_key: str = ""
    conversation_id: int | None = None  # the store's id, for per-conversation budgets
    personal: bool = False  # carries the customer's own data (an order, …): never cached
    context: str = field(default="", repr=False)  # data the answer must rest on (an order), for the prompt

    @property
    def context_free(self) -> bool:
        """The answer can depend on nothing but the question and the bot's own knowledge: no
        customer data rides along and the customer has said nothing before in this conversation."""
        # a person of the shop's may have written the customer's details too
        return (
            not self.personal
            and not self.context
            and not any(turn.role in (Role.CUSTOMER, Role.AGENT) for turn in self.history)
        )


@dataclass(frozen=True, slots=True)
class Answer:
    text: str
    responder: str  # "offline", "llm", "cache", …
    model: str | None = None
    tier: str | None = None
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    attempts: int = 0
    fallback: bool = False  # a cheaper tier or the offline responder stood in


class Responder(Protocol):
    async def respond(self, request: ResponderRequest) -> Answer: ...

"""Where an order conversation stands between two customer messages, and the seams that keep it.

``OrderDialogState`` holds no personal data: a stage, an order reference, when we asked, and
whether the first question needed judgment. The verifier a customer gives (email, last four
digits) is used on the message that carries it and never kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

__all__ = ["CustomerRef", "OrderStage", "OrderDialogState", "OrderDialogStore", "LookupLimiter"]


@dataclass(frozen=True, slots=True)
class CustomerRef:
    """Whose conversation this is: the key for the dialog state and the lookup limit."""

    bot_id: str
    channel: str
    user_id: str


class OrderStage(StrEnum):
    IDLE = "idle"
    AWAITING_REFERENCE = "awaiting_reference"  # we asked for the order number
    AWAITING_VERIFIER = "awaiting_verifier"  # we asked for the email or last four digits


@dataclass(frozen=True, slots=True)
class OrderDialogState:
    stage: OrderStage = OrderStage.IDLE
    ref: str | None = None  # the order in question (AWAITING_VERIFIER)
    asked_at: float = 0.0  # when we asked (epoch seconds); a question expires
    needs_judgment: bool = False  # the customer's first question was not a plain status question

    @classmethod
    def idle(cls) -> OrderDialogState:
        return cls()

    def expired(self, now: float, ttl_s: float) -> bool:
        return self.stage is not OrderStage.IDLE and now - self.asked_at > ttl_s

    def as_json(self) -> dict[str, Any]:
        return {"stage": self.stage.value, "ref": self.ref, "asked_at": self.asked_at,
                "needs_judgment": self.needs_judgment}  # fmt: skip

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> OrderDialogState:
        """Tolerant: anything unreadable is the idle state (a stale row must not break a chat)."""
        if not data:
            return cls()
        try:
            return cls(
                stage=OrderStage(data.get("stage", "idle")),
                ref=str(data["ref"]) if data.get("ref") else None,
                asked_at=float(data.get("asked_at") or 0.0),
                needs_judgment=bool(data.get("needs_judgment")),
            )
        except (ValueError, TypeError):
            return cls()


class OrderDialogStore(Protocol):
    """Keeps one ``OrderDialogState`` per conversation (implemented on the store).

    ``seabot forget`` must erase it with the rest of the customer's data.
    """

    async def load_order_dialog(self, customer: CustomerRef) -> OrderDialogState | None: ...

    async def save_order_dialog(self, customer: CustomerRef, state: OrderDialogState) -> None: ...


class LookupLimiter(Protocol):
    """Order lookups per customer (so nobody walks through order numbers)."""

    async def try_acquire(self, customer: CustomerRef, now: float) -> bool:
        """Take one lookup from the customer's allowance; False when it is used up."""
        ...

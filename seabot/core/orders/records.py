"""Channel-neutral order records: what any order source answers, whatever vendor it speaks to.

``Order`` holds only what a customer may be told about their order (status, items, carrier,
tracking, dates). The contact details some sources need to check ownership live apart, in
``OrderOwner``, which never leaves the order layer: it is not rendered, not given to the
model, not stored, and its repr shows nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

__all__ = ["OrderStatus", "OrderItem", "Order", "OrderOwner", "OrderQuery", "LookupOutcome", "OrderLookup"]


class OrderStatus(StrEnum):
    """The nine statuses of the generic order API, in the order an order usually moves."""

    PENDING = "pending"
    PAID = "paid"
    PACKED = "packed"
    SHIPPED = "shipped"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    RETURNED = "returned"
    REFUNDED = "refunded"


@dataclass(frozen=True, slots=True)
class OrderItem:
    name: str
    quantity: int = 1


@dataclass(frozen=True, slots=True)
class Order:
    """One order as a customer may see it. No address, phone or email, by construction."""

    ref: str  # the order's reference as the customer knows it, without a leading '#'
    status: OrderStatus
    placed_at: datetime | None = None
    items: tuple[OrderItem, ...] = ()
    carrier: str | None = None
    tracking_number: str | None = None
    tracking_url: str | None = None
    eta: date | None = None

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dict (the generic API's ``order`` shape), e.g. to store with a bot answer."""
        return {
            "ref": self.ref,
            "status": self.status.value,
            "placed_at": self.placed_at.isoformat() if self.placed_at else None,
            "items": [{"name": item.name, "quantity": item.quantity} for item in self.items],
            "carrier": self.carrier,
            "tracking_number": self.tracking_number,
            "tracking_url": self.tracking_url,
            "eta": self.eta.isoformat() if self.eta else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Order:
        """The inverse of ``as_json`` (trusted input: what ``as_json`` wrote)."""
        placed = data.get("placed_at")
        eta = data.get("eta")
        return cls(
            ref=str(data["ref"]),
            status=OrderStatus(data["status"]),
            placed_at=datetime.fromisoformat(placed) if placed else None,
            items=tuple(OrderItem(str(i["name"]), int(i["quantity"])) for i in data.get("items") or ()),
            carrier=data.get("carrier"),
            tracking_number=data.get("tracking_number"),
            tracking_url=data.get("tracking_url"),
            eta=date.fromisoformat(eta) if eta else None,
        )


@dataclass(frozen=True, slots=True)
class OrderOwner:
    """What a source knows of the buyer, only to check a customer's claim to the order."""

    email: str | None = field(default=None, repr=False)
    phones: tuple[str, ...] = field(default=(), repr=False)


@dataclass(frozen=True, slots=True)
class OrderQuery:
    ref: str  # as extracted from the customer's text, without '#'
    channel: str
    user_id: str
    lang: str
    verifier: str | None = field(default=None, repr=False)  # an email or last four digits, if given


class LookupOutcome(StrEnum):
    FOUND = "found"
    NOT_FOUND = "not_found"  # unknown, or not this customer's: never told apart
    UNAVAILABLE = "unavailable"  # the source failed; nothing may be said about the order


@dataclass(frozen=True, slots=True)
class OrderLookup:
    """What one lookup came to. ``owner`` is set only by sources that leave ownership to seabot."""

    outcome: LookupOutcome
    order: Order | None = None
    owner: OrderOwner | None = field(default=None, repr=False, compare=False)
    reason: str | None = None  # for UNAVAILABLE: the error's outcome label (timeout, auth, ...)

    @classmethod
    def found(cls, order: Order, owner: OrderOwner | None = None) -> OrderLookup:
        return cls(LookupOutcome.FOUND, order=order, owner=owner)

    @classmethod
    def not_found(cls) -> OrderLookup:
        return cls(LookupOutcome.NOT_FOUND)

    @classmethod
    def unavailable(cls, reason: str) -> OrderLookup:
        return cls(LookupOutcome.UNAVAILABLE, reason=reason)

    def without_owner(self) -> OrderLookup:
        """The same lookup with the buyer's contact dropped: the only form that leaves the layer."""
        return replace(self, owner=None)

    def as_json(self) -> dict[str, Any]:
        """What to store with the bot's answer (never the owner's contact)."""
        return {
            "outcome": self.outcome.value,
            "order": self.order.as_json() if self.order else None,
            "reason": self.reason,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> OrderLookup:
        """The inverse of ``as_json`` (what was stored with an answer; no owner)."""
        order = data.get("order")
        return cls(LookupOutcome(data["outcome"]), Order.from_json(order) if order else None, reason=data.get("reason"))

"""The seam between the core and a shop's order system (implemented in ``seabot.commerce``)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from seabot.core.orders.records import OrderLookup, OrderQuery

__all__ = ["OrderSource"]


@runtime_checkable
class OrderSource(Protocol):
    """One shop's order system.

    ``needs_verifier`` is True for sources that cannot tell whose an order is from the chat
    (they know an email and a phone, not a chat id): seabot then asks the customer for their
    email or the last four digits of their phone before any lookup, and compares them with
    ``OrderLookup.owner`` itself. A source that decides ownership on its side (the generic
    API gets the channel and user id) sets it False and answers NOT_FOUND for other people's
    orders.
    """

    @property
    def name(self) -> str:
        """A short label for logs and stats ("http", "shopify", ...), never a URL with secrets."""
        ...

    @property
    def needs_verifier(self) -> bool: ...

    async def lookup(self, query: OrderQuery) -> OrderLookup:
        """FOUND or NOT_FOUND; any failure raises an ``OrderSourceError``."""
        ...

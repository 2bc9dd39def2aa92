"""Order status from the merchant's own systems: records, the source seam, and the conversation.

The core sees an ``OrderSource`` and channel-neutral ``Order`` records, never a vendor's JSON
(``seabot.commerce`` implements the sources). ``OrderAssistant`` decides, message by message,
whether to ask for the order number, ask for proof of ownership, answer from a template, hand
the order to the model as delimited data, or say honestly that the order cannot be checked now.
"""

from seabot.core.orders.answers import render_order
from seabot.core.orders.assistant import OrderAction, OrderAssistant, OrderDecision
from seabot.core.orders.desk import OrderDesk, without_contacts
from seabot.core.orders.errors import (
    OrderAuthError,
    OrderBadResponse,
    OrderCircuitOpen,
    OrderConnectError,
    OrderRateLimited,
    OrderRequestError,
    OrderResponseTooLarge,
    OrderServerError,
    OrderSourceError,
    OrderTimeout,
    OrderUnavailable,
)
from seabot.core.orders.limits import MemoryLookupLimiter
from seabot.core.orders.phrases import OrderPhrase, order_phrase
from seabot.core.orders.prompt_data import ORDER_DATA_RULES, order_context, order_data_block
from seabot.core.orders.records import (
    LookupOutcome,
    Order,
    OrderItem,
    OrderLookup,
    OrderOwner,
    OrderQuery,
    OrderStatus,
)
from seabot.core.orders.references import find_order_reference, is_order_question, normalize_reference
from seabot.core.orders.source import OrderSource
from seabot.core.orders.state import CustomerRef, LookupLimiter, OrderDialogState, OrderDialogStore, OrderStage
from seabot.core.orders.verification import Verifier, VerifierKind, owner_matches, parse_verifier

__all__ = [
    "OrderDesk",
    "without_contacts",
    "OrderSource", "Order", "OrderItem", "OrderStatus", "OrderOwner", "OrderQuery", "OrderLookup", "LookupOutcome",
    "OrderSourceError", "OrderAuthError", "OrderRequestError", "OrderUnavailable", "OrderTimeout",
    "OrderConnectError", "OrderServerError", "OrderRateLimited", "OrderBadResponse", "OrderResponseTooLarge",
    "OrderCircuitOpen",
    "find_order_reference", "is_order_question", "normalize_reference",
    "Verifier", "VerifierKind", "parse_verifier", "owner_matches",
    "render_order", "OrderPhrase", "order_phrase", "ORDER_DATA_RULES", "order_data_block", "order_context",
    "OrderAssistant", "OrderAction", "OrderDecision",
    "CustomerRef", "OrderStage", "OrderDialogState", "OrderDialogStore", "LookupLimiter", "MemoryLookupLimiter",
]  # fmt: skip

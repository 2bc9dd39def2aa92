"""The order layer's exception tree, raised by every ``OrderSource`` and translated at its boundary.

    CoreError
     └── OrderSourceError          the shop's order system gave no usable answer
          ├── OrderAuthError       our credentials or signature were refused (401/403): a merchant's
          │                        config problem, never retried
          ├── OrderRequestError    another 4xx: the request itself is wrong for that API (a wrong
          │                        URL, a frozen shop); not retried
          └── OrderUnavailable     the system may answer on another try
               ├── OrderTimeout        no answer within the time allowed
               ├── OrderConnectError   the system could not be reached
               ├── OrderServerError    5xx
               ├── OrderRateLimited    the vendor asked us to slow down (429, GraphQL THROTTLED)
               ├── OrderBadResponse    200 but not the shape the contract promises
               │    └── OrderResponseTooLarge   longer than the response-size cap
               └── OrderCircuitOpen    the source failed too often lately; not called at all

Messages name the source and the HTTP status, never a secret, a token or customer data;
lower-level exceptions are chained with ``raise ... from exc``.
"""

from __future__ import annotations

from seabot.core.errors import CoreError

__all__ = [
    "OrderSourceError", "OrderAuthError", "OrderRequestError", "OrderUnavailable", "OrderTimeout",
    "OrderConnectError", "OrderServerError", "OrderRateLimited", "OrderBadResponse",
    "OrderResponseTooLarge", "OrderCircuitOpen",
]  # fmt: skip


class OrderSourceError(CoreError):
    """The order system gave no usable answer."""

    outcome = "error"  # a short label for stats and metrics

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class OrderAuthError(OrderSourceError):
    """Our credentials (token, key, signature) were refused: fix the config, do not retry."""

    outcome = "auth"


class OrderRequestError(OrderSourceError):
    """A 4xx other than an auth failure: the request is wrong for that API."""

    outcome = "client_error"


class OrderUnavailable(OrderSourceError):
    """A failure another try may not repeat."""

    outcome = "unavailable"


class OrderTimeout(OrderUnavailable):
    outcome = "timeout"


class OrderConnectError(OrderUnavailable):
    outcome = "connect_error"


class OrderServerError(OrderUnavailable):
    outcome = "server_error"


class OrderRateLimited(OrderUnavailable):
    outcome = "rate_limited"


class OrderBadResponse(OrderUnavailable):
    outcome = "bad_response"


class OrderResponseTooLarge(OrderBadResponse):
    outcome = "too_large"


class OrderCircuitOpen(OrderUnavailable):
    outcome = "circuit_open"

"""The order layer's state in the SQLite store: each customer's order dialog, and their
lookup allowance as a token bucket (so it holds across restarts, and ``forget`` erases both)."""

from __future__ import annotations

import json
import time

from seabot.core.orders.state import CustomerRef, OrderDialogState
from seabot.core.storage.keys import order_lookup_bucket_key
from seabot.storage.sqlite import SqliteStore

__all__ = ["SqliteOrderDialogs", "StoreLookupLimiter"]


class SqliteOrderDialogs:
    """``OrderDialogStore`` over the store's ``order_dialogs`` table."""

    def __init__(self, store: SqliteStore) -> None:
        self._store = store

    async def load_order_dialog(self, customer: CustomerRef) -> OrderDialogState | None:
        raw = self._store.order_dialog(customer.bot_id, customer.channel, customer.user_id)
        if raw is None:
            return None
        try:
            return OrderDialogState.from_json(json.loads(raw))
        except ValueError:  # an unreadable row starts the dialog over rather than failing the message
            return OrderDialogState.idle()

    async def save_order_dialog(self, customer: CustomerRef, state: OrderDialogState) -> None:
        self._store.put_order_dialog(
            customer.bot_id, customer.channel, customer.user_id, json.dumps(state.as_json()), time.time()
        )


class StoreLookupLimiter:
    """``LookupLimiter``: ``per_hour`` lookups a customer (a burst of that many, refilled evenly),
    kept in the store's token buckets."""

    def __init__(self, store: SqliteStore, per_hour: float) -> None:
        if per_hour <= 0:
            raise ValueError("per_hour must be greater than 0")
        self._store = store
        self._per_hour = float(per_hour)

    async def try_acquire(self, customer: CustomerRef, now: float) -> bool:
        key = order_lookup_bucket_key(customer.bot_id, customer.channel, customer.user_id)
        return self._store.take_token(key, self._per_hour, self._per_hour / 3600.0, now).allowed

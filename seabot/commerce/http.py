"""The generic signed order API (``kind = "http"``): the merchant's own endpoint.

Request: ``POST <url>`` with JSON ``{"order_ref", "channel", "user_id", "verifier", "lang"}``
and ``X-Seabot-Timestamp: <unix seconds>``, ``X-Seabot-Signature: sha256=<hex HMAC-SHA256(secret,
timestamp + "." + raw body)>``. Answer: 200 with ``{"found": false}`` or ``{"found": true,
"order": {...}}``. The merchant decides ownership (it gets the channel and user id), so this
source never asks the customer for a verifier. A 401 means our signature was refused.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from seabot.commerce._parse import load_json, parse_date, parse_datetime, quantity, text_or_none
from seabot.commerce._transport import Resilience, ResilientCaller
from seabot.core.orders.errors import OrderAuthError, OrderBadResponse, OrderRequestError, OrderSourceError
from seabot.core.orders.records import Order, OrderItem, OrderLookup, OrderQuery, OrderStatus

__all__ = ["HttpOrderSource", "sign", "parse_order"]

SIGNATURE_HEADER = "X-Seabot-Signature"
TIMESTAMP_HEADER = "X-Seabot-Timestamp"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Seabot-Signature`` value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


class HttpOrderSource:
    name = "http"
    needs_verifier = False

    def __init__(
        self,
        http: httpx.AsyncClient,
        url: str,
        secret: str,
        *,
        resilience: Resilience = Resilience(),
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._url = url
        self._secret = secret
        self._wall_clock = wall_clock
        self._caller = ResilientCaller(http, self.name, resilience)

    def __repr__(self) -> str:
        return f"HttpOrderSource(url={self._url.split('?', 1)[0]!r})"

    async def lookup(self, query: OrderQuery) -> OrderLookup:
        body = json.dumps(
            {"order_ref": query.ref, "channel": query.channel, "user_id": query.user_id,
             "verifier": query.verifier, "lang": query.lang},
            ensure_ascii=False, separators=(",", ":"),
        ).encode("utf-8")  # fmt: skip
        timestamp = str(int(self._wall_clock()))
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(self._secret, timestamp, body),
        }
        where = f"the order API at {self._url.split('?', 1)[0]}"
        response = await self._caller.request("POST", self._url, headers=headers, content=body)
        try:
            if response.status == 401:
                raise OrderAuthError(
                    f"{where} refused seabot's signature (HTTP 401): check that [bots.<id>.orders].secret "
                    "is the secret the endpoint verifies with, and that the server's clock is right",
                    status=401,
                )
            if response.status != 200:
                raise OrderRequestError(f"{where} failed (HTTP {response.status})", status=response.status)
            lookup = _parse_answer(load_json(response.body, where), where)
        except OrderSourceError:
            self._caller.failed()
            raise
        self._caller.succeeded()
        return lookup


def _parse_answer(data: Any, where: str) -> OrderLookup:
    if not isinstance(data, dict) or not isinstance(data.get("found"), bool):
        raise OrderBadResponse(f'{where}: the answer has no boolean "found"')
    if not data["found"]:
        return OrderLookup.not_found()
    order = data.get("order")
    if not isinstance(order, dict):
        raise OrderBadResponse(f'{where}: "found" is true but "order" is not an object')
    return OrderLookup.found(parse_order(order, where))


def parse_order(data: Mapping[str, Any], where: str = "the order API") -> Order:
    """The contract's ``order`` object as an ``Order``; only ``ref`` and ``status`` are required."""
    ref = data.get("ref")
    if not isinstance(ref, (str, int)) or isinstance(ref, bool) or not str(ref).strip():
        raise OrderBadResponse(f'{where}: the order has no "ref"')
    try:
        status = OrderStatus(data.get("status", ""))  # missing or unknown: ValueError
    except ValueError as exc:
        raise OrderBadResponse(f"{where}: unknown order status {str(data.get('status'))[:40]!r}") from exc
    raw_items = data.get("items")
    items = tuple(
        OrderItem(name, quantity(item.get("quantity")))
        for item in (raw_items if isinstance(raw_items, list) else [])
        if isinstance(item, dict) and (name := text_or_none(item.get("name")))
    )
    return Order(
        ref=str(ref).strip().lstrip("#"),
        status=status,
        placed_at=parse_datetime(data.get("placed_at")),
        items=items,
        carrier=text_or_none(data.get("carrier")),
        tracking_number=text_or_none(data.get("tracking_number")),
        tracking_url=text_or_none(data.get("tracking_url")),
        eta=parse_date(data.get("eta")),
    )

"""WooCommerce (``kind = "woocommerce"``): ``GET <base_url>/wp-json/wc/v3/orders/<id>``.

Authenticated with the REST API consumer key and secret as HTTP Basic credentials (which
WooCommerce accepts over HTTPS only; config refuses plain http except on loopback). The
reference must be the numeric order id. Tracking comes from the Shipment Tracking extension's
``_wc_shipment_tracking_items`` meta, when the shop has it. WooCommerce knows the billing
email and phone, not the chat, so seabot asks for one of them (``needs_verifier``).
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from seabot.commerce._parse import load_json, parse_date, parse_datetime, quantity, text_or_none
from seabot.commerce._transport import Resilience, ResilientCaller
from seabot.core.orders.errors import (
    OrderAuthError,
    OrderBadResponse,
    OrderRateLimited,
    OrderRequestError,
    OrderSourceError,
)
from seabot.core.orders.records import Order, OrderItem, OrderLookup, OrderOwner, OrderQuery, OrderStatus

__all__ = ["WooCommerceOrderSource"]

_ID = re.compile(r"[1-9][0-9]{0,17}")
_STATUSES = {
    "pending": OrderStatus.PENDING, "on-hold": OrderStatus.PENDING, "failed": OrderStatus.PENDING,
    "checkout-draft": OrderStatus.PENDING, "processing": OrderStatus.PAID, "completed": OrderStatus.SHIPPED,
    "cancelled": OrderStatus.CANCELLED, "refunded": OrderStatus.REFUNDED,
    # statuses that shipping plugins commonly add
    "packed": OrderStatus.PACKED, "packing": OrderStatus.PACKED, "shipped": OrderStatus.SHIPPED,
    "in-transit": OrderStatus.SHIPPED, "out-for-delivery": OrderStatus.OUT_FOR_DELIVERY,
    "delivered": OrderStatus.DELIVERED, "returned": OrderStatus.RETURNED,
}  # fmt: skip
_NOT_FOUND_CODES = {"woocommerce_rest_shop_order_invalid_id", "woocommerce_rest_invalid_id", "rest_post_invalid_id"}


class WooCommerceOrderSource:
    name = "woocommerce"
    needs_verifier = True

    def __init__(
        self,
        http: httpx.AsyncClient,
        base_url: str,
        consumer_key: str,
        consumer_secret: str,
        *,
        resilience: Resilience = Resilience(),
    ) -> None:
        self._base = base_url.rstrip("/")
        self._auth = httpx.BasicAuth(consumer_key, consumer_secret)
        self._caller = ResilientCaller(http, self.name, resilience)

    def __repr__(self) -> str:
        return f"WooCommerceOrderSource(base_url={self._base!r})"

    async def lookup(self, query: OrderQuery) -> OrderLookup:
        ref = query.ref.strip().lstrip("#")
        if not _ID.fullmatch(ref):
            return OrderLookup.not_found()  # WooCommerce order ids are numbers
        url = f"{self._base}/wp-json/wc/v3/orders/{ref}"
        where = f"WooCommerce at {self._base}"
        response = await self._caller.request("GET", url, headers={"Accept": "application/json"}, auth=self._auth)
        try:
            if response.status in (404, 400) and _error_code(response.body) in _NOT_FOUND_CODES:
                lookup = OrderLookup.not_found()
            elif response.status in (401, 403):
                raise OrderAuthError(
                    f"{where} refused the consumer key (HTTP {response.status}): check [bots.<id>.orders]."
                    "consumer_key and consumer_secret, and that the key has Read permission",
                    status=response.status,
                )
            elif response.status == 429:
                raise OrderRateLimited(f"{where}: rate limited (HTTP 429)", status=429)
            elif response.status != 200:
                raise OrderRequestError(f"{where} failed (HTTP {response.status})", status=response.status)
            else:
                lookup = _parse(load_json(response.body, where), ref, where)
        except OrderSourceError:
            self._caller.failed()
            raise
        self._caller.succeeded()
        return lookup


def _error_code(body: bytes) -> str | None:
    try:
        data = load_json(body, "")
    except OrderBadResponse:
        return None
    return str(data.get("code")) if isinstance(data, dict) else None


def _parse(data: Any, ref: str, where: str) -> OrderLookup:
    if not isinstance(data, dict) or not isinstance(data.get("status"), str):
        raise OrderBadResponse(f"{where}: the answer is not an order object")
    if str(data.get("id")) != ref:
        raise OrderBadResponse(f"{where}: asked for order {ref}, got another id")
    if data["status"] == "trash":
        return OrderLookup.not_found()
    status = _STATUSES.get(data["status"].removeprefix("wc-"))
    if status is None:
        raise OrderBadResponse(f"{where}: unknown order status {data['status'][:40]!r}")
    tracking = _tracking(data.get("meta_data"))
    if tracking and status is OrderStatus.PAID:
        status = OrderStatus.SHIPPED  # a tracking number was added while the order is still "processing"
    items = tuple(
        OrderItem(name, quantity(li.get("quantity")))
        for li in data.get("line_items") or []
        if isinstance(li, dict) and (name := text_or_none(li.get("name")))
    )
    billing = data["billing"] if isinstance(data.get("billing"), dict) else {}
    shipping = data["shipping"] if isinstance(data.get("shipping"), dict) else {}
    phones = tuple(p for p in (billing.get("phone"), shipping.get("phone")) if isinstance(p, str) and p.strip())
    order = Order(
        ref=ref,
        status=status,
        placed_at=parse_datetime(data.get("date_created_gmt")) or parse_datetime(data.get("date_created")),
        items=items,
        carrier=text_or_none(tracking.get("custom_tracking_provider"))
        or text_or_none(tracking.get("tracking_provider")),
        tracking_number=text_or_none(tracking.get("tracking_number")),
        tracking_url=text_or_none(tracking.get("custom_tracking_link")),
        eta=parse_date(tracking.get("estimated_delivery")),
    )
    return OrderLookup.found(order, OrderOwner(email=text_or_none(billing.get("email")), phones=phones))


def _tracking(meta: Any) -> dict[str, Any]:
    for entry in meta if isinstance(meta, list) else []:
        if isinstance(entry, dict) and entry.get("key") == "_wc_shipment_tracking_items":
            value = entry.get("value")
            if isinstance(value, list) and value and isinstance(value[-1], dict):
                return value[-1]  # the latest shipment
    return {}

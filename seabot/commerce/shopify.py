"""Shopify (``kind = "shopify"``): one Admin GraphQL query finds an order by its name ("#1001").

``POST https://<shop>.myshopify.com/admin/api/<version>/graphql.json`` with the header
``X-Shopify-Access-Token`` (an Admin API token with ``read_orders``). Shopify's order search is
a text search, so the reference is checked (letters, digits, '-') before it goes into the
query and the returned ``name`` must match it exactly. Shopify knows the buyer's email and
phone, not their chat, so seabot asks for one of them (``needs_verifier``).
"""

from __future__ import annotations

import json
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

__all__ = ["ShopifyOrderSource", "ORDER_QUERY", "DEFAULT_API_VERSION"]

DEFAULT_API_VERSION = "2025-01"
_REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,39}")

ORDER_QUERY = """
query OrderByName($query: String!) {
  orders(first: 5, query: $query) {
    nodes {
      name
      createdAt
      cancelledAt
      displayFinancialStatus
      displayFulfillmentStatus
      returnStatus
      email
      phone
      shippingAddress { phone }
      billingAddress { phone }
      lineItems(first: 20) { nodes { name quantity } }
      fulfillments(first: 5) {
        displayStatus
        estimatedDeliveryAt
        deliveredAt
        trackingInfo(first: 1) { company number url }
      }
    }
  }
}
""".strip()

_DELIVERED = {"DELIVERED", "PICKED_UP"}
_OUT = {"OUT_FOR_DELIVERY", "ATTEMPTED_DELIVERY"}
_SHIPPED = {"IN_TRANSIT", "CARRIER_PICKED_UP", "CONFIRMED", "FULFILLED", "MARKED_AS_FULFILLED", "SUBMITTED",
            "DELAYED", "FAILURE", "NOT_DELIVERED"}  # fmt: skip
_PACKED = {"LABEL_PRINTED", "LABEL_PURCHASED", "READY_FOR_PICKUP"}
_UNPAID = {"PENDING", "AUTHORIZED", "PARTIALLY_PAID", "EXPIRED", "VOIDED"}


class ShopifyOrderSource:
    name = "shopify"
    needs_verifier = True

    def __init__(
        self,
        http: httpx.AsyncClient,
        shop: str,
        access_token: str,
        *,
        api_version: str = DEFAULT_API_VERSION,
        api_base: str | None = None,
        resilience: Resilience = Resilience(),
    ) -> None:
        base = (api_base or f"https://{shop}").rstrip("/")
        self._url = f"{base}/admin/api/{api_version}/graphql.json"
        self._token = access_token
        self._caller = ResilientCaller(http, self.name, resilience)

    def __repr__(self) -> str:
        return f"ShopifyOrderSource(url={self._url!r})"

    async def lookup(self, query: OrderQuery) -> OrderLookup:
        ref = query.ref.strip().lstrip("#")
        if not _REF.fullmatch(ref):
            return OrderLookup.not_found()  # never let search syntax into the query
        body = json.dumps({"query": ORDER_QUERY, "variables": {"query": f"name:#{ref}"}}).encode("utf-8")
        headers = {"Content-Type": "application/json", "X-Shopify-Access-Token": self._token}
        where = f"Shopify at {self._url}"
        response = await self._caller.request("POST", self._url, headers=headers, content=body)
        try:
            if response.status in (401, 403):
                raise OrderAuthError(
                    f"{where} refused the access token (HTTP {response.status}): check [bots.<id>.orders].access_token "
                    "and that the app has the read_orders scope",
                    status=response.status,
                )
            if response.status == 429:
                raise OrderRateLimited(f"{where}: rate limited (HTTP 429)", status=429)
            if response.status != 200:
                raise OrderRequestError(f"{where} failed (HTTP {response.status})", status=response.status)
            lookup = _parse(load_json(response.body, where), ref, where)
        except OrderSourceError:
            self._caller.failed()
            raise
        self._caller.succeeded()
        return lookup


def _parse(data: Any, ref: str, where: str) -> OrderLookup:
    if not isinstance(data, dict):
        raise OrderBadResponse(f"{where}: the answer is not a JSON object")
    errors = data.get("errors")
    if errors:
        codes = {str((e.get("extensions") or {}).get("code")) for e in errors if isinstance(e, dict)} \
            if isinstance(errors, list) else set()  # fmt: skip
        if "THROTTLED" in codes:
            raise OrderRateLimited(f"{where}: throttled (GraphQL THROTTLED)")
        if "ACCESS_DENIED" in codes:
            raise OrderAuthError(f"{where}: access denied: the token needs the read_orders scope")
        raise OrderBadResponse(f"{where}: GraphQL errors ({', '.join(sorted(codes)) or 'no code'})")
    try:
        nodes = data["data"]["orders"]["nodes"]
    except (KeyError, TypeError) as exc:
        raise OrderBadResponse(f"{where}: the answer has no data.orders.nodes") from exc
    if not isinstance(nodes, list):
        raise OrderBadResponse(f"{where}: data.orders.nodes is not a list")
    wanted = ref.casefold()
    for node in nodes:
        if isinstance(node, dict) and str(node.get("name") or "").strip().lstrip("#").casefold() == wanted:
            return _order(node, where)
    return OrderLookup.not_found()


def _order(node: dict[str, Any], where: str) -> OrderLookup:
    fulfillments = [f for f in node.get("fulfillments") or [] if isinstance(f, dict)]
    live = [f for f in fulfillments if f.get("displayStatus") not in ("CANCELED", "LABEL_VOIDED")]
    tracked = next((f for f in live if _tracking(f)), None)
    tracking = _tracking(tracked) if tracked else {}
    line_items = ((node.get("lineItems") or {}).get("nodes")) or []
    items = tuple(
        OrderItem(name, quantity(li.get("quantity")))
        for li in line_items
        if isinstance(li, dict) and (name := text_or_none(li.get("name")))
    )
    phones = tuple(
        p for p in (node.get("phone"), (node.get("shippingAddress") or {}).get("phone"),
                    (node.get("billingAddress") or {}).get("phone"))
        if isinstance(p, str) and p.strip()
    )  # fmt: skip
    order = Order(
        ref=str(node["name"]).strip().lstrip("#"),
        status=_status(node, live),
        placed_at=parse_datetime(node.get("createdAt")),
        items=items,
        carrier=text_or_none(tracking.get("company")),
        tracking_number=text_or_none(tracking.get("number")),
        tracking_url=text_or_none(tracking.get("url")),
        eta=parse_date((tracked or {}).get("estimatedDeliveryAt")),
    )
    return OrderLookup.found(order, OrderOwner(email=text_or_none(node.get("email")), phones=phones))


def _tracking(fulfillment: dict[str, Any]) -> dict[str, Any]:
    infos = fulfillment.get("trackingInfo") or []
    first = infos[0] if isinstance(infos, list) and infos else None
    return first if isinstance(first, dict) and (first.get("number") or first.get("url")) else {}


def _status(node: dict[str, Any], live: list[dict[str, Any]]) -> OrderStatus:
    if node.get("cancelledAt"):
        return OrderStatus.CANCELLED
    if node.get("displayFinancialStatus") == "REFUNDED":
        return OrderStatus.REFUNDED
    if node.get("returnStatus") == "RETURNED":
        return OrderStatus.RETURNED
    shown = {str(f.get("displayStatus")) for f in live}
    if shown and shown <= _DELIVERED and node.get("displayFulfillmentStatus") == "FULFILLED":
        return OrderStatus.DELIVERED
    if shown & _OUT:
        return OrderStatus.OUT_FOR_DELIVERY
    if shown & (_SHIPPED | _DELIVERED):
        return OrderStatus.SHIPPED
    if shown & _PACKED or node.get("displayFulfillmentStatus") == "IN_PROGRESS":
        return OrderStatus.PACKED
    if node.get("displayFinancialStatus") in _UNPAID:
        return OrderStatus.PENDING
    return OrderStatus.PAID

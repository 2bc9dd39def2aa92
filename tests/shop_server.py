"""A real loopback server playing a shop's order systems: the generic seabot order API,
Shopify's Admin GraphQL endpoint and WooCommerce's REST API, with payloads shaped after their
public documentation.

Each checks credentials as the real one does (our HMAC signature, ``X-Shopify-Access-Token``,
HTTP Basic consumer key/secret) and records every request. Tests queue behaviours per vendor
(``delay``, ``status``, ``raw``, ``big``) that are used before the normal answer.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import hashlib
import hmac
import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from harness import ThreadServer
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from seabot.commerce import HttpOrderSource, Resilience, ShopifyOrderSource, WooCommerceOrderSource

__all__ = [
    "ShopStandIn",
    "Behaviour",
    "serve_shop",
    "delay",
    "status",
    "raw",
    "big",
    "shopify_order",
    "woo_order",
    "generic_order",
    "HTTP_SECRET",
    "SHOPIFY_TOKEN",
    "WOO_KEY",
    "WOO_SECRET",
    "FAST",
    "http_source",
    "shopify_source",
    "woo_source",
]

HTTP_SECRET = "whsec-test-0123456789abcdef"
SHOPIFY_TOKEN = "shpat_test_0123456789abcdef"
WOO_KEY = "ck_test_0123456789abcdef"
WOO_SECRET = "cs_test_0123456789abcdef"
# Quick to give up, no wait before the retry, a small size cap: tests never wait long.
FAST = Resilience(timeout_s=3.0, connect_timeout_s=1.0, retry_delay_s=0.0, max_response_bytes=64 * 1024)


@dataclass(frozen=True)
class Behaviour:
    kind: str  # delay | status | raw | big
    seconds: float = 0.0
    code: int = 200
    body: str = ""


def delay(seconds: float) -> Behaviour:
    return Behaviour("delay", seconds=seconds)


def status(code: int, body: str = "") -> Behaviour:
    return Behaviour("status", code=code, body=body)


def raw(body: str, code: int = 200) -> Behaviour:
    return Behaviour("raw", code=code, body=body)


def big(size: int = 2 * 1024 * 1024) -> Behaviour:
    return Behaviour("big", code=200, body=" " * size)


def generic_order(ref: str = "1001", **fields: Any) -> dict[str, Any]:
    order = {
        "ref": ref, "status": "shipped", "placed_at": "2026-06-10T03:15:22Z",
        "items": [{"name": "Batik Shirt - M / Blue", "quantity": 2}, {"name": "Sarong Songket", "quantity": 1}],
        "carrier": "Flash Express", "tracking_number": "TH0123456789A",
        "tracking_url": "https://www.flashexpress.co.th/fle/tracking?se=TH0123456789A", "eta": "2026-06-14",
    }  # fmt: skip
    order.update(fields)
    return order


def shopify_order(name: str = "#1001", **fields: Any) -> dict[str, Any]:
    """An ``Order`` node as the query in ``seabot.commerce.shopify`` asks for it."""
    node = {
        "name": name,
        "createdAt": "2026-06-10T03:15:22Z",
        "cancelledAt": None,
        "displayFinancialStatus": "PAID",
        "displayFulfillmentStatus": "FULFILLED",
        "returnStatus": "NO_RETURN",
        "email": "siti.rahma@example.co.id",
        "phone": None,
        "shippingAddress": {"phone": "+62 812-3456-4821"},
        "billingAddress": {"phone": "+62 812-3456-4821"},
        "lineItems": {"nodes": [{"name": "Batik Shirt - M / Blue", "quantity": 2}]},
        "fulfillments": [
            {
                "displayStatus": "IN_TRANSIT",
                "estimatedDeliveryAt": "2026-06-14T10:00:00Z",
                "deliveredAt": None,
                "trackingInfo": [
                    {
                        "company": "J&T Express",
                        "number": "JT0012345678",
                        "url": "https://jet.co.id/track?awb=JT0012345678",
                    }
                ],
            }
        ],
    }
    node.update(fields)
    return node


def woo_order(order_id: int = 727, **fields: Any) -> dict[str, Any]:
    """``GET /wp-json/wc/v3/orders/<id>`` as WooCommerce answers it (Shipment Tracking installed)."""
    order = {
        "id": order_id, "parent_id": 0, "number": str(order_id), "order_key": "wc_order_58d2d042d1d",
        "created_via": "checkout", "version": "9.1.2", "status": "completed", "currency": "THB",
        "date_created": "2026-06-10T10:15:22", "date_created_gmt": "2026-06-10T03:15:22",
        "date_modified": "2026-06-11T09:00:00", "date_modified_gmt": "2026-06-11T02:00:00",
        "discount_total": "0.00", "shipping_total": "50.00", "total": "1050.00", "total_tax": "0.00",
        "prices_include_tax": True, "customer_id": 12, "customer_note": "",
        "billing": {"first_name": "Somchai", "last_name": "Jaidee", "company": "", "address_1": "99/1 Sukhumvit Soi 11",
                    "address_2": "", "city": "Bangkok", "state": "TH-10", "postcode": "10110", "country": "TH",
                    "email": "somchai.j@example.co.th", "phone": "081-234-5678"},
        "shipping": {"first_name": "Somchai", "last_name": "Jaidee", "company": "",
                     "address_1": "99/1 Sukhumvit Soi 11", "address_2": "", "city": "Bangkok", "state": "TH-10",
                     "postcode": "10110", "country": "TH",
                     "phone": "081-234-5678"},
        "payment_method": "bacs", "payment_method_title": "Direct bank transfer", "transaction_id": "",
        "line_items": [{"id": 315, "name": "Thai Silk Scarf", "product_id": 93, "variation_id": 0, "quantity": 2,
                        "tax_class": "", "subtotal": "1000.00", "total": "1000.00", "sku": "TSS-01", "price": 500,
                        "meta_data": []}],
        "shipping_lines": [{"id": 317, "method_title": "Flat rate", "method_id": "flat_rate", "total": "50.00"}],
        "meta_data": [{"id": 1201, "key": "_wc_shipment_tracking_items", "value": [
            {"tracking_provider": "", "custom_tracking_provider": "Kerry Express",
             "custom_tracking_link": "https://th.kerryexpress.com/en/track/?track=KEX123456789",
             "tracking_number": "KEX123456789", "date_shipped": "1781049600", "tracking_id": "a1b2c3"}]}],
        "_links": {"self": [{"href": f"https://shop.example.co.th/wp-json/wc/v3/orders/{order_id}"}]},
    }  # fmt: skip
    order.update(fields)
    return order


@dataclass
class Seen:
    vendor: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class ShopStandIn:
    # generic API: ref -> (channel, user_id, order); found only for that customer
    http_orders: dict[str, tuple[str, str, dict[str, Any]]] = field(default_factory=dict)
    shopify_orders: list[dict[str, Any]] = field(default_factory=list)
    woo_orders: dict[int, dict[str, Any]] = field(default_factory=dict)
    scripts: dict[str, deque[Behaviour]] = field(default_factory=dict)
    requests: list[Seen] = field(default_factory=list)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def script(self, vendor: str, *behaviours: Behaviour) -> None:
        with self.lock:
            self.scripts.setdefault(vendor, deque()).extend(behaviours)

    def calls(self, vendor: str) -> list[Seen]:
        with self.lock:
            return [seen for seen in self.requests if seen.vendor == vendor]

    async def _record(self, vendor: str, request: Request) -> tuple[bytes, Response | None]:
        body = await request.body()
        with self.lock:
            self.requests.append(
                Seen(vendor, request.url.path, {k.lower(): v for k, v in request.headers.items()}, body)
            )
            queue = self.scripts.get(vendor)
            behaviour = queue.popleft() if queue else None
        while behaviour is not None and behaviour.kind == "delay":
            await asyncio.sleep(behaviour.seconds)
            with self.lock:
                queue = self.scripts.get(vendor)
                behaviour = queue.popleft() if queue and queue[0].kind != "delay" else None
        if behaviour is None:
            return body, None
        if behaviour.kind == "status":
            return body, Response(behaviour.body or json.dumps({"errors": f"stand-in {behaviour.code}"}),
                                  status_code=behaviour.code, media_type="application/json")  # fmt: skip
        return body, Response(behaviour.body, status_code=behaviour.code, media_type="application/json")

    # -- the generic seabot order API ---------------------------------------------------------------

    async def generic(self, request: Request) -> Response:
        body, scripted = await self._record("http", request)
        if scripted is not None:
            return scripted
        timestamp = request.headers.get("x-seabot-timestamp", "")
        given = request.headers.get("x-seabot-signature", "")
        expected = (
            "sha256=" + hmac.new(HTTP_SECRET.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        )
        if (
            not hmac.compare_digest(given, expected)
            or not timestamp.isdigit()
            or abs(time.time() - int(timestamp)) > 300
        ):
            return JSONResponse({"error": "bad signature"}, status_code=401)
        query = json.loads(body)
        entry = self.http_orders.get(query["order_ref"])
        if entry is None or (entry[0], entry[1]) != (query["channel"], query["user_id"]):
            return JSONResponse({"found": False})
        return JSONResponse({"found": True, "order": entry[2]})

    # -- Shopify Admin GraphQL ------------------------------------------------------------------------

    async def shopify(self, request: Request) -> Response:
        body, scripted = await self._record("shopify", request)
        if scripted is not None:
            return scripted
        if request.headers.get("x-shopify-access-token") != SHOPIFY_TOKEN:
            return JSONResponse(
                {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"},
                status_code=401,
            )
        payload = json.loads(body)
        search = str(payload["variables"]["query"])
        assert search.startswith("name:")
        wanted = search.removeprefix("name:").lstrip("#").casefold()
        # Shopify's search matches prefixes too: "#100" also finds "#1001".
        nodes = [copy.deepcopy(n) for n in self.shopify_orders if n["name"].lstrip("#").casefold().startswith(wanted)]
        return JSONResponse({
            "data": {"orders": {"nodes": nodes}},
            "extensions": {"cost": {"requestedQueryCost": 27, "actualQueryCost": 6,
                                    "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": 1994,
                                                       "restoreRate": 100.0}}},
        })  # fmt: skip

    # -- WooCommerce REST -----------------------------------------------------------------------------

    async def woo(self, request: Request) -> Response:
        _, scripted = await self._record("woocommerce", request)
        if scripted is not None:
            return scripted
        expected = "Basic " + base64.b64encode(f"{WOO_KEY}:{WOO_SECRET}".encode()).decode()
        if request.headers.get("authorization") != expected:
            return JSONResponse(
                {
                    "code": "woocommerce_rest_cannot_view",
                    "message": "Sorry, you cannot view this resource.",
                    "data": {"status": 401},
                },
                status_code=401,
            )
        order = self.woo_orders.get(int(request.path_params["order_id"]))
        if order is None:
            return JSONResponse({"code": "woocommerce_rest_shop_order_invalid_id", "message": "Invalid ID.",
                                 "data": {"status": 404}}, status_code=404)  # fmt: skip
        return JSONResponse(order)


def shop_app(standin: ShopStandIn) -> Starlette:
    return Starlette(routes=[
        Route("/seabot/orders", standin.generic, methods=["POST"]),
        Route("/admin/api/{version}/graphql.json", standin.shopify, methods=["POST"]),
        Route("/wp-json/wc/v3/orders/{order_id:int}", standin.woo, methods=["GET"]),
    ])  # fmt: skip


@contextmanager
def serve_shop() -> Iterator[ShopStandIn]:
    standin = ShopStandIn()
    server = ThreadServer(shop_app(standin))
    server.start()
    standin.url = server.url
    try:
        yield standin
    finally:
        server.stop()


def http_source(
    shop: ShopStandIn, http: httpx.AsyncClient, resilience: Resilience = FAST, secret: str = HTTP_SECRET
) -> HttpOrderSource:
    return HttpOrderSource(http, f"{shop.url}/seabot/orders", secret, resilience=resilience)


def shopify_source(
    shop: ShopStandIn, http: httpx.AsyncClient, resilience: Resilience = FAST, token: str = SHOPIFY_TOKEN
) -> ShopifyOrderSource:
    return ShopifyOrderSource(http, "seabot-test.myshopify.com", token, api_base=shop.url, resilience=resilience)


def woo_source(
    shop: ShopStandIn, http: httpx.AsyncClient, resilience: Resilience = FAST, secret: str = WOO_SECRET
) -> WooCommerceOrderSource:
    return WooCommerceOrderSource(http, shop.url, WOO_KEY, secret, resilience=resilience)

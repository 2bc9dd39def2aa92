"""The three order sources against a real loopback shop: found, not found, not yours, slow,
500, malformed, oversized, refused credentials, and the circuit breaker."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import date
from typing import Any

import httpx
import pytest
from shop_server import (
    FAST,
    HTTP_SECRET,
    ShopStandIn,
    big,
    delay,
    generic_order,
    http_source,
    raw,
    shopify_order,
    shopify_source,
    status,
    woo_order,
    woo_source,
)

from seabot.commerce import Resilience, sign
from seabot.core.orders import (
    LookupOutcome,
    OrderAuthError,
    OrderBadResponse,
    OrderCircuitOpen,
    OrderQuery,
    OrderRequestError,
    OrderResponseTooLarge,
    OrderServerError,
    OrderSource,
    OrderStatus,
    OrderTimeout,
    owner_matches,
    parse_verifier,
)

pytestmark = pytest.mark.anyio

KINDS = ("http", "shopify", "woocommerce")
REFS = {"http": "1001", "shopify": "1001", "woocommerce": "727"}


def query(ref: str, user: str = "U-1") -> OrderQuery:
    return OrderQuery(ref=ref, channel="line", user_id=user, lang="id")


def source(kind: str, shop: ShopStandIn, http: httpx.AsyncClient, resilience: Resilience = FAST) -> OrderSource:
    return {"http": http_source, "shopify": shopify_source, "woocommerce": woo_source}[kind](shop, http, resilience)


def stock(shop: ShopStandIn) -> None:
    shop.http_orders["1001"] = ("line", "U-1", generic_order("1001"))
    shop.shopify_orders.append(shopify_order("#1001"))
    shop.shopify_orders.append(shopify_order("#10010", email="someone.else@example.com"))
    shop.woo_orders[727] = woo_order(727)


@pytest.mark.parametrize("kind", KINDS)
async def test_found_order_is_channel_neutral(kind: str, shop: ShopStandIn, http: httpx.AsyncClient) -> None:
    stock(shop)
    lookup = await source(kind, shop, http).lookup(query(REFS[kind]))
    assert lookup.outcome is LookupOutcome.FOUND and lookup.order is not None
    order = lookup.order
    assert order.ref == REFS[kind]
    assert order.status is OrderStatus.SHIPPED
    assert order.items and order.items[0].quantity == 2
    assert order.tracking_number and order.tracking_url and order.tracking_url.startswith("https://")
    assert order.carrier in ("Flash Express", "J&T Express", "Kerry Express")
    assert order.placed_at is not None and order.placed_at.tzinfo is not None
    if kind != "woocommerce":
        assert order.eta == date(2026, 6, 14)
    # nothing about the buyer is in the record
    flat = json.dumps(order.as_json())
    for personal in ("@", "812-3456", "081-234", "Sukhumvit", "Somchai", "Jaidee"):
        assert personal not in flat


@pytest.mark.parametrize("kind", KINDS)
async def test_unknown_order_is_not_found(kind: str, shop: ShopStandIn, http: httpx.AsyncClient) -> None:
    stock(shop)
    lookup = await source(kind, shop, http).lookup(query("999999"))
    assert lookup.outcome is LookupOutcome.NOT_FOUND and lookup.order is None


async def test_generic_api_gets_a_valid_signature_and_decides_ownership(
    shop: ShopStandIn, http: httpx.AsyncClient
) -> None:
    stock(shop)
    src = http_source(shop, http)
    assert (await src.lookup(query("1001", user="U-1"))).outcome is LookupOutcome.FOUND
    assert (await src.lookup(query("1001", user="U-2"))).outcome is LookupOutcome.NOT_FOUND  # not yours
    seen = shop.calls("http")[0]
    timestamp = seen.headers["x-seabot-timestamp"]
    expected = (
        "sha256=" + hmac.new(HTTP_SECRET.encode(), timestamp.encode() + b"." + seen.body, hashlib.sha256).hexdigest()
    )
    assert seen.headers["x-seabot-signature"] == expected == sign(HTTP_SECRET, timestamp, seen.body)
    assert seen.json == {"order_ref": "1001", "channel": "line", "user_id": "U-1", "verifier": None, "lang": "id"}


async def test_generic_api_401_tells_the_merchant_to_check_the_secret(
    shop: ShopStandIn, http: httpx.AsyncClient
) -> None:
    stock(shop)
    src = http_source(shop, http, secret="not-the-shops-secret-at-all")
    with pytest.raises(OrderAuthError) as caught:
        await src.lookup(query("1001"))
    assert "secret" in str(caught.value) and "not-the-shops-secret" not in str(caught.value)
    assert "not-the-shops-secret" not in repr(src)
    assert len(shop.calls("http")) == 1  # an auth failure is never retried


@pytest.mark.parametrize("kind", ["shopify", "woocommerce"])
async def test_vendor_credentials_refused(kind: str, shop: ShopStandIn, http: httpx.AsyncClient) -> None:
    stock(shop)
    src = (
        shopify_source(shop, http, token="shpat_wrong")
        if kind == "shopify"
        else woo_source(shop, http, secret="cs_wrong")
    )
    with pytest.raises(OrderAuthError) as caught:
        await src.lookup(query(REFS[kind]))
    assert "wrong" not in str(caught.value) and "wrong" not in repr(src)


@pytest.mark.parametrize("kind", ["shopify", "woocommerce"])
async def test_vendor_orders_carry_the_owner_only_for_the_check(
    kind: str, shop: ShopStandIn, http: httpx.AsyncClient
) -> None:
    """Shopify and WooCommerce know an email and a phone: the check against what the customer
    says is seabot's, and the owner never shows in a repr."""
    stock(shop)
    src = source(kind, shop, http)
    assert src.needs_verifier
    lookup = await src.lookup(query(REFS[kind]))
    right_email = "Siti.Rahma@example.co.id" if kind == "shopify" else "somchai.j@example.co.th"
    right_four = "4821" if kind == "shopify" else "5678"
    assert owner_matches(lookup.owner, parse_verifier(right_email))
    assert owner_matches(lookup.owner, parse_verifier(f"last four {right_four}"))
    assert not owner_matches(lookup.owner, parse_verifier("4820"))  # not yours
    assert not owner_matches(lookup.owner, parse_verifier("other@example.com"))
    assert "@" not in repr(lookup) and "081-234" not in repr(lookup) and "812-3456" not in repr(lookup)


async def test_shopify_asks_by_name_and_wants_an_exact_match(shop: ShopStandIn, http: httpx.AsyncClient) -> None:
    stock(shop)
    src = shopify_source(shop, http)
    assert (await src.lookup(query("100"))).outcome is LookupOutcome.NOT_FOUND  # search found #1001 and #10010
    seen = shop.calls("shopify")[0]
    assert seen.path == "/admin/api/2025-01/graphql.json"
    assert seen.headers["x-shopify-access-token"] == "shpat_test_0123456789abcdef"
    assert seen.json["variables"] == {"query": "name:#100"}
    assert "fulfillments" in seen.json["query"] and "trackingInfo" in seen.json["query"]


async def test_search_syntax_never_reaches_the_vendor(shop: ShopStandIn, http: httpx.AsyncClient) -> None:
    stock(shop)
    assert (await shopify_source(shop, http).lookup(query("1001 OR email:*"))).outcome is LookupOutcome.NOT_FOUND
    assert (await woo_source(shop, http).lookup(query("../customers"))).outcome is LookupOutcome.NOT_FOUND
    assert shop.calls("shopify") == [] and shop.calls("woocommerce") == []


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        ({"cancelledAt": "2026-06-11T00:00:00Z"}, OrderStatus.CANCELLED),
        ({"displayFinancialStatus": "REFUNDED"}, OrderStatus.REFUNDED),
        ({"returnStatus": "RETURNED"}, OrderStatus.RETURNED),
        ({"fulfillments": [{"displayStatus": "DELIVERED", "trackingInfo": []}]}, OrderStatus.DELIVERED),
        ({"fulfillments": [{"displayStatus": "OUT_FOR_DELIVERY", "trackingInfo": []}]}, OrderStatus.OUT_FOR_DELIVERY),
        ({"fulfillments": [{"displayStatus": "LABEL_PRINTED", "trackingInfo": []}],
          "displayFulfillmentStatus": "IN_PROGRESS"}, OrderStatus.PACKED),
        ({"fulfillments": [], "displayFulfillmentStatus": "UNFULFILLED"}, OrderStatus.PAID),
        ({"fulfillments": [], "displayFulfillmentStatus": "UNFULFILLED", "displayFinancialStatus": "PENDING"},
         OrderStatus.PENDING),
    ],
)  # fmt: skip
async def test_shopify_statuses(
    node: dict[str, Any], expected: OrderStatus, shop: ShopStandIn, http: httpx.AsyncClient
) -> None:
    shop.shopify_orders.append(shopify_order("#1001", **node))
    lookup = await shopify_source(shop, http).lookup(query("1001"))
    assert lookup.order is not None and lookup.order.status is expected


@pytest.mark.parametrize(
    ("woo_status", "meta", "expected"),
    [("processing", [], OrderStatus.PAID), ("on-hold", [], OrderStatus.PENDING),
     ("completed", [], OrderStatus.SHIPPED), ("cancelled", [], OrderStatus.CANCELLED),
     ("refunded", [], OrderStatus.REFUNDED), ("processing", None, OrderStatus.SHIPPED)],
)  # fmt: skip
async def test_woocommerce_statuses(
    woo_status: str, meta: list[Any] | None, expected: OrderStatus, shop: ShopStandIn, http: httpx.AsyncClient
) -> None:
    fields: dict[str, Any] = {"status": woo_status}
    if meta is not None:
        fields["meta_data"] = meta
    shop.woo_orders[727] = woo_order(727, **fields)
    lookup = await woo_source(shop, http).lookup(query("727"))
    assert lookup.order is not None and lookup.order.status is expected


@pytest.mark.parametrize("kind", KINDS)
async def test_slow_source_times_out(kind: str, shop: ShopStandIn, http: httpx.AsyncClient) -> None:
    stock(shop)
    shop.script(kind, delay(3.0))
    with pytest.raises(OrderTimeout):
        await source(kind, shop, http, Resilience(timeout_s=0.3, connect_timeout_s=0.3, retry_delay_s=0.0)).lookup(
            query(REFS[kind])
        )


@pytest.mark.parametrize("kind", KINDS)
async def test_one_500_is_retried_once(kind: str, shop: ShopStandIn, http: httpx.AsyncClient) -> None:
    stock(shop)
    shop.script(kind, status(500))
    lookup = await source(kind, shop, http).lookup(query(REFS[kind]))
    assert lookup.outcome is LookupOutcome.FOUND
    assert len(shop.calls(kind)) == 2


@pytest.mark.parametrize("kind", KINDS)
async def test_two_500s_are_a_server_error(kind: str, shop: ShopStandIn, http: httpx.AsyncClient) -> None:
    stock(shop)
    shop.script(kind, status(502), status(503), status(500))
    with pytest.raises(OrderServerError) as caught:
        await source(kind, shop, http).lookup(query(REFS[kind]))
    assert caught.value.status == 503 and len(shop.calls(kind)) == 2


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "body",
    [
        "<html>502 Bad Gateway</html>",
        '{"unexpected": true}',
        "[]",
        '{"found": true, "order": {"ref": "1001", "status": "teleported"}}',
        '{"data": {"orders": null}}',
        '{"id": 727, "status": "beamed-up"}',
    ],
)
async def test_malformed_answers_are_bad_responses(
    kind: str, body: str, shop: ShopStandIn, http: httpx.AsyncClient
) -> None:
    stock(shop)
    shop.script(kind, raw(body))
    with pytest.raises(OrderBadResponse):
        await source(kind, shop, http).lookup(query(REFS[kind]))
    assert len(shop.calls(kind)) == 1  # not retried: the same answer would come again


async def test_graphql_throttled_and_errors(shop: ShopStandIn, http: httpx.AsyncClient) -> None:
    from seabot.core.orders import OrderRateLimited

    stock(shop)
    shop.script("shopify", raw(json.dumps({"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}]})))
    with pytest.raises(OrderRateLimited):
        await shopify_source(shop, http).lookup(query("1001"))


@pytest.mark.parametrize("kind", KINDS)
async def test_oversized_answer_is_refused(kind: str, shop: ShopStandIn, http: httpx.AsyncClient) -> None:
    stock(shop)
    shop.script(kind, big())
    with pytest.raises(OrderResponseTooLarge):
        await source(kind, shop, http).lookup(query(REFS[kind]))


async def test_wrong_url_is_a_request_error(shop: ShopStandIn, http: httpx.AsyncClient) -> None:
    from seabot.commerce import HttpOrderSource

    src = HttpOrderSource(http, f"{shop.url}/no/such/path", HTTP_SECRET, resilience=FAST)
    with pytest.raises(OrderRequestError):
        await src.lookup(query("1001"))


@pytest.mark.parametrize("kind", KINDS)
async def test_circuit_opens_after_repeated_failures(kind: str, shop: ShopStandIn, http: httpx.AsyncClient) -> None:
    stock(shop)
    src = source(kind, shop, http, Resilience(retries=0, retry_delay_s=0.0, breaker_failures=2, breaker_cooldown_s=300))
    shop.script(kind, status(500), status(500))
    for _ in range(2):
        with pytest.raises(OrderServerError):
            await src.lookup(query(REFS[kind]))
    with pytest.raises(OrderCircuitOpen):
        await src.lookup(query(REFS[kind]))
    assert len(shop.calls(kind)) == 2  # the third lookup did not reach the shop


async def test_unreachable_source_is_a_connect_error(http: httpx.AsyncClient) -> None:
    from seabot.commerce import HttpOrderSource
    from seabot.core.orders import OrderConnectError

    src = HttpOrderSource(http, "http://127.0.0.1:9/seabot/orders", HTTP_SECRET, resilience=FAST)
    with pytest.raises(OrderConnectError):
        await src.lookup(query("1001"))

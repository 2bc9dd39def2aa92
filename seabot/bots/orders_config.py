"""Reading ``[bots.<id>.orders]`` into a typed order-source config, every problem with its key path.

[bots.shop.orders]
kind = "http"            # or "shopify" | "woocommerce"
url = "https://shop.example.com/seabot/orders"
secret = "${SHOP_ORDERS_SECRET}"
timeout_s = 5            # optional, every kind
lookups_per_hour = 5     # optional, every kind: order lookups per customer
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from seabot.bots.schema import Section
from seabot.commerce.settings import HttpOrdersConfig, OrdersConfig, ShopifyOrdersConfig, WooCommerceOrdersConfig

__all__ = ["KINDS", "parse_orders"]

KINDS = ("http", "shopify", "woocommerce")
_SHOP = re.compile(r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")
_API_VERSION = re.compile(r"^(\d{4}-(01|04|07|10)|unstable)$")
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def parse_orders(s: Section) -> OrdersConfig | None:
    """The orders config, or None when it is unusable (the problems are in ``s.problems``)."""
    kind = s.text("kind", required=True)
    timeout_s = s.number("timeout_s", 5.0, positive=True)
    if timeout_s > 30:
        s.problem(f"must be at most 30 seconds (a customer is waiting), got {timeout_s:g}", "timeout_s")
    per_hour = s.number("lookups_per_hour", 5.0, positive=True)
    config: OrdersConfig | None
    if kind == "http":
        config = HttpOrdersConfig(
            url=_url(s, "url", "https://shop.example.com/seabot/orders"),
            secret=_secret(s, "secret", minimum=16),
            timeout_s=timeout_s,
            lookups_per_hour=per_hour,
        )
    elif kind == "shopify":
        shop = s.text("shop", required=True, non_empty=True).strip().lower()
        if shop and not _SHOP.match(shop):
            s.problem(f'must be the shop\'s "name.myshopify.com" domain, got {shop!r}', "shop")
        api_version = s.text("api_version", "2025-01")
        if not _API_VERSION.match(api_version):
            s.problem(f'must be a Shopify API version such as "2025-01", got {api_version!r}', "api_version")
        api_base = _url(s, "api_base", "https://name.myshopify.com", required=False, root_only=True)
        config = ShopifyOrdersConfig(
            shop=shop,
            access_token=_secret(s, "access_token"),
            api_version=api_version,
            api_base=api_base,
            timeout_s=timeout_s,
            lookups_per_hour=per_hour,
        )
    elif kind == "woocommerce":
        config = WooCommerceOrdersConfig(
            base_url=_url(s, "base_url", "https://shop.example.com", root_only=False),
            consumer_key=_secret(s, "consumer_key"),
            consumer_secret=_secret(s, "consumer_secret"),
            timeout_s=timeout_s,
            lookups_per_hour=per_hour,
        )
        if config.consumer_key and not config.consumer_key.startswith("ck_"):
            s.problem('must be a WooCommerce consumer key ("ck_…")', "consumer_key")
        if config.consumer_secret and not config.consumer_secret.startswith("cs_"):
            s.problem('must be a WooCommerce consumer secret ("cs_…")', "consumer_secret")
    else:
        if kind:
            s.problem(f"unknown kind {kind!r}; kinds are {', '.join(KINDS)}", "kind")
        for name in s.names():  # the keys belong to an unknown kind: do not report each as unknown
            s.raw(name)
        config = None
    s.finish()
    return config


def _secret(s: Section, name: str, *, minimum: int = 1) -> str:
    value = s.text(name, required=True, non_empty=True)
    if value.strip() and len(value) < minimum:
        s.problem(f"must be at least {minimum} characters (a shared secret a guess cannot find)", name)
    return value


def _url(s: Section, name: str, example: str, *, required: bool = True, root_only: bool = False) -> str:
    value = s.text(name, required=required, non_empty=required) if required else s.text(name, "")
    value = value.strip().rstrip("/")
    if not value:
        return value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        s.problem(f"must be an http(s) URL such as {example}, got {value!r}", name)
    elif parts.scheme == "http" and parts.hostname not in _LOOPBACK:
        s.problem("must use https (credentials and customer data travel on it); plain http only on loopback", name)
    elif root_only and (parts.path not in ("", "/") or parts.query):
        s.problem(f"must be scheme and host only, such as {example}, got {value!r}", name)
    elif parts.username or parts.password:
        s.problem("must not hold credentials; use the secret keys instead", name)
    return value

"""Connections to the merchant's own systems, the way ``adapters`` connect to messaging platforms.

Each order source implements the core's ``OrderSource`` and turns a vendor's JSON into the
core's ``Order`` records and its errors into the core's ``OrderSourceError`` tree. Every source
takes an injected ``httpx.AsyncClient`` (one per process, opened and closed by the runtime).
"""

from __future__ import annotations

import httpx

from seabot.commerce._transport import Resilience
from seabot.commerce.http import HttpOrderSource, sign
from seabot.commerce.settings import HttpOrdersConfig, OrdersConfig, ShopifyOrdersConfig, WooCommerceOrdersConfig
from seabot.commerce.shopify import ShopifyOrderSource
from seabot.commerce.woocommerce import WooCommerceOrderSource
from seabot.core.orders.source import OrderSource

__all__ = [
    "HttpOrderSource", "ShopifyOrderSource", "WooCommerceOrderSource", "Resilience", "sign",
    "HttpOrdersConfig", "ShopifyOrdersConfig", "WooCommerceOrdersConfig", "OrdersConfig", "build_order_source",
]  # fmt: skip


def build_order_source(config: OrdersConfig, http: httpx.AsyncClient) -> OrderSource:
    """The source a bot's ``[bots.<id>.orders]`` describes."""
    resilience = Resilience(timeout_s=config.timeout_s)
    if isinstance(config, HttpOrdersConfig):
        return HttpOrderSource(http, config.url, config.secret, resilience=resilience)
    if isinstance(config, ShopifyOrdersConfig):
        return ShopifyOrderSource(http, config.shop, config.access_token, api_version=config.api_version,
                                  api_base=config.api_base or None, resilience=resilience)  # fmt: skip
    return WooCommerceOrderSource(http, config.base_url, config.consumer_key, config.consumer_secret,
                                  resilience=resilience)  # fmt: skip

"""Each order source's settings, as the sources take them (filled from config by ``seabot.bots``).

Secrets are kept out of reprs, so a config object can be logged or shown in a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["HttpOrdersConfig", "ShopifyOrdersConfig", "WooCommerceOrdersConfig", "OrdersConfig"]


@dataclass(frozen=True, slots=True)
class HttpOrdersConfig:
    url: str
    secret: str = field(repr=False)
    timeout_s: float = 5.0
    lookups_per_hour: float = 5.0
    kind: str = "http"


@dataclass(frozen=True, slots=True)
class ShopifyOrdersConfig:
    shop: str  # name.myshopify.com
    access_token: str = field(repr=False)
    api_version: str = "2025-01"
    api_base: str = ""  # default https://<shop>
    timeout_s: float = 5.0
    lookups_per_hour: float = 5.0
    kind: str = "shopify"


@dataclass(frozen=True, slots=True)
class WooCommerceOrdersConfig:
    base_url: str  # the WordPress site root, https://shop.example.com
    consumer_key: str = field(repr=False)
    consumer_secret: str = field(repr=False)
    timeout_s: float = 5.0
    lookups_per_hour: float = 5.0
    kind: str = "woocommerce"


OrdersConfig = HttpOrdersConfig | ShopifyOrdersConfig | WooCommerceOrdersConfig

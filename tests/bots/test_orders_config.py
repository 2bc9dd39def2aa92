"""``[bots.<id>.orders]``: each kind read into its typed config, every problem at its key path."""

from __future__ import annotations

from typing import Any

import pytest

from seabot.bots.orders_config import parse_orders
from seabot.bots.schema import Section
from seabot.commerce import HttpOrdersConfig, ShopifyOrdersConfig, WooCommerceOrdersConfig

PATH = "bots.shop.orders"


def parse(table: dict[str, Any]) -> tuple[object, list[str]]:
    problems: list[str] = []
    return parse_orders(Section(table, PATH, problems)), problems


def test_http() -> None:
    config, problems = parse({"kind": "http", "url": "https://shop.example.com/seabot/orders",
                              "secret": "0123456789abcdef0123", "timeout_s": 4})  # fmt: skip
    assert problems == []
    assert config == HttpOrdersConfig(
        url="https://shop.example.com/seabot/orders", secret="0123456789abcdef0123", timeout_s=4.0
    )
    assert "0123456789abcdef" not in repr(config)


def test_shopify() -> None:
    config, problems = parse({"kind": "shopify", "shop": "batik-house.myshopify.com", "access_token": "shpat_abc",
                              "api_version": "2025-04"})  # fmt: skip
    assert problems == []
    assert isinstance(config, ShopifyOrdersConfig) and config.api_version == "2025-04" and config.api_base == ""
    assert "shpat_abc" not in repr(config)


def test_woocommerce() -> None:
    config, problems = parse({"kind": "woocommerce", "base_url": "https://shop.example.co.th/",
                              "consumer_key": "ck_1", "consumer_secret": "cs_2", "lookups_per_hour": 3})  # fmt: skip
    assert problems == []
    assert isinstance(config, WooCommerceOrdersConfig)
    assert (config.base_url, config.lookups_per_hour) == ("https://shop.example.co.th", 3.0)
    assert "cs_2" not in repr(config) and "ck_1" not in repr(config)


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ({}, [f"{PATH}.kind: is required"]),
        (
            {"kind": "magento", "url": "x"},
            [f"{PATH}.kind: unknown kind 'magento'; kinds are http, shopify, woocommerce"],
        ),
        ({"kind": "http", "secret": "0123456789abcdef"}, [f"{PATH}.url: is required"]),
        ({"kind": "http", "url": "http://shop.example.com/o", "secret": "0123456789abcdef"},
         [f"{PATH}.url: must use https (credentials and customer data travel on it); plain http only on loopback"]),
        ({"kind": "http", "url": "https://shop.example.com/o", "secret": "short"},
         [f"{PATH}.secret: must be at least 16 characters (a shared secret a guess cannot find)"]),
        ({"kind": "http", "url": "https://shop.example.com/o", "secret": "0123456789abcdef", "timeout_s": 0},
         [f"{PATH}.timeout_s: must be greater than 0, got 0"]),
        ({"kind": "http", "url": "https://shop.example.com/o", "secret": "0123456789abcdef", "secrt": "x"},
         [f"{PATH}.secrt: unknown key; did you mean 'secret'?"]),
        ({"kind": "shopify", "shop": "batik-house.com", "access_token": "t"},
         [f"{PATH}.shop: must be the shop's \"name.myshopify.com\" domain, got 'batik-house.com'"]),
        ({"kind": "shopify", "shop": "a.myshopify.com"}, [f"{PATH}.access_token: is required"]),
        ({"kind": "shopify", "shop": "a.myshopify.com", "access_token": "t", "api_base": "https://proxy.example.com/x"},
         [f"{PATH}.api_base: must be scheme and host only, such as https://name.myshopify.com, got 'https://proxy.example.com/x'"]),
        ({"kind": "woocommerce", "base_url": "https://s.example.com", "consumer_key": "key", "consumer_secret": "cs_1"},
         [f"{PATH}.consumer_key: must be a WooCommerce consumer key (\"ck_…\")"]),
    ],
)  # fmt: skip
def test_problems_name_their_key(table: dict[str, Any], expected: list[str]) -> None:
    _, problems = parse(table)
    assert problems == expected


def test_loopback_may_use_plain_http() -> None:
    _, problems = parse(
        {"kind": "woocommerce", "base_url": "http://127.0.0.1:8088", "consumer_key": "ck_1", "consumer_secret": "cs_1"}
    )
    assert problems == []

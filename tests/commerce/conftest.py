"""Fixtures for the order sources: the loopback shop and one source of each kind pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from shop_server import ShopStandIn, serve_shop


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def shop_server() -> Iterator[ShopStandIn]:
    with serve_shop() as standin:
        yield standin


@pytest.fixture
def shop(shop_server: ShopStandIn) -> ShopStandIn:
    """The module's stand-in, emptied for each test."""
    with shop_server.lock:
        shop_server.http_orders.clear()
        shop_server.shopify_orders.clear()
        shop_server.woo_orders.clear()
        shop_server.scripts.clear()
        shop_server.requests.clear()
    return shop_server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client

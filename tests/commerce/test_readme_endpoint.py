"""The example order endpoint in the README accepts seabot's signed request, as a merchant copies it."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from http.server import HTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from seabot.commerce import HttpOrderSource
from seabot.core.orders import LookupOutcome, OrderAuthError, OrderQuery, OrderStatus

pytestmark = pytest.mark.anyio
SECRET = "readme-example-secret-0123456789"
README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture
def endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("**The generic order API**") :]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code, "the README lost its example endpoint"
    lines = code.group(1).splitlines()
    assert 25 <= len(lines) <= 40
    body = "\n".join(line for line in lines if "serve_forever" not in line)
    monkeypatch.setenv("SHOP_ORDERS_SECRET", SECRET)
    namespace: dict[str, Any] = {"__name__": "readme_endpoint"}
    exec(compile(body, "README.md", "exec"), namespace)  # our own README
    handler = namespace["Orders"]
    handler.log_message = lambda self, *args: None  # quiet in the test output
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/seabot/orders"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


async def test_readme_endpoint_works_with_seabot(endpoint: str) -> None:
    async with httpx.AsyncClient() as http:
        source = HttpOrderSource(http, endpoint, SECRET)
        mine = await source.lookup(OrderQuery("1001", "line", "U4af4980629", "th"))
        theirs = await source.lookup(OrderQuery("1001", "line", "U-someone-else", "th"))
        assert mine.outcome is LookupOutcome.FOUND and mine.order is not None
        assert mine.order.status is OrderStatus.SHIPPED and mine.order.tracking_number == "TH0123456789A"
        assert theirs.outcome is LookupOutcome.NOT_FOUND
        with pytest.raises(OrderAuthError):
            await HttpOrderSource(http, endpoint, "a-different-secret-0123456789").lookup(
                OrderQuery("1001", "line", "U4af4980629", "th")
            )

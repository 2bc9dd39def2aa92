"""Real loopback servers for the adapter tests: a platform-API stand-in and the seabot app.

``PlatformStandIn`` (from ``tests/harness.py``) plays the Telegram, LINE and WeChat APIs
on one loopback port and records every request. ``SeabotServer`` serves ``bots.server.create_app`` with uvicorn on
another loopback port, built from a config file written into ``tmp_path``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from seabot.bots.channels import ChannelOptions, build_adapters
from seabot.bots.config import AppConfig, load_config
from seabot.bots.runtime import Runtime
from seabot.bots.server import create_app
from tests.harness import WAIT_S, PlatformStandIn, Recorded, ThreadServer, platform_app

__all__ = ["FIXTURES", "LONG_ANSWER", "WAIT_S", "PlatformStandIn", "Recorded", "SeabotServer", "bot_config"]

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "platforms"
# ~9,800 characters of sentences: more than two Telegram messages, one LINE message object
LONG_ANSWER = " ".join(
    f"Return rule number {i} says that items must be unused and in their box." for i in range(1, 141)
)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB 22 warns (an error under our pytest settings) when it builds RetryAfter with the old
    int-seconds API; opt in to the timedelta API it will use in its next major version."""
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.fixture
def platform() -> Iterator[PlatformStandIn]:
    standin = PlatformStandIn()
    server = ThreadServer(platform_app(standin))
    server.start()
    standin.url = server.url
    yield standin
    server.stop()


@dataclass
class SeabotServer:
    url: str
    runtime: Runtime
    config: AppConfig

    def post(self, path: str, body: bytes, headers: dict[str, str] | None = None, **params: str) -> httpx.Response:
        return httpx.post(f"{self.url}{path}", content=body, headers=headers or {}, params=params, timeout=WAIT_S)

    def settle(self, timeout: float = WAIT_S) -> None:
        """Wait until every accepted message has been answered and delivered."""
        deadline = time.monotonic() + timeout
        while self.runtime.store.inbox_depth() > 0:
            if time.monotonic() > deadline:
                raise AssertionError("inbox did not drain")
            time.sleep(0.02)

    def metrics(self) -> str:
        return httpx.get(
            f"{self.url}/metrics", headers={"authorization": "Bearer adapters-metrics"}, timeout=WAIT_S
        ).text


def bot_config(tmp_path: Path, channels: str, *, concurrency: int = 32) -> str:
    return f"""
[server]
concurrency = {concurrency}
coalesce_gap_s = 0  # line by line: answering a customer's lines together has its own tests
metrics_token = "adapters-metrics"
[storage]
path = "{(tmp_path / "seabot.db").as_posix()}"
[bots.shop]
display_name = "Test Shop"
languages = ["en", "th", "zh"]
default_language = "en"
[[bots.shop.faq]]
topic = "shipping"
q.en = ["how long is shipping", "when will my order arrive"]
q.th = ["ส่งกี่วัน"]
q.zh = ["几天发货"]
a.en = "Shipping takes 2-3 days."
a.th = "ส่งภายใน 2-3 วันค่ะ"
a.zh = "亲，2-3天发货哦。"
[[bots.shop.faq]]
topic = "returns"
q.en = ["tell me everything about returns"]
q.th = ["นโยบายคืนสินค้าทั้งหมด"]
q.zh = ["退货政策全部"]
a.en = "{LONG_ANSWER}"
a.th = "คืนได้ภายใน 7 วันค่ะ"
a.zh = "7天无理由退货。"
{channels}
"""


@pytest.fixture
def seabot(tmp_path: Path, platform: PlatformStandIn) -> Iterator[Callable[..., SeabotServer]]:
    """Start seabot with the given channel tables (and optional adapter options)."""
    servers: list[tuple[ThreadServer, Runtime]] = []

    def start(channels: str, options: ChannelOptions = ChannelOptions(), *, concurrency: int = 32) -> SeabotServer:
        path = tmp_path / "config.toml"
        path.write_text(bot_config(tmp_path, channels, concurrency=concurrency), encoding="utf-8")
        config = load_config(path, environ={})
        runtime = Runtime.open(config)
        app = create_app(runtime, build_adapters(runtime, options))
        server = ThreadServer(app, on_shutdown=runtime.aclose)
        server.start()
        servers.append((server, runtime))
        return SeabotServer(server.url, runtime, config)

    yield start
    for server, runtime in servers:
        server.stop()
        runtime.store.close()

"""Real loopback servers for the adapter tests: a platform-API stand-in and the seabot app.

``PlatformStandIn`` plays the Telegram Bot API, the LINE Messaging API and the WeChat
API on one loopback port and records every request; tests queue failures (status codes)
or delays per path. ``SeabotServer`` serves ``bots.server.create_app`` with uvicorn on
another loopback port, built from a config file written into ``tmp_path``.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from seabot.bots.channels import ChannelOptions, build_adapters
from seabot.bots.config import AppConfig, load_config
from seabot.bots.runtime import Runtime
from seabot.bots.server import create_app

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "platforms"
WAIT_S = 30.0
# ~9,800 characters of sentences: more than two Telegram messages, one LINE message object
LONG_ANSWER = " ".join(f"Return rule number {i} says that items must be unused and in their box." for i in range(1, 141))


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB 22 warns (an error under our pytest settings) when it builds RetryAfter with the old
    int-seconds API; opt in to the timedelta API it will use in its next major version."""
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    @property
    def form_or_json(self) -> dict[str, Any]:
        if self.headers.get("content-type", "").startswith("application/json"):
            return dict(self.json or {})
        return dict(httpx.QueryParams(self.body.decode()))


class _ThreadServer:
    """An ASGI app served by uvicorn on 127.0.0.1:<ephemeral> in its own thread and loop."""

    def __init__(self, app: Any) -> None:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        self._sock = sock
        self.server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False, lifespan="on"))
        self._thread = threading.Thread(target=lambda: asyncio.run(self.server.serve(sockets=[sock])), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + WAIT_S
        while not self.server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("loopback server did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(WAIT_S)
        self._sock.close()


@dataclass
class PlatformStandIn:
    requests: list[Recorded] = field(default_factory=list)
    failures: dict[str, list[int]] = field(default_factory=dict)  # path regex -> statuses to answer first
    delays: dict[str, float] = field(default_factory=dict)  # path regex -> seconds before answering
    updates: list[dict[str, Any]] = field(default_factory=list)  # Telegram getUpdates queue
    bot_username: str = "SeabotTestBot"
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    # -- what tests look at -------------------------------------------------------------------

    def calls(self, pattern: str) -> list[Recorded]:
        with self.lock:
            return [r for r in self.requests if re.search(pattern, r.path)]

    def wait_for(self, pattern: str, count: int = 1, timeout: float = WAIT_S) -> list[Recorded]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.calls(pattern)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(f"expected {count} call(s) to {pattern!r}, got {[r.path for r in self.requests]}")

    def fail(self, pattern: str, *statuses: int) -> None:
        self.failures.setdefault(pattern, []).extend(statuses)

    # -- the ASGI side ---------------------------------------------------------------------------

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        path = request.url.path
        with self.lock:
            self.requests.append(Recorded(request.method, path, dict(request.query_params),
                                          {k.lower(): v for k, v in request.headers.items()}, body))  # fmt: skip
            delay = next((s for p, s in self.delays.items() if re.search(p, path)), 0.0)
            status = None
            for pattern, queue in self.failures.items():
                if re.search(pattern, path) and queue:
                    status = queue.pop(0)
                    break
        if delay:
            await asyncio.sleep(delay)
        if status is not None:
            return self._failure(path, status)
        return self._success(path, body, request)

    def _failure(self, path: str, status: int) -> Response:
        if path.startswith("/bot"):
            payload: dict[str, Any] = {"ok": False, "error_code": status, "description": f"stand-in {status}"}
            if status == 429:
                payload["parameters"] = {"retry_after": 1}
            return JSONResponse(payload, status_code=status)
        if path.startswith("/v2/bot"):
            return JSONResponse({"message": "Invalid reply token" if status == 400 else f"stand-in {status}"},
                                status_code=status)  # fmt: skip
        if status < 100:  # WeChat answers errors with HTTP 200 and an errcode
            return JSONResponse({"errcode": {1: 40001, 2: -1, 3: 45015}[status], "errmsg": "stand-in"})
        return JSONResponse({"errcode": -1, "errmsg": "stand-in"}, status_code=status)

    def _success(self, path: str, body: bytes, request: Request) -> Response:
        match = re.match(r"^/bot[^/]+/(\w+)$", path)
        if match:
            return JSONResponse({"ok": True, "result": self._telegram(match.group(1), body, request)})
        if path in ("/v2/bot/message/reply", "/v2/bot/message/push"):
            return JSONResponse({"sentMessages": [{"id": "1", "quoteToken": "q"}]})
        if path == "/cgi-bin/token":
            return JSONResponse({"access_token": "ACCESS_TOKEN_1", "expires_in": 7200})
        if path == "/cgi-bin/message/custom/send":
            return JSONResponse({"errcode": 0, "errmsg": "ok"})
        return JSONResponse({"error": "no such stand-in endpoint"}, status_code=404)

    def _telegram(self, method: str, body: bytes, request: Request) -> Any:
        params = json.loads(body) if body and request.headers.get("content-type", "").startswith("application/json") \
            else dict(httpx.QueryParams(body.decode() if body else ""))  # fmt: skip
        if method == "getMe":
            return {"id": 777000111, "is_bot": True, "first_name": "Seabot", "username": self.bot_username}
        if method == "sendMessage":
            chat_id = int(params["chat_id"])
            return {"message_id": len(self.requests), "date": int(time.time()), "text": params["text"],
                    "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"}}  # fmt: skip
        if method == "getUpdates":
            offset = int(params.get("offset") or 0)
            with self.lock:
                return [u for u in self.updates if u["update_id"] >= offset]
        return True  # sendChatAction, setWebhook, deleteWebhook


def _app_for(standin: PlatformStandIn) -> Starlette:
    return Starlette(routes=[Route("/{path:path}", standin.handle, methods=["GET", "POST"])])


@pytest.fixture
def platform() -> Iterator[PlatformStandIn]:
    standin = PlatformStandIn()
    server = _ThreadServer(_app_for(standin))
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
        return httpx.get(f"{self.url}/metrics", timeout=WAIT_S).text


def bot_config(tmp_path: Path, channels: str, *, concurrency: int = 32) -> str:
    return f"""
[server]
concurrency = {concurrency}
[storage]
path = "{(tmp_path / 'seabot.db').as_posix()}"
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
    servers: list[tuple[_ThreadServer, Runtime]] = []

    def start(channels: str, options: ChannelOptions = ChannelOptions(), *, concurrency: int = 32) -> SeabotServer:
        path = tmp_path / "config.toml"
        path.write_text(bot_config(tmp_path, channels, concurrency=concurrency), encoding="utf-8")
        config = load_config(path, environ={})
        runtime = Runtime.open(config)
        app = create_app(runtime, build_adapters(runtime, options))
        server = _ThreadServer(app)
        server.start()
        servers.append((server, runtime))
        return SeabotServer(server.url, runtime, config)

    yield start
    for server, runtime in servers:
        server.stop()
        runtime.store.close()

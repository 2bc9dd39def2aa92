"""The console on a loopback port beside the webhook server, in one event loop as `seabot
serve` runs them, with the platforms played by a stand-in; accounts made as `seabot users add`
makes them, and an HTTP client that logs in through the form."""

from __future__ import annotations

import asyncio
import re
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import uvicorn

from seabot.bots.channels import build_adapters
from seabot.bots.config import load_config
from seabot.bots.runtime import Runtime
from seabot.bots.server import create_app
from seabot.console import create_console_app
from seabot.console.app import ConsoleOptions
from seabot.console.auth import hash_password
from seabot.console.outbox import OutboxPolicy
from seabot.core.console_store import AccountRole
from seabot.storage.console_sqlite import SqliteConsoleStore
from tests.bots.conftest import (
    LINE_ACCESS_TOKEN,
    LINE_SECRET,
    TELEGRAM_SECRET,
    TELEGRAM_TOKEN,
    WECHAT_AES_KEY,
    WECHAT_APP_ID,
    WECHAT_APP_SECRET,
    WECHAT_TOKEN,
    free_port,
)
from tests.harness import WAIT_S, PlatformStandIn, ThreadServer, platform_app

OTHER_TELEGRAM_TOKEN = "7111111111:AAOtherBotTokenQq1Ww2Ee3Rr4Tt5Yy6"
OTHER_SECRET = "other-webhook-secret-Jk2"
PASSWORD = "correct horse battery"  # every test account's password


def write_console_config(tmp_path: Path, platform_url: str, *, public_url: str = "", llm_url: str = "") -> Path:
    """Two bots: ``shop`` on Telegram, LINE and WeChat, ``other`` on Telegram; every API the stand-in
    (and the LLM, with ``llm_url``: then ``shop`` speaks English and Thai)."""
    llm = ""
    if llm_url:
        llm = f'[llm]\nbase_url = "{llm_url}"\napi_key = "sk-test"\nmax_retries = 1\n' + "".join(
            f'[llm.tiers.{tier}]\nmodel = "{tier}-model"\ninput_usd_per_mtok = 1.0\noutput_usd_per_mtok = 2.0\n'
            for tier in ("fast", "balanced", "premium")
        )
    languages = '["en", "th"]' if llm_url else '["en"]'
    thai = 'q.th = ["ส่งกี่วัน"]\na.th = "จัดส่ง 2-3 วัน"\n' if llm_url else ""
    text = f"""{llm}
[server]
host = "127.0.0.1"
[console]
port = {free_port()}
public_url = "{public_url}"
[storage]
path = "{(tmp_path / "seabot.db").as_posix()}"
[bots.shop]
display_name = "Test Shop"
languages = {languages}
default_language = "en"
[[bots.shop.faq]]
topic = "shipping"
q.en = ["how long is shipping", "when will my order arrive"]
a.en = "Shipping takes 2-3 days."
{thai}[bots.shop.telegram]
token = "{TELEGRAM_TOKEN}"
secret_token = "{TELEGRAM_SECRET}"
api_base = "{platform_url}"
[bots.shop.line]
channel_secret = "{LINE_SECRET}"
access_token = "{LINE_ACCESS_TOKEN}"
api_base = "{platform_url}"
[bots.shop.wechat]
token = "{WECHAT_TOKEN}"
app_id = "{WECHAT_APP_ID}"
app_secret = "{WECHAT_APP_SECRET}"
encoding_aes_key = "{WECHAT_AES_KEY}"
api_base = "{platform_url}"
[bots.other]
display_name = "Other Shop"
languages = ["en"]
default_language = "en"
[bots.other.telegram]
token = "{OTHER_TELEGRAM_TOKEN}"
secret_token = "{OTHER_SECRET}"
api_base = "{platform_url}"
"""
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


class TwoListeners:
    """The webhook app and the console app served by uvicorn in one thread and one loop."""

    def __init__(self, webhooks: object, console: object, runtime: Runtime) -> None:
        self._socks = []
        self.servers = []
        for app in (webhooks, console):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            self._socks.append(sock)
            self.servers.append(uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False, lifespan="on")))
        self.webhook_url, self.console_url = (f"http://127.0.0.1:{s.getsockname()[1]}" for s in self._socks)
        self._runtime = runtime
        self._thread = threading.Thread(target=lambda: asyncio.run(self._serve()), daemon=True)

    async def _serve(self) -> None:
        try:
            await asyncio.gather(
                *(server.serve(sockets=[sock]) for server, sock in zip(self.servers, self._socks, strict=True))
            )
        finally:
            await self._runtime.aclose()

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + WAIT_S
        while not all(server.started for server in self.servers):
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("loopback servers did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        for server in self.servers:
            server.should_exit = True
        self._thread.join(WAIT_S)
        for sock in self._socks:
            sock.close()


@dataclass
class Console:
    tmp_path: Path
    platform: PlatformStandIn
    config_path: Path
    db: Path
    webhook_url: str = ""
    url: str = ""
    runtime: Runtime | None = None
    options: ConsoleOptions = field(default_factory=ConsoleOptions)
    _running: list[TwoListeners] = field(default_factory=list)
    _clients: list[httpx.Client] = field(default_factory=list)

    def start(self) -> Console:
        config = load_config(self.config_path, environ={})
        runtime = Runtime.open(config)
        adapters = build_adapters(runtime)
        listeners = TwoListeners(
            create_app(runtime, adapters), create_console_app(runtime, adapters, self.options), runtime
        )
        listeners.start()
        self._running.append(listeners)
        self.webhook_url, self.url, self.runtime = listeners.webhook_url, listeners.console_url, runtime
        return self

    def stop(self) -> None:
        while self._clients:
            self._clients.pop().close()
        while self._running:
            self._running.pop().stop()

    def add_user(
        self, email: str, role: str, bots: tuple[str, ...] = (), password: str = PASSWORD, lang: str = "en"
    ) -> None:
        store = SqliteConsoleStore.open_sync(self.db)
        try:
            store.add_account_sync(email, AccountRole(role), bots, hash_password(password), now=time.time(), lang=lang)
        finally:
            store.close_sync()

    def client(self) -> httpx.Client:
        client = httpx.Client(base_url=self.url, timeout=WAIT_S, follow_redirects=False)
        self._clients.append(client)
        return client

    def webhook(self, bot: str, route: str, signed: tuple[bytes, dict[str, str], dict[str, str]]) -> httpx.Response:
        body, headers, query = signed
        return httpx.post(f"{self.webhook_url}/webhooks/{bot}/{route}", content=body, headers=headers, params=query,
                          timeout=WAIT_S)  # fmt: skip

    def rows(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        with sqlite3.connect(self.db, timeout=10) as conn:
            return conn.execute(sql, params).fetchall()

    def conversation_id(self, bot: str, channel: str, chat_id: str) -> int:
        found = self.rows("SELECT id FROM conversations WHERE bot_id = ? AND channel = ? AND chat_id = ?",
                          (bot, channel, chat_id))  # fmt: skip
        assert found, f"no conversation {bot}/{channel}/{chat_id}"
        return int(found[0][0])  # type: ignore[call-overload]  # rows() gives objects

    def login(self, email: str, password: str = PASSWORD) -> httpx.Client:
        client = self.client()
        response = login(client, email, password)
        assert response.status_code == 303, response.text
        return client


def login_token(client: httpx.Client) -> str:
    page = client.get("/login")
    match = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert match, page.text
    return match.group(1)


def login(client: httpx.Client, email: str, password: str) -> httpx.Response:
    token = login_token(client)
    return client.post("/login", data={"csrf": token, "email": email, "password": password})


def csrf_of(client: httpx.Client, path: str = "/") -> str:
    page = client.get(path)
    match = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert match, page.text
    return match.group(1)


@pytest.fixture
def platform() -> Iterator[PlatformStandIn]:
    standin = PlatformStandIn()
    server = ThreadServer(platform_app(standin))
    server.start()
    standin.url = server.url
    yield standin
    for gate in standin.gates.values():
        gate.set()
    server.stop()


_FAST = ConsoleOptions(outbox=OutboxPolicy(base_delay_s=0.05, idle_poll_s=0.05))  # retries in tests: soon


@pytest.fixture
def console_factory(
    tmp_path: Path, platform: PlatformStandIn, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., Console]]:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")  # PTB's own deprecation warning is an error here
    made: list[Console] = []

    def make(
        *, public_url: str = "", options: ConsoleOptions | None = None, start: bool = True, llm_url: str = ""
    ) -> Console:
        path = write_console_config(tmp_path, platform.url, public_url=public_url, llm_url=llm_url)
        console = Console(tmp_path, platform, path, tmp_path / "seabot.db",
                          options=options or _FAST)  # fmt: skip
        made.append(console)
        return console.start() if start else console

    yield make
    for console in made:
        console.stop()


@pytest.fixture
def console(console_factory: Callable[..., Console]) -> Console:
    return console_factory()

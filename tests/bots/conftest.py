"""Shared pieces of the resilience, fuzzing and log tests: a platform stand-in, a config with
all three channels pointing at it, correctly signed webhooks, and seabot run as a real
``seabot serve`` process or in this process on a loopback port.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import fromstring
from xml.sax.saxutils import escape

import httpx
import pytest

from seabot.adapters.wechat.verify import Decryptor, sign
from seabot.bots.channels import build_adapters
from seabot.bots.config import load_config
from seabot.bots.runtime import Runtime
from seabot.bots.server import create_app
from tests.harness import WAIT_S, PlatformStandIn, ThreadServer, passive_text, platform_app

# Distinctive secrets: the log tests look for every one of them in the server's output.
TELEGRAM_TOKEN = "8123456789:AAHsecretTelegramTokenZx9Qw7Lk3Vb5"
TELEGRAM_SECRET = "tg-webhook-secret-Hq83Kd0Zp"
LINE_SECRET = "line-channel-secret-4f9e2b7c1a"
LINE_ACCESS_TOKEN = "line-access-token-Jx7Rm2Qp9Wn4"
WECHAT_TOKEN = "wechatTokenMv83Nq"
WECHAT_APP_SECRET = "wechat-app-secret-Tz61Yh4Bc"
WECHAT_AES_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aQ"  # 43 characters
WECHAT_APP_ID = "wx1a2b3c4d5e6f7a8b"
METRICS_TOKEN = "metrics-bearer-Wd72Lx0Pq"
LLM_API_KEY = "sk-test-llm-key-Pq8Zr5Uy2Ew1"  # last: the log tests look it up as SECRETS[-1]
SECRETS = (TELEGRAM_TOKEN, TELEGRAM_SECRET, LINE_SECRET, LINE_ACCESS_TOKEN, WECHAT_TOKEN, WECHAT_APP_SECRET,
           WECHAT_AES_KEY, METRICS_TOKEN, LLM_API_KEY)  # fmt: skip


def write_config(
    tmp_path: Path,
    platform_url: str,
    *,
    concurrency: int = 32,
    max_backlog: int = 10_000,
    llm_base_url: str = "",
    name: str = "config.toml",
) -> Path:
    """A config with one bot on all three channels, every API pointing at the stand-in."""
    llm = ""
    if llm_base_url:
        llm = f'[llm]\nbase_url = "{llm_base_url}"\napi_key = "{LLM_API_KEY}"\nmax_retries = 1\n' + "".join(
            f'[llm.tiers.{tier}]\nmodel = "{tier}-model"\ninput_usd_per_mtok = 0.1\noutput_usd_per_mtok = 0.2\n'
            for tier in ("fast", "balanced", "premium")
        )
    text = f"""
[server]
host = "127.0.0.1"
concurrency = {concurrency}
coalesce_gap_s = 0  # line by line: answering a customer's lines together has its own tests
max_backlog = {max_backlog}
metrics_token = "{METRICS_TOKEN}"
[console]
port = {free_port()}
[storage]
path = "{(tmp_path / "seabot.db").as_posix()}"
{llm}
[bots.shop]
display_name = "Test Shop"
languages = ["en"]
default_language = "en"
[[bots.shop.faq]]
topic = "shipping"
q.en = ["how long is shipping", "when will my order arrive"]
a.en = "Shipping takes 2-3 days."
[bots.shop.telegram]
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
"""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


METRICS_AUTH = {"authorization": f"Bearer {METRICS_TOKEN}"}


# -- correctly signed webhooks ---------------------------------------------------------------------

Signed = tuple[bytes, dict[str, str], dict[str, str]]  # body, headers, query


def line_user(n: int | str) -> str:
    return "U" + hashlib.sha256(str(n).encode()).hexdigest()[:32]


def line_sign(body: bytes, secret: str = LINE_SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def line_webhook(user: str, text: str, event_id: str, *, redelivery: bool = False) -> Signed:
    """One text event; its reply token is ``rt-<event_id>`` so an answer names its message."""
    event = {
        "type": "message", "mode": "active", "timestamp": int(time.time() * 1000),
        "source": {"type": "user", "userId": user}, "webhookEventId": event_id,
        "deliveryContext": {"isRedelivery": redelivery}, "replyToken": f"rt-{event_id}",
        "message": {"id": f"m-{event_id}", "type": "text", "text": text, "quoteToken": "q"},
    }  # fmt: skip
    body = json.dumps({"destination": "U" + "0" * 32, "events": [event]}).encode()
    return body, {"content-type": "application/json", "x-line-signature": line_sign(body)}, {}


def telegram_webhook(update_id: int, chat_id: int, text: str) -> Signed:
    message = {"message_id": update_id, "date": int(time.time()), "text": text,
               "chat": {"id": chat_id, "type": "private", "first_name": "C"},
               "from": {"id": chat_id, "is_bot": False, "first_name": "C"}}  # fmt: skip
    body = json.dumps({"update_id": update_id, "message": message}).encode()
    return body, {"content-type": "application/json", "x-telegram-bot-api-secret-token": TELEGRAM_SECRET}, {}


def wechat_query(nonce: str | None = None, timestamp: str | None = None) -> dict[str, str]:
    """A signed callback query as WeChat sends it: now's timestamp and (unless given) a new nonce."""
    timestamp = timestamp or str(int(time.time()))
    nonce = nonce or secrets.token_hex(8)
    return {"signature": sign(WECHAT_TOKEN, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}


def wechat_encrypted(xml: bytes, nonce: str | None = None) -> Signed:
    """``xml`` as a safe-mode callback (the config's bot has an EncodingAESKey): encrypted, with
    ``msg_signature`` over the ciphertext."""
    query = wechat_query(nonce)
    encrypted = Decryptor(WECHAT_TOKEN, WECHAT_AES_KEY, WECHAT_APP_ID).encrypt(
        xml.decode(), query["nonce"], query["timestamp"]
    )
    encrypt = encrypted.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
    body = f"<xml><ToUserName><![CDATA[gh_shop]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>".encode()
    query.update(encrypt_type="aes", msg_signature=sign(WECHAT_TOKEN, query["timestamp"], query["nonce"], encrypt))
    return body, {"content-type": "text/xml"}, query


def wechat_xml(user: str, text: str, msg_id: int) -> bytes:
    return (f"<xml><ToUserName><![CDATA[gh_shop]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content>{escape(text)}</Content><MsgId>{msg_id}</MsgId></xml>").encode()  # fmt: skip


def wechat_reply_text(body: bytes) -> str:
    """The text of the (encrypted) passive reply a safe-mode webhook answered with."""
    crypto = Decryptor(WECHAT_TOKEN, WECHAT_AES_KEY, WECHAT_APP_ID).crypto
    root = fromstring(body)
    plain = crypto.decrypt_message(body, *(root.findtext(k) for k in ("MsgSignature", "TimeStamp", "Nonce")))
    return passive_text(plain.encode() if isinstance(plain, str) else plain)


def wechat_webhook(user: str, text: str, msg_id: int, nonce: str | None = None) -> Signed:
    """A text message as a signed safe-mode callback."""
    return wechat_encrypted(wechat_xml(user, text, msg_id), nonce)


def post(base: str, route: str, signed: Signed) -> httpx.Response:
    body, headers, query = signed
    return httpx.post(f"{base}/webhooks/shop/{route}", content=body, headers=headers, params=query, timeout=WAIT_S)


# -- waiting and looking at the database -----------------------------------------------------------


def wait_until(condition: Callable[[], object], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def db_rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    """Read the live database from outside the server, as an operator would."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10) as conn:
        return conn.execute(sql).fetchall()


def open_inbox(db: Path) -> int:
    return int(db_rows(db, "SELECT COUNT(*) FROM inbox WHERE status != 'done'")[0][0])


def line_replies(platform: PlatformStandIn) -> list[str]:
    """The event id each LINE reply call answered, in arrival order."""
    return [r.json["replyToken"].removeprefix("rt-") for r in platform.calls(r"/v2/bot/message/reply$")]


# -- servers ---------------------------------------------------------------------------------------


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServeProcess:
    """``seabot serve`` in a child process, its output collected in a file."""

    def __init__(self, config: Path, log: Path, extra_env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self._out = log.open("ab")
        env = {**os.environ, "PTB_TIMEDELTA": "1", **(extra_env or {})}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "seabot.bots.cli", "serve", "--config", str(config), "--port", str(self.port)],
            stdout=self._out, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip

    def wait_healthy(self, timeout: float = 60.0) -> ServeProcess:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"seabot serve exited with {self.proc.returncode}: {self.output()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"seabot serve did not become healthy: {self.output()}")

    def output(self) -> str:
        if not self._out.closed:
            self._out.flush()
        return self.log.read_text(encoding="utf-8", errors="replace")

    def inbox_depth(self) -> int:
        text = httpx.get(f"{self.url}/metrics", headers=METRICS_AUTH, timeout=WAIT_S).text
        match = re.search(r"^seabot_inbox_depth (\d+)", text, re.M)
        assert match, text
        return int(match.group(1))

    def stop(self, timeout: float = 60.0) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            code = self.proc.wait(timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(timeout)
            self._out.close()
        return code

    def kill(self) -> None:
        self.proc.kill()  # SIGKILL: no shutdown code runs
        self.proc.wait(WAIT_S)
        self._out.close()


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., ServeProcess]]:
    """Start ``seabot serve`` on a config; every process started is stopped at the end."""
    started: list[ServeProcess] = []

    def start(config: Path, extra_env: dict[str, str] | None = None) -> ServeProcess:
        process = ServeProcess(config, tmp_path / f"serve-{len(started)}.log", extra_env)
        started.append(process)
        return process.wait_healthy()

    yield start
    for process in started:
        if process.proc.poll() is None:
            process.proc.kill()
            process.proc.wait(WAIT_S)
        if not process._out.closed:
            process._out.close()


@dataclass
class InProcessServer:
    url: str
    runtime: Runtime
    db: Path


@pytest.fixture
def serve_in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., InProcessServer]]:
    """The real app (``create_app`` with its lifespan and worker) on a loopback port in this process."""
    monkeypatch.setenv("PTB_TIMEDELTA", "1")  # PTB's own deprecation warning is an error here
    running: list[tuple[ThreadServer, Runtime]] = []

    def start(config: Path) -> InProcessServer:
        loaded = load_config(config, environ={})
        runtime = Runtime.open(loaded)
        server = ThreadServer(create_app(runtime, build_adapters(runtime)), on_shutdown=runtime.aclose)
        server.start()
        running.append((server, runtime))
        return InProcessServer(server.url, runtime, loaded.storage.path)

    yield start
    for server, runtime in running:
        server.stop()
        runtime.store.close()

"""Property-based fuzzing of the three webhook routes on the real app (``create_app`` over
``httpx.ASGITransport``, a real SQLite file): whatever arrives, never a 5xx, and nothing
is stored from a request that is not correctly signed.

The platform API base points at a closed loopback port, so anything the app tries to send
fails at once instead of reaching a network.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seabot.adapters.telegram import TelegramOptions
from seabot.adapters.wechat import WechatOptions
from seabot.bots.channels import ChannelOptions, build_adapters
from seabot.bots.config import load_config
from seabot.bots.runtime import Runtime
from seabot.bots.server import create_app
from tests.bots.conftest import (
    LINE_SECRET,
    TELEGRAM_SECRET,
    line_sign,
    line_user,
    line_webhook,
    telegram_webhook,
    wechat_encrypted,
    wechat_query,
    wechat_xml,
    write_config,
)

CLOSED_PORT = "http://127.0.0.1:9"  # discard: nothing listens, connections are refused
FUZZ = settings(
    max_examples=80,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
ROUTES = ("telegram", "line", "wechat")
# a failing example is printed whole, however large; Hypothesis warns about that (an error here)
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")
MIB = 1024 * 1024


@dataclass(repr=False)
class App:
    runner: asyncio.Runner
    client: httpx.AsyncClient
    runtime: Runtime

    def request(
        self,
        method: str,
        route: str,
        body: bytes | Iterator[bytes] = b"",
        headers: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
    ) -> httpx.Response:
        content: Any = body if isinstance(body, bytes) else _async(body)
        return self.runner.run(
            self.client.request(
                method, f"/webhooks/shop/{route}", content=content, headers=headers or {}, params=query or {}
            )
        )

    def stored(self) -> dict[str, int]:
        def count(conn: Any) -> dict[str, int]:
            return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                    for t in ("inbox", "messages", "conversations")}  # fmt: skip

        return self.runtime.store._run(count)


async def _async(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    runtime = Runtime.open(load_config(write_config(tmp_path, CLOSED_PORT), environ={}))
    options = ChannelOptions(telegram=TelegramOptions(typing_max_s=0.0), wechat=WechatOptions(passive_window_s=0.0))
    adapters = build_adapters(runtime, options)
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(runtime, adapters)), base_url="http://seabot"
    )
    with asyncio.Runner() as runner:
        yield App(runner, client, runtime)

        async def close() -> None:
            await client.aclose()
            for adapter in adapters.values():
                await adapter.aclose()
            await runtime.aclose()

        runner.run(close())


# -- strategies --------------------------------------------------------------------------------------

header_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=80)
header_names = st.sampled_from(["x-line-signature", "x-telegram-bot-api-secret-token", "content-type",
                                "x-forwarded-for", "content-encoding", "user-agent"]) | st.from_regex(
    r"\Ax-[a-z0-9-]{1,20}\Z")  # fmt: skip
query_keys = st.sampled_from(["signature", "msg_signature", "timestamp", "nonce", "echostr", "encrypt_type",
                              "openid"]) | st.text(min_size=1, max_size=12)  # fmt: skip
query_values = st.sampled_from(["aes", "raw", "", "0"]) | st.text(max_size=60)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
xml_bodies = st.builds(
    lambda tags: ("<xml>" + "".join(f"<{t}>{v}</{t}>" for t, v in tags) + "</xml>").encode(),
    st.lists(st.tuples(st.sampled_from(["ToUserName", "FromUserName", "CreateTime", "MsgType", "Content", "MsgId",
                                        "Event", "Encrypt", "Recognition"]),
                       st.text(st.characters(blacklist_characters="<>&", blacklist_categories=("Cs", "Cc")),
                               max_size=30)),
             max_size=8),
)  # fmt: skip


def valid_bodies(route: str) -> bytes:
    if route == "telegram":
        return telegram_webhook(1, 42, "hello")[0]
    if route == "line":
        return line_webhook(line_user(1), "hello", "E1")[0]
    return wechat_xml("o-user", "hello", 1)


@st.composite
def bodies(draw: st.DrawFn, route: str) -> bytes:
    """Random bytes, random JSON, random WeChat-like XML, or a valid body cut, spliced or flipped."""
    kind = draw(st.sampled_from(["bytes", "json", "xml", "mutated"]))
    if kind == "bytes":
        return draw(st.binary(max_size=600))
    if kind == "json":
        return json.dumps(draw(json_values)).encode()
    if kind == "xml":
        return draw(xml_bodies)
    body = bytearray(valid_bodies(route))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(body)))
        action = draw(st.sampled_from(["cut", "insert", "flip"]))
        if action == "cut":
            del body[at : at + draw(st.integers(1, 20))]
        elif action == "insert":
            body[at:at] = draw(st.binary(min_size=1, max_size=20))
        elif body:
            body[min(at, len(body) - 1)] ^= draw(st.integers(1, 255))
    return bytes(body)


@st.composite
def mutated_json(draw: st.DrawFn, base: Any) -> Any:
    """``base`` with random members replaced by random JSON, dropped, or kept."""
    if isinstance(base, dict):
        out = {}
        for key, value in base.items():
            choice = draw(st.integers(0, 7))
            if choice == 0:
                continue
            out[key] = draw(json_values) if choice == 1 else draw(mutated_json(value))
        if draw(st.integers(0, 5)) == 0:
            out[draw(st.text(max_size=8))] = draw(json_values)
        return out
    if isinstance(base, list):
        return [draw(mutated_json(item)) for item in base]
    return draw(json_values) if draw(st.integers(0, 3)) == 0 else base


def assert_sane(response: httpx.Response) -> None:
    assert response.status_code < 500, (response.status_code, response.text)


# -- unverified requests: never a 5xx, never a stored row ---------------------------------------------


@pytest.mark.parametrize("route", ROUTES)
@FUZZ
@given(data=st.data())
def test_unsigned_or_wrongly_signed_requests_store_nothing(app: App, route: str, data: st.DataObject) -> None:
    method = data.draw(st.sampled_from(["POST", "POST", "GET", "PUT"]))
    body = data.draw(bodies(route))
    headers = data.draw(st.dictionaries(header_names, header_text, max_size=5))
    query = data.draw(st.dictionaries(query_keys, query_values, max_size=6))
    if route == "wechat" and data.draw(st.booleans()):  # a real timestamp and nonce, a wrong signature
        query.update(wechat_query(), signature=data.draw(header_text))
    if route == "line" and body:
        assert headers.get("x-line-signature") != line_sign(body)
    response = app.request(method, route, body, headers, query)
    assert_sane(response)
    if method == "POST":
        assert response.status_code >= 400, response.text
    assert app.stored() == {"inbox": 0, "messages": 0, "conversations": 0}


# -- correctly signed but random or mutated bodies: never a 5xx ----------------------------------------


@FUZZ
@given(update=mutated_json(json.loads(telegram_webhook(7, 42, "hello")[0])) | json_values)
def test_signed_telegram_updates_never_fail_the_server(app: App, update: Any) -> None:
    headers = {"content-type": "application/json", "x-telegram-bot-api-secret-token": TELEGRAM_SECRET}
    assert_sane(app.request("POST", "telegram", json.dumps(update).encode(), headers))


@FUZZ
@given(payload=mutated_json(json.loads(line_webhook(line_user(1), "hello", "E1")[0])) | json_values)
def test_signed_line_bodies_never_fail_the_server(app: App, payload: Any) -> None:
    body = json.dumps(payload).encode()
    assert_sane(app.request("POST", "line", body, {"x-line-signature": line_sign(body)}))


@FUZZ
@given(body=bodies("wechat"), safe_mode=st.booleans())
def test_signed_wechat_bodies_never_fail_the_server(app: App, body: bytes, safe_mode: bool) -> None:
    query = wechat_query()
    if safe_mode:
        try:
            plain = body.decode()
        except UnicodeDecodeError:
            plain = body.decode("latin-1")
        body, _, query = wechat_encrypted(plain.encode())
    # (plaintext callbacks to a safe-mode bot are refused, whatever their body)
    assert_sane(app.request("POST", "wechat", body, {"content-type": "text/xml"}, query))


# -- hostile XML and oversized bodies -------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<xml><ToUserName>gh</ToUserName><FromUserName>o-user</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&lol3;</Content><MsgId>1</MsgId></xml>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><ToUserName>gh</ToUserName><FromUserName>o-user</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&xxe;</Content><MsgId>2</MsgId></xml>"""
DTD_ONLY = b"""<?xml version="1.0"?><!DOCTYPE xml SYSTEM "http://127.0.0.1:9/evil.dtd">
<xml><FromUserName>o-user</FromUserName><MsgType>text</MsgType><Content>hi</Content><MsgId>3</MsgId></xml>"""


@pytest.mark.parametrize("xml", [BILLION_LAUGHS, XXE, DTD_ONLY], ids=["billion-laughs", "xxe", "external-dtd"])
@pytest.mark.parametrize("safe_mode", [False, True], ids=["plain", "safe-mode"])
def test_wechat_xml_with_dtd_or_entities_is_refused_even_when_signed(app: App, xml: bytes, safe_mode: bool) -> None:
    if safe_mode:  # the hostile document inside the encrypted message
        body, _, query = wechat_encrypted(xml)
    else:  # the hostile document as the outer body of a safe-mode callback
        body, query = xml, {**wechat_query(), "encrypt_type": "aes", "msg_signature": "0" * 40}
    response = app.request("POST", "wechat", body, {"content-type": "text/xml"}, query)
    assert response.status_code == 400, response.text
    assert "root:" not in response.text
    assert app.stored() == {"inbox": 0, "messages": 0, "conversations": 0}
    # the same request without the DTD is accepted: it was the DTD that was refused
    signed = wechat_encrypted(wechat_xml("o-user", "hi", 9))
    assert app.request("POST", "wechat", signed[0], {}, signed[2]).status_code == 200


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_bodies_over_1_mib_get_413(app: App, route: str, framing: str) -> None:
    body, headers, query = {
        "telegram": telegram_webhook(3, 42, "x" * (MIB + 1)),
        "line": line_webhook(line_user(1), "x" * (MIB + 1), "BIG"),
        "wechat": (wechat_xml("o-user", "x" * (MIB + 1), 4), {}, wechat_query()),
    }[route]
    if route == "line":
        headers = {**headers, "x-line-signature": line_sign(body, LINE_SECRET)}
    if framing == "content-length":
        response = app.request("POST", route, body, headers, query)
    else:
        chunks = iter([body[i : i + 64 * 1024] for i in range(0, len(body), 64 * 1024)])
        response = app.request("POST", route, chunks, headers, query)
    assert response.status_code == 413, response.text
    assert app.stored() == {"inbox": 0, "messages": 0, "conversations": 0}


def test_a_body_of_exactly_1_mib_is_not_refused_for_its_size(app: App) -> None:
    body, headers, _ = telegram_webhook(5, 42, "")
    padded = body[:-1] + b" " * (MIB - len(body)) + b"}"
    assert len(padded) == MIB
    assert app.request("POST", "telegram", padded, headers).status_code == 200

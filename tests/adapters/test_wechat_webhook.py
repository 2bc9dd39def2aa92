"""WeChat callbacks (plain and safe mode, real samples) posted to the real app; the customer-service
API is a loopback stand-in."""

from __future__ import annotations

import asyncio
import functools
import json
import secrets
import time
from collections.abc import Callable
from typing import Any
from xml.etree.ElementTree import fromstring

import httpx
import pytest
from wechatpy.crypto import WeChatCrypto

from seabot.adapters.delivery import RetryPolicy
from seabot.adapters.telegram import TelegramOptions
from seabot.adapters.wechat import WechatApi, WechatOptions, sign
from seabot.bots.channels import ChannelOptions
from tests.adapters.conftest import FIXTURES, LONG_ANSWER, PlatformStandIn, SeabotServer
from tests.harness import passive_text

WX = FIXTURES / "wechat"


@functools.cache
def sample() -> dict[str, Any]:
    """WeChat's official safe-mode sample (read when a test needs it: ../shared may be absent)."""
    return json.loads((WX / "mp_aes_official_sample.json").read_text(encoding="utf-8"))


FAST = RetryPolicy(attempts=3, base_delay_s=0.01)


def channels(platform: PlatformStandIn, *, aes: bool = False, token: str = "wxtoken", app_id: str = "wxappid") -> str:
    key = f'encoding_aes_key = "{sample()["encoding_aes_key"]}"' if aes else ""
    return f"""
[bots.shop.wechat]
token = "{token}"
app_id = "{app_id}"
app_secret = "wxsecret"
{key}
api_base = "{platform.url}"
"""


@pytest.fixture
def app(seabot: Callable[..., SeabotServer], platform: PlatformStandIn) -> SeabotServer:
    return seabot(channels(platform), ChannelOptions(wechat=WechatOptions(retry=FAST)))


def query(token: str = "wxtoken", timestamp: str | None = None, nonce: str | None = None) -> dict[str, str]:
    """A freshly signed callback query: now's timestamp and a new nonce, as WeChat sends them."""
    timestamp = timestamp or str(int(time.time()))
    nonce = nonce or str(secrets.randbelow(10**10))
    return {"signature": sign(token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}


def sample_time() -> float:
    """When the official safe-mode sample was signed; the tests that replay it set our clock there."""
    return float(sample()["query"]["timestamp"])


def text_xml(text: str, msg_id: int, user: str = "oCustomer1") -> bytes:
    return (f"<xml><ToUserName><![CDATA[gh_shop]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{text}]]></Content><MsgId>{msg_id}</MsgId></xml>").encode()  # fmt: skip


@pytest.mark.shared
def test_url_verification_echoes_echostr(app: SeabotServer) -> None:
    vector = json.loads((WX / "signature_vectors.json").read_text())["vectors"][2]["url_verification"]
    ok = httpx.get(f"{app.url}/webhooks/shop/wechat", params={**query(), "echostr": "shr5ch"})
    assert ok.status_code == 200 and ok.text == "shr5ch"
    bad = httpx.get(f"{app.url}/webhooks/shop/wechat", params={**vector["query"]})  # signed with another token
    assert bad.status_code == 401


@pytest.mark.shared
def test_fast_answer_is_the_passive_reply(app: SeabotServer, platform: PlatformStandIn) -> None:
    response = app.post("/webhooks/shop/wechat", (WX / "msg_text.xml").read_bytes(), **query())
    assert response.status_code == 200
    root = fromstring(response.content)
    assert root.findtext("ToUserName") == "fromUser" and root.findtext("FromUserName") == "toUser"
    assert passive_text(response.content)  # the answer itself, not a placeholder
    app.settle()
    assert platform.calls(r"/cgi-bin/") == []
    # Our response was lost (WeChat only redelivers then): the redelivery carries the same answer.
    again = app.post("/webhooks/shop/wechat", (WX / "msg_text.xml").read_bytes(), **query())
    assert passive_text(again.content) == passive_text(response.content)
    app.settle()
    assert platform.calls(r"/cgi-bin/") == []
    history = app.runtime.store.history("shop", "fromUser")
    assert [m.role for m in history] == ["customer", "bot"]  # answered once


@pytest.mark.shared
def test_voice_with_recognition_is_text_and_media_get_a_note(app: SeabotServer) -> None:
    voice = (b"<xml><ToUserName>gh</ToUserName><FromUserName>oVoice</FromUserName><CreateTime>1</CreateTime>"
             b"<MsgType>voice</MsgType><MediaId>m</MediaId><Format>amr</Format>"
             b"<Recognition>how long is shipping</Recognition><MsgId>99</MsgId></xml>")  # fmt: skip
    assert passive_text(app.post("/webhooks/shop/wechat", voice, **query()).content) == "Shipping takes 2-3 days."
    for number, name in enumerate(("msg_image.xml", "msg_video.xml", "msg_location.xml")):
        # the wechatpy samples share one placeholder MsgId; give each its own
        body = (WX / name).read_bytes().replace(b"1234567890123456", str(700 + number).encode())
        note = passive_text(app.post("/webhooks/shop/wechat", body, **query()).content)
        assert "type it as a message" in note
    greeting = app.post("/webhooks/shop/wechat", (WX / "event_subscribe.xml").read_bytes(), **query())
    assert "welcome" in passive_text(greeting.content).lower()
    click = app.post("/webhooks/shop/wechat", (WX / "event_click.xml").read_bytes(), **query())
    assert click.text == "success"


def test_slow_answer_is_acknowledged_and_sent_by_customer_service_api(
    seabot: Callable[..., SeabotServer], platform: PlatformStandIn
) -> None:
    # One worker, busy with a Telegram answer whose send takes a while: the WeChat answer
    # cannot be ready within the passive window.
    telegram = f'[bots.shop.telegram]\ntoken = "1:T"\nsecret_token = "S"\napi_base = "{platform.url}"\n'
    options = ChannelOptions(wechat=WechatOptions(retry=FAST, passive_window_s=0.5),
                             telegram=TelegramOptions(retry=FAST))  # fmt: skip
    app = seabot(channels(platform) + telegram, options, concurrency=1)
    platform.delays[r"/sendMessage$"] = 2.0
    update = {"update_id": 1, "message": {"message_id": 1, "date": 1, "text": "hi",
              "chat": {"id": 9, "type": "private"}, "from": {"id": 9, "is_bot": False, "first_name": "x"}}}  # fmt: skip
    headers = {"X-Telegram-Bot-Api-Secret-Token": "S"}
    assert app.post("/webhooks/shop/telegram", json.dumps(update).encode(), headers).status_code == 200
    platform.wait_for(r"/sendMessage$")
    response = app.post("/webhooks/shop/wechat", text_xml("how long is shipping", 501), **query())
    assert response.status_code == 200 and response.text == "success"
    redelivered = app.post("/webhooks/shop/wechat", text_xml("how long is shipping", 501), **query())
    assert redelivered.text == "success"
    sent = platform.wait_for(r"/cgi-bin/message/custom/send$")
    assert sent[0].query["access_token"] == "ACCESS_TOKEN_1"
    assert sent[0].json == {"touser": "oCustomer1", "msgtype": "text", "text": {"content": "Shipping takes 2-3 days."}}
    assert "\\u" not in sent[0].body.decode()
    token_calls = platform.calls(r"/cgi-bin/token$")
    assert token_calls[0].query == {"grant_type": "client_credential", "appid": "wxappid", "secret": "wxsecret"}
    app.settle()
    assert len(platform.calls(r"/custom/send$")) == 1
    assert 'seabot_wechat_cs_sends_total{bot="shop"} 1' in app.metrics()
    # A late redelivery of a message answered through the API is only acknowledged.
    late = app.post("/webhooks/shop/wechat", text_xml("how long is shipping", 501), **query())
    assert late.text == "success"
    app.settle()
    assert len(platform.calls(r"/custom/send$")) == 1


def test_stale_token_is_refreshed_and_token_cached(app: SeabotServer, platform: PlatformStandIn) -> None:
    async def run() -> list[str]:
        async with httpx.AsyncClient() as client:
            api = WechatApi(client, platform.url, "wxappid", "wxsecret")
            platform.fail(r"/custom/send$", 1)  # errcode 40001: token invalid
            await api.send_text("oA", "one")
            await api.send_text("oA", "two")
            return [r.json["text"]["content"] for r in platform.calls(r"/custom/send$")]

    assert asyncio.run(run()) == ["one", "one", "two"]
    assert len(platform.calls(r"/cgi-bin/token$")) == 2  # first fetch, one forced refresh; then cached


@pytest.mark.shared
def test_safe_mode_official_sample_decrypts_and_reply_is_encrypted(
    seabot: Callable[..., SeabotServer], platform: PlatformStandIn
) -> None:
    app = seabot(channels(platform, aes=True, token=sample()["token"], app_id=sample()["app_id"]),
                 ChannelOptions(wechat=WechatOptions(retry=FAST, clock=lambda: sample_time())))  # fmt: skip
    safe_only = (WX / "mp_aes_official_request_body_safe_only.xml").read_bytes()
    first = app.post("/webhooks/shop/wechat", safe_only, **sample()["query"])
    assert first.status_code == 200 and fromstring(first.content).findtext("Encrypt")
    # the compat-mode body carries the same message (same MsgId): a redelivery. WeChat only
    # redelivers when our response did not reach it, so the stored answer is said again.
    compat = app.post(
        "/webhooks/shop/wechat", (WX / "mp_aes_official_request_body.xml").read_bytes(), **sample()["query"]
    )
    assert compat.status_code == 200 and fromstring(compat.content).findtext("Encrypt")
    crypto = WeChatCrypto(sample()["token"], sample()["encoding_aes_key"], sample()["app_id"])
    said = [
        passive_text(crypto.decrypt_message(r.content, *(fromstring(r.content).findtext(k) for k in
                                                         ("MsgSignature", "TimeStamp", "Nonce"))).encode())
        for r in (first, compat)
    ]  # fmt: skip
    assert said[0] == said[1] and said[0]
    assert platform.calls(r"/cgi-bin/") == []  # answered once: no customer-service message as well
    history = app.runtime.store.history("shop", "oyORnuP8q7ou2gfYjqLzSIWZf0rs")
    assert [m.text for m in history if m.role == "customer"] == ["abcdteT"]
    # a new encrypted message: the passive reply is encrypted with msg_signature
    q = {**sample()["query"], "nonce": "777", "timestamp": "1409735670"}
    plain = text_xml("how long is shipping", 502, user="oyORnuP8q7ou2gfYjqLzSIWZf0rs").decode()
    encrypted = fromstring(crypto.encrypt_message(plain, q["nonce"], q["timestamp"]))
    encrypt = encrypted.findtext("Encrypt") or ""
    q["msg_signature"] = sign(sample()["token"], q["timestamp"], q["nonce"], encrypt)
    q["signature"] = sign(sample()["token"], q["timestamp"], q["nonce"])
    body = f"<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    response = app.post("/webhooks/shop/wechat", body.encode(), **q)
    answer = fromstring(response.content)
    assert answer.findtext("Encrypt") and answer.findtext("MsgSignature")
    decrypted = crypto.decrypt_message(response.content, answer.findtext("MsgSignature"),
                                       answer.findtext("TimeStamp"), answer.findtext("Nonce"))  # fmt: skip
    assert passive_text(decrypted.encode() if isinstance(decrypted, str) else decrypted) == "Shipping takes 2-3 days."


@pytest.mark.shared
def test_bad_input(
    seabot: Callable[..., SeabotServer], platform: PlatformStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    app = seabot(channels(platform, aes=True, token=sample()["token"], app_id="wx0000000000000000"),
                 ChannelOptions(wechat=WechatOptions(retry=FAST, clock=lambda: sample_time())))  # fmt: skip
    safe = (WX / "mp_aes_official_request_body_safe_only.xml").read_bytes()
    for negative in sample()["negative_cases"]:
        q = {**sample()["query"], **{k: v for k, v in negative.items() if k in ("msg_signature", "nonce")}}
        assert app.post("/webhooks/shop/wechat", safe, **q).status_code == 401, negative["case"]
    body = (WX / "msg_text.xml").read_bytes()
    assert app.post("/webhooks/shop/wechat", body).status_code == 401  # no signature
    stamp = str(int(sample_time()))
    assert (
        app.post(
            "/webhooks/shop/wechat", body, **{**query(sample()["token"], stamp), "signature": "0" * 40}
        ).status_code
        == 401
    )
    # safe mode takes only encrypted messages: a correctly signed plaintext one is refused
    assert app.post("/webhooks/shop/wechat", body, **query(sample()["token"], stamp)).status_code == 401
    good = {**query(sample()["token"], stamp), "encrypt_type": "aes", "msg_signature": "0" * 40}
    assert app.post("/webhooks/shop/wechat", b"<xml><oops", **good).status_code == 400
    bomb = (b'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            b"<xml><ToUserName>t</ToUserName><FromUserName>f</FromUserName><CreateTime>1</CreateTime>"
            b"<MsgType>text</MsgType><Content>&b;</Content><MsgId>1</MsgId></xml>")  # fmt: skip
    assert app.post("/webhooks/shop/wechat", bomb, **good).status_code == 400
    assert app.post("/webhooks/shop/wechat", b"<notxml/>", **good).status_code == 400
    assert "this is a test" not in caplog.text and "abcdteT" not in caplog.text
    assert app.runtime.store.inbox_depth() == 0
    assert app.runtime.store.history("shop", "fromUser") == []


def test_long_passive_answer_sends_the_rest_through_customer_service(
    app: SeabotServer, platform: PlatformStandIn
) -> None:
    response = app.post("/webhooks/shop/wechat", text_xml("tell me everything about returns", 601), **query())
    first = passive_text(response.content)
    assert 0 < len(first.encode("utf-8")) <= 2048
    rest = [r.json["text"]["content"] for r in platform.wait_for(r"/custom/send$", 4)]
    assert all(len(part.encode("utf-8")) <= 2048 for part in rest)
    assert " ".join([first, *rest]) == LONG_ANSWER


def test_a_callback_is_good_for_minutes_and_its_nonce_for_one_message(
    app: SeabotServer, platform: PlatformStandIn
) -> None:
    old = query(timestamp="1000000000")  # 2001, correctly signed
    assert app.post("/webhooks/shop/wechat", text_xml("hello from 2001", 801), **old).status_code == 401
    assert httpx.get(f"{app.url}/webhooks/shop/wechat", params={**old, "echostr": "x"}).status_code == 401
    future = query(timestamp=str(int(time.time()) + 3600))
    assert app.post("/webhooks/shop/wechat", text_xml("hello from the future", 802), **future).status_code == 401
    signed = query()
    body = text_xml("how long is shipping", 803)  # one message, delivered twice byte for byte
    first = app.post("/webhooks/shop/wechat", body, **signed)
    assert first.status_code == 200 and passive_text(first.content)
    # WeChat redelivering that very message with the same query is fine (answered once) ...
    again = app.post("/webhooks/shop/wechat", body, **signed)
    assert again.status_code == 200 and passive_text(again.content) == passive_text(first.content)
    # ... but the same signed query carrying another message is a forgery.
    forged = app.post("/webhooks/shop/wechat", text_xml("refund me USD 500", 804, user="oVictim"), **signed)
    assert forged.status_code == 401
    app.settle()
    customers = [m.text for m in app.runtime.store.history("shop", "oCustomer1") if m.role == "customer"]
    assert customers == ["how long is shipping"]
    assert app.runtime.store.history("shop", "oVictim") == []

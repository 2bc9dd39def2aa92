"""A customer's lines answered together, through the real app and adapters: a LINE burst gets
one reply on the newest reply token; a WeChat message still gets its passive reply, whose
window the gap must not eat."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from xml.etree.ElementTree import fromstring

import pytest

from seabot.adapters.line import simulate as line_sim
from seabot.adapters.settings import LineConfig
from seabot.adapters.wechat import sign
from seabot.bots.channels import build_adapters
from seabot.bots.config import load_config
from seabot.bots.runtime import Runtime
from seabot.bots.server import create_app
from tests.adapters.conftest import PlatformStandIn, SeabotServer, bot_config
from tests.harness import ThreadServer


@pytest.fixture
def serve(tmp_path: Path, platform: PlatformStandIn) -> Iterator[Callable[[float], SeabotServer]]:
    started: list[tuple[ThreadServer, Runtime]] = []

    def start(gap_s: float) -> SeabotServer:
        channels = f"""
[bots.shop.line]
channel_secret = "channel_secret"
access_token = "line-access-token"
api_base = "{platform.url}"
[bots.shop.wechat]
token = "wxtoken"
app_id = "wxappid"
app_secret = "wxsecret"
api_base = "{platform.url}"
"""
        text = bot_config(tmp_path, channels).replace("coalesce_gap_s = 0", f"coalesce_gap_s = {gap_s}", 1)
        path = tmp_path / "config.toml"
        path.write_text(text, encoding="utf-8")
        config = load_config(path, environ={})
        assert config.server.coalesce_gap_s == gap_s
        runtime = Runtime.open(config)
        server = ThreadServer(create_app(runtime, build_adapters(runtime)), on_shutdown=runtime.aclose)
        server.start()
        started.append((server, runtime))
        return SeabotServer(server.url, runtime, config)

    yield start
    for server, runtime in started:
        server.stop()
        runtime.store.close()


def test_a_line_burst_gets_one_reply_on_the_newest_token(
    serve: Callable[[float], SeabotServer], platform: PlatformStandIn
) -> None:
    app = serve(0.3)
    hooks = [line_sim.webhook(LineConfig("channel_secret", "x"), "burst-customer", text)
             for text in ("hi", "I want to ask", "how long is shipping")]  # fmt: skip
    for hook in hooks:  # each acknowledged at once: nothing waits for the gap
        assert app.post("/webhooks/shop/line", hook.body, dict(hook.headers)).status_code == 200
    app.settle()
    replies = platform.calls(r"/v2/bot/message/reply$")
    newest = json.loads(hooks[-1].body)["events"][0]["replyToken"]
    assert [r.form_or_json["replyToken"] for r in replies] == [newest]
    history = app.runtime.store.history("shop", line_sim.user_id("burst-customer"))
    customer = [m.text for m in history if m.role == "customer"]
    assert customer == ["hi\nI want to ask\nhow long is shipping"]


def test_a_wechat_message_gets_its_passive_reply_however_long_the_gap(
    serve: Callable[[float], SeabotServer], platform: PlatformStandIn
) -> None:
    app = serve(10)  # far longer than WeChat's 5 s: held for it, the answer could only go by API
    timestamp, nonce = str(int(time.time())), "12345"
    body = ("<xml><ToUserName><![CDATA[gh_shop]]></ToUserName><FromUserName><![CDATA[oCustomer1]]></FromUserName>"
            f"<CreateTime>{timestamp}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            "<Content><![CDATA[how long is shipping]]></Content><MsgId>4242</MsgId></xml>").encode()  # fmt: skip
    response = app.post("/webhooks/shop/wechat", body, signature=sign("wxtoken", timestamp, nonce),
                        timestamp=timestamp, nonce=nonce)  # fmt: skip
    assert response.status_code == 200
    assert fromstring(response.content).findtext("Content") == "Shipping takes 2-3 days."
    app.settle()
    assert platform.calls(r"/cgi-bin/message/custom/send") == []

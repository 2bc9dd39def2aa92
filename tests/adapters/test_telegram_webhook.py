"""Telegram webhooks posted to the real app; replies land on the loopback Bot API stand-in."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from seabot.bots.channels import ChannelOptions
from tests.adapters.conftest import FIXTURES, PlatformStandIn, SeabotServer

TG = FIXTURES / "telegram"
SECRET = "SecretToken"
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}


def channels(platform: PlatformStandIn) -> str:
    return f"""
[bots.shop.telegram]
token = "777000111:TEST-token"
secret_token = "{SECRET}"
api_base = "{platform.url}"
"""


@pytest.fixture
def app(seabot: Callable[..., SeabotServer], platform: PlatformStandIn) -> SeabotServer:
    return seabot(channels(platform))


def post(app: SeabotServer, body: bytes, headers: dict[str, str] = HEADERS) -> int:
    return app.post("/webhooks/shop/telegram", body, headers).status_code


def test_private_text_is_answered_with_typing_first(app: SeabotServer, platform: PlatformStandIn) -> None:
    assert post(app, (TG / "tlx_private_text.json").read_bytes()) == 200
    sent = platform.wait_for(r"/sendMessage$")[0].form_or_json
    assert sent["chat_id"] in (218485655, "218485655")
    assert "Test Shop" in sent["text"] or sent["text"]
    actions = platform.calls(r"/sendChatAction$")
    assert actions and actions[0].form_or_json["action"] == "typing"
    assert platform.requests.index(actions[0]) < platform.requests.index(platform.calls(r"/sendMessage$")[0])
    assert platform.calls(r"/sendMessage$")[0].path == "/bot777000111:TEST-token/sendMessage"

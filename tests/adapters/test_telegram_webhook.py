"""Telegram webhooks posted to the real app; replies land on the loopback Bot API stand-in."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import httpx
import pytest

from seabot.adapters.telegram import TelegramAdapter, TelegramOptions
from seabot.adapters.telegram.adapter import parts_sent_key
from seabot.bots.channels import ChannelOptions
from seabot.core.messages import Reply
from tests.adapters.conftest import FIXTURES, PlatformStandIn, SeabotServer
from tests.llm_server import serve_fake_llm, stall

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


@pytest.mark.shared
def test_a_quick_answer_goes_out_without_a_typing_action(app: SeabotServer, platform: PlatformStandIn) -> None:
    assert post(app, (TG / "tlx_private_text.json").read_bytes()) == 200
    sent = platform.wait_for(r"/sendMessage$")[0].form_or_json
    assert sent["chat_id"] in (218485655, "218485655")
    assert sent["text"].strip()
    app.settle()
    assert platform.calls(r"/sendChatAction$") == []  # the offline answer took well under 0.5 s


@pytest.mark.shared
def test_a_slow_answer_shows_typing_before_it(seabot: Callable[..., SeabotServer], platform: PlatformStandIn) -> None:
    with serve_fake_llm() as llm:
        llm.always("m", stall(1.0))  # the model takes a second, then answers
        llm_table = f"""
[llm]
base_url = "{llm.base_url}"
api_key = "sk-test"
max_retries = 0
timeout_s = 5
[llm.tiers.fast]
model = "m"
[llm.tiers.balanced]
model = "m"
[llm.tiers.premium]
model = "m"
"""
        options = ChannelOptions(telegram=TelegramOptions(typing_delay_s=0.1))
        app = seabot(channels(platform) + llm_table, options)
        assert post(app, (TG / "tlx_private_text.json").read_bytes()) == 200
        platform.wait_for(r"/sendMessage$")
    paths = [call.path for call in platform.calls(r"/(sendChatAction|sendMessage)$")]
    assert paths[0].endswith("/sendChatAction") and paths[-1].endswith("/sendMessage")
    assert platform.calls(r"/sendChatAction$")[0].form_or_json["action"] == "typing"


@pytest.mark.shared
def test_bad_secret_missing_secret_malformed_body_unknown_bot_and_too_large(
    app: SeabotServer, platform: PlatformStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    body = (TG / "tlx_private_text.json").read_bytes()
    assert post(app, body, {"Content-Type": "application/json"}) == 401
    assert post(app, body, {**HEADERS, "X-Telegram-Bot-Api-Secret-Token": "NotTheSecretToken"}) == 401
    assert post(app, b"{not json", HEADERS) == 400
    assert post(app, b"[1, 2]", HEADERS) == 400
    assert post(app, (TG / "doc_message_text_start_private.json").read_bytes(), HEADERS) == 400  # PTB rejects
    assert app.post("/webhooks/nobody/telegram", body, HEADERS).status_code == 404
    assert app.post("/webhooks/shop/line", body, HEADERS).status_code == 404
    assert app.post("/webhooks/shop/telegram", b"x" * (1024 * 1024 + 1), HEADERS).status_code == 413
    assert "hello there" not in caplog.text
    assert app.runtime.store.inbox_depth() == 0
    assert app.runtime.store.history("shop", "218485655") == []
    assert platform.calls(r"/sendMessage$") == []


@pytest.mark.shared
def test_redelivered_update_is_answered_once(app: SeabotServer, platform: PlatformStandIn) -> None:
    body = (TG / "tlx_private_text.json").read_bytes()
    assert post(app, body) == 200
    platform.wait_for(r"/sendMessage$")
    assert post(app, body) == 200
    assert post(app, body) == 200
    customer = [m for m in app.runtime.store.history("shop", "218485655") if m.role == "customer"]
    assert len(customer) == 1
    assert len(platform.calls(r"/sendMessage$")) == 1
    assert 'seabot_inbound_total{channel="telegram",outcome="duplicate"} 2' in app.metrics()


@pytest.mark.shared
def test_edited_unknown_and_service_updates_are_acknowledged_and_ignored(
    app: SeabotServer, platform: PlatformStandIn
) -> None:
    for name in ("docnorm_edited_message.json", "tlx_unknown_update_kind.json", "tlx_group_migrate_to_supergroup.json",
                 "docnorm_inline_query.json", "tlx_my_chat_member_private_kicked.json"):  # fmt: skip
        assert post(app, (TG / name).read_bytes()) == 200, name
    assert app.runtime.store.inbox_depth() == 0
    assert platform.calls(r"/sendMessage$") == []


@pytest.mark.shared
def test_start_and_help_get_the_greeting_and_media_a_kind_note(app: SeabotServer, platform: PlatformStandIn) -> None:
    assert post(app, (TG / "composed_private_start_deeplink.json").read_bytes()) == 200
    greeting = platform.wait_for(r"/sendMessage$")[0].form_or_json["text"]
    assert "welcome" in greeting.lower() and "Test Shop" in greeting
    assert post(app, (TG / "tlx_private_sticker.json").read_bytes()) == 200
    note = platform.wait_for(r"/sendMessage$", 2)[1].form_or_json["text"]
    assert "type" in note.lower()  # "just type it as a message"


@pytest.mark.shared
def test_group_answers_only_when_addressed(app: SeabotServer, platform: PlatformStandIn) -> None:
    assert post(app, (TG / "composed_group_text.json").read_bytes()) == 200  # not addressed
    assert post(app, (TG / "tlx_supergroup_dice.json").read_bytes()) == 200  # not addressed
    assert post(app, (TG / "composed_group_command_with_botname.json").read_bytes()) == 200
    sent = platform.wait_for(r"/sendMessage$")[0].form_or_json
    assert int(sent["chat_id"]) == -599075523
    reply_parameters = sent["reply_parameters"]
    reply_parameters = json.loads(reply_parameters) if isinstance(reply_parameters, str) else reply_parameters
    assert reply_parameters["message_id"] > 0
    mention = json.loads((TG / "composed_group_text.json").read_text())
    mention["update_id"] += 100
    mention["message"]["message_id"] += 100
    mention["message"]["text"] = "@SeabotTestBot how long is shipping"
    mention["message"]["entities"] = [{"type": "mention", "offset": 0, "length": 14}]
    assert post(app, json.dumps(mention).encode()) == 200
    answers = platform.wait_for(r"/sendMessage$", 2)
    assert answers[1].form_or_json["text"] == "Shipping takes 2-3 days."
    assert len(platform.calls(r"/sendMessage$")) == 2
    assert len(platform.calls(r"/getMe$")) == 1  # the username is asked once


def private_update(update_id: int, text: str, chat_id: int = 5550001) -> bytes:
    return json.dumps({
        "update_id": update_id,
        "message": {"message_id": update_id, "date": 1700000000, "text": text,
                    "chat": {"id": chat_id, "type": "private", "first_name": "A"},
                    "from": {"id": chat_id, "is_bot": False, "first_name": "A", "language_code": "en"}},
    }).encode()  # fmt: skip


def test_long_answer_is_split_within_4096_on_sentence_boundaries(app: SeabotServer, platform: PlatformStandIn) -> None:
    assert post(app, private_update(42, "tell me everything about returns")) == 200
    parts = [r.form_or_json["text"] for r in platform.wait_for(r"/sendMessage$", 3)]
    assert len(parts) == 3
    assert all(len(p) <= 4096 and p.endswith("box.") for p in parts)
    assert " ".join(parts) == app.runtime.store.history("shop", "5550001")[-1].text


def test_a_long_answer_resumes_after_the_parts_already_sent(app: SeabotServer, platform: PlatformStandIn) -> None:
    # as a process leaves it when it dies after the first of three parts went out
    app.runtime.store.put_setting(parts_sent_key("shop", "43"), "1")
    assert post(app, private_update(43, "tell me everything about returns")) == 200
    app.settle()
    parts = [r.form_or_json["text"] for r in platform.calls(r"/sendMessage$")]
    full = app.runtime.store.history("shop", "5550001")[-1].text
    assert len(parts) == 2 and not full.startswith(parts[0]) and full.endswith(parts[-1])
    assert app.runtime.store.get_setting(parts_sent_key("shop", "43")) == "3"


def test_a_delivered_long_answer_is_not_sent_again_by_a_retry(app: SeabotServer, platform: PlatformStandIn) -> None:
    assert post(app, private_update(44, "tell me everything about returns")) == 200
    app.settle()
    assert len(platform.calls(r"/sendMessage$")) == 3
    # the worker retries an answered item whose done mark was lost (a crash right after the send)
    reply = Reply("shop", "telegram", "5550001", "5550001", app.runtime.store.history("shop", "5550001")[-1].text,
                  "en", "44")  # fmt: skip

    async def deliver_again() -> None:
        async with httpx.AsyncClient() as client:
            config = app.config.bots["shop"].channels["telegram"]
            adapter = TelegramAdapter("shop", config, client, app.runtime.metrics, progress=app.runtime.store)
            await adapter.deliver(reply)

    asyncio.run(deliver_again())
    assert len(platform.calls(r"/sendMessage$")) == 3


def test_platform_failures_are_retried_and_counted(
    seabot: Callable[..., SeabotServer], platform: PlatformStandIn
) -> None:
    from seabot.adapters.delivery import RetryPolicy

    fast = ChannelOptions(telegram=TelegramOptions(retry=RetryPolicy(attempts=4, base_delay_s=0.01)))
    app = seabot(channels(platform), fast)
    platform.fail(r"/sendMessage$", 500, 429, 502)
    assert post(app, private_update(7, "how long is shipping")) == 200
    sent = platform.wait_for(r"/sendMessage$", 4)
    assert [r.form_or_json["text"] for r in sent] == ["Shipping takes 2-3 days."] * 4
    metrics = app.metrics()
    assert 'seabot_platform_send_failures_total{channel="telegram",reason="server_error"} 2' in metrics
    assert 'seabot_platform_send_failures_total{channel="telegram",reason="rate_limited"} 1' in metrics
    assert 'seabot_platform_429_total{channel="telegram"} 1' in metrics


def test_send_that_keeps_failing_leaves_the_answer_in_history(
    seabot: Callable[..., SeabotServer], platform: PlatformStandIn
) -> None:
    from seabot.adapters.delivery import RetryPolicy

    fast = ChannelOptions(telegram=TelegramOptions(retry=RetryPolicy(attempts=2, base_delay_s=0.01)))
    app = seabot(channels(platform), fast)
    platform.fail(r"/sendMessage$", 503, 503)
    assert post(app, private_update(8, "how long is shipping")) == 200
    platform.wait_for(r"/sendMessage$", 3)  # two failed tries, then the inbox worker tries again
    history = app.runtime.store.history("shop", "5550001")
    assert [m.text for m in history if m.role == "bot"] == ["Shipping takes 2-3 days."]

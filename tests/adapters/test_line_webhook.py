"""LINE webhooks (real SDK payloads and signatures) posted to the real app; replies land on a loopback stand-in."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from seabot.adapters.delivery import RetryPolicy
from seabot.adapters.line import LineOptions, push_counter_name
from seabot.bots.channels import ChannelOptions
from seabot.core.messages import InboundMessage, Reply
from seabot.storage import SqliteStore
from tests.adapters.conftest import FIXTURES, LONG_ANSWER, PlatformStandIn, SeabotServer

LINE = FIXTURES / "line"


@functools.cache
def expected() -> dict[str, dict[str, object]]:
    """The fixtures' expected signatures (read when a test needs them: ../shared may be absent)."""
    return json.loads((LINE / "expected.json").read_text(encoding="utf-8"))["files"]


FAST = RetryPolicy(attempts=3, base_delay_s=0.01)


def channels(platform: PlatformStandIn) -> str:
    return f"""
[bots.shop.line]
channel_secret = "channel_secret"
access_token = "line-access-token"
api_base = "{platform.url}"
"""


@pytest.fixture
def app(seabot: Callable[..., SeabotServer], platform: PlatformStandIn) -> SeabotServer:
    return seabot(channels(platform), ChannelOptions(line=LineOptions(retry=FAST)))


def sign(body: bytes) -> str:
    return base64.b64encode(hmac.new(b"channel_secret", body, hashlib.sha256).digest()).decode()


def post_file(app: SeabotServer, name: str) -> int:
    body = (LINE / name).read_bytes()
    return app.post("/webhooks/shop/line", body, {"X-Line-Signature": expected()[name]["x_line_signature"]}).status_code


SAMPLE_REPLY_TOKEN = b"nHuyWiB7yP5Zw52FIkcQobQuGDXCTA"  # every line-bot-sdk sample event carries this one


def post_file_with_own_token(app: SeabotServer, name: str) -> int:
    """A sample event with a reply token of its own (LINE's tokens work once), signed again."""
    body = (LINE / name).read_bytes().replace(SAMPLE_REPLY_TOKEN, f"token-{name}".encode())
    return app.post("/webhooks/shop/line", body, {"X-Line-Signature": sign(body)}).status_code


def post(app: SeabotServer, payload: dict[str, object]) -> int:
    body = json.dumps(payload, ensure_ascii=False).encode()
    return app.post("/webhooks/shop/line", body, {"X-Line-Signature": sign(body)}).status_code


def text_event(
    event_id: str, text: str, *, source: dict[str, str] | None = None, **message: object
) -> dict[str, object]:
    return {"destination": "U123", "events": [{
        "type": "message", "mode": "active", "timestamp": 1700000000000, "webhookEventId": event_id,
        "deliveryContext": {"isRedelivery": False}, "replyToken": f"token-{event_id}",
        "source": source or {"type": "user", "userId": "Ucustomer1"},
        "message": {"id": f"m-{event_id}", "type": "text", "text": text, "quoteToken": "q", **message},
    }]}  # fmt: skip


@pytest.mark.shared
def test_text_gets_one_free_reply_with_the_reply_token(app: SeabotServer, platform: PlatformStandIn) -> None:
    assert post_file(app, "event_message_text_user.json") == 200
    call = platform.wait_for(r"/v2/bot/message/reply$")[0]
    assert call.headers["authorization"] == "Bearer line-access-token"
    assert call.json["replyToken"] == "nHuyWiB7yP5Zw52FIkcQobQuGDXCTA"
    assert len(call.json["messages"]) == 1 and call.json["messages"][0]["type"] == "text"
    assert platform.calls(r"/push$") == []


@pytest.mark.shared
def test_text_without_quote_token_still_parses(app: SeabotServer, platform: PlatformStandIn) -> None:
    assert post_file(app, "body_without_destination.json") == 200  # text + sticker, SDK gives UnknownEvent
    calls = platform.wait_for(r"/v2/bot/message/reply$", 2)
    assert {c.json["replyToken"] for c in calls} == {"0" * 32, "f" * 32}


@pytest.mark.shared
def test_every_event_of_a_batch_is_handled(app: SeabotServer, platform: PlatformStandIn) -> None:
    assert post_file(app, "sdk_v3_webhook_all_events.json") == 200
    app.settle()
    history = app.runtime.store.history("shop", "U206d25c2ea6bd87c17655609a1c37cb8")
    customer_texts = [m.text for m in history if m.role == "customer"]
    assert "Hello, world" in customer_texts and "[follow]" in customer_texts


@pytest.mark.shared
def test_kinds_follow_and_ignored_events(app: SeabotServer, platform: PlatformStandIn) -> None:
    for name in ("event_follow.json", "event_message_sticker_user.json", "event_message_location_user.json",
                 "event_message_image_user_imageset.json", "event_unfollow.json", "event_leave_group.json",
                 "event_unknown_type.json", "event_message_edited.json", "event_member_joined_group.json"):  # fmt: skip
        assert post_file_with_own_token(app, name) == 200, name
    app.settle()
    calls = platform.wait_for(r"/v2/bot/message/reply$", 4)
    texts = [c.json["messages"][0]["text"] for c in calls]
    assert any("welcome" in t.lower() for t in texts)
    assert sum("type it as a message" in t for t in texts) == 3
    assert len(platform.calls(r"/v2/bot/message/")) == 4


@pytest.mark.shared
def test_group_and_room_answer_only_when_mentioned(app: SeabotServer, platform: PlatformStandIn) -> None:
    assert post_file(app, "event_message_text_group.json") == 200
    assert post_file(app, "event_message_text_room.json") == 200
    assert post_file(app, "event_message_image_room_no_user.json") == 200
    assert post_file(app, "event_join_group.json") == 200  # added to a group: greet it
    greet = platform.wait_for(r"/v2/bot/message/reply$")[0]
    assert "welcome" in greet.json["messages"][0]["text"].lower()
    mention = {"mentionees": [{"index": 0, "length": 5, "type": "user", "userId": "Ubot", "isSelf": True}]}
    group = {"type": "group", "groupId": "Cgroup1", "userId": "Umember"}
    assert post(app, text_event("e-mention", "@shop how long is shipping", source=group, mention=mention)) == 200
    calls = platform.wait_for(r"/v2/bot/message/reply$", 2)
    assert calls[1].json["messages"][0]["text"] == "Shipping takes 2-3 days."
    assert len(platform.calls(r"/v2/bot/message/")) == 2
    groups = {m.chat_id for m in app.runtime.store.history("shop", "Umember")}
    assert groups == {"Cgroup1"}  # the conversation is the group, not the message


def test_group_answers_a_reply_to_the_bots_own_message_only(app: SeabotServer, platform: PlatformStandIn) -> None:
    group = {"type": "group", "groupId": "Cgroup2", "userId": "Umember"}
    mention = {"mentionees": [{"index": 0, "length": 5, "type": "user", "userId": "Ubot", "isSelf": True}]}
    assert post(app, text_event("e-1", "@shop how long is shipping", source=group, mention=mention)) == 200
    platform.wait_for(r"/v2/bot/message/reply$")  # the stand-in gives the bot's message the id "1"
    app.settle()
    assert post(app, text_event("e-2", "how long is shipping", source=group, quotedMessageId="m-someone")) == 200
    assert post(app, text_event("e-3", "how long is shipping", source=group, quotedMessageId="1")) == 200
    calls = platform.wait_for(r"/v2/bot/message/reply$", 2)
    app.settle()
    assert [c.json["replyToken"] for c in platform.calls(r"/v2/bot/message/reply$")] == ["token-e-1", "token-e-3"]
    assert calls[1].json["messages"][0]["text"] == "Shipping takes 2-3 days."


@pytest.mark.shared
def test_redelivery_is_answered_once(app: SeabotServer, platform: PlatformStandIn) -> None:
    assert post_file(app, "event_message_text_user.json") == 200
    platform.wait_for(r"/v2/bot/message/reply$")
    redelivered = json.loads((LINE / "event_message_text_user.json").read_text())
    redelivered["events"][0]["deliveryContext"]["isRedelivery"] = True
    assert post(app, redelivered) == 200
    assert post_file(app, "event_message_text_user.json") == 200
    assert len(platform.calls(r"/v2/bot/message/")) == 1


@pytest.mark.shared
def test_bad_signatures_and_bodies(
    app: SeabotServer, platform: PlatformStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    vectors = json.loads((LINE / "signatures.json").read_text())["vectors"]
    for vector in vectors:
        status = app.post(
            "/webhooks/shop/line", vector["body"].encode(), {"X-Line-Signature": vector["x_line_signature"]}
        )
        assert status.status_code == (200 if vector["valid"] and vector["body"].startswith("{") else
                                      400 if vector["valid"] else 401), vector["name"]  # fmt: skip
    body = (LINE / "event_message_text_user.json").read_bytes()
    assert app.post("/webhooks/shop/line", body).status_code == 401
    assert (
        app.post(
            "/webhooks/shop/line",
            body + b" ",
            {"X-Line-Signature": expected()["event_message_text_user.json"]["x_line_signature"]},
        ).status_code
        == 401
    )
    assert app.post("/webhooks/shop/line", b"{oops", {"X-Line-Signature": sign(b"{oops")}).status_code == 400
    assert (
        app.post("/webhooks/shop/line", b'{"events": 3}', {"X-Line-Signature": sign(b'{"events": 3}')}).status_code
        == 400
    )
    assert "Hello, World" not in caplog.text and "Hello, world" not in caplog.text
    app.settle()
    assert len(platform.calls(r"/v2/bot/")) == 1  # only the one correctly signed text event


def test_expired_token_pushes_and_counts(seabot: Callable[..., SeabotServer], platform: PlatformStandIn) -> None:
    app = seabot(channels(platform), ChannelOptions(line=LineOptions(retry=FAST, reply_token_ttl_s=0.0)))
    assert post(app, text_event("e-late", "how long is shipping")) == 200
    push = platform.wait_for(r"/v2/bot/message/push$")[0]
    assert push.json["to"] == "Ucustomer1"
    assert push.json["messages"][0]["text"] == "Shipping takes 2-3 days."
    assert len(push.headers["x-line-retry-key"]) == 36
    assert platform.calls(r"/reply$") == []
    app.settle()  # the push is counted after LINE has answered it
    assert app.runtime.store.counters("line_pushes:") == {push_counter_name("shop"): 1.0}
    assert 'seabot_line_pushes_total{bot="shop"} 1' in app.metrics()


def test_refused_reply_token_falls_back_to_push(app: SeabotServer, platform: PlatformStandIn) -> None:
    platform.fail(r"/reply$", 400)
    assert post(app, text_event("e-used", "how long is shipping")) == 200
    push = platform.wait_for(r"/v2/bot/message/push$")[0]
    assert push.json["messages"][0]["text"] == "Shipping takes 2-3 days."
    assert len(platform.calls(r"/reply$")) == 1


def _answered_not_done(tmp_path: Path, token: str) -> None:
    """The inbox as a process leaves it when it dies after answering, around the LINE reply."""
    store = SqliteStore(tmp_path / "seabot.db")
    message = InboundMessage("shop", "line", "e-crash", "Ucustomer1", "Ucustomer1", "how long is shipping",
                             reply_handle=json.dumps({"reply_token": token}))  # fmt: skip
    store.enqueue(message)
    [item] = store.claim(1, [])
    reply = Reply("shop", "line", "Ucustomer1", "Ucustomer1", "Shipping takes 2-3 days.", "en", "e-crash",
                  reply_handle=message.reply_handle, received_at=time.time())  # fmt: skip
    store.mark_answered(item.id, reply)
    store.close()


def test_an_answer_whose_reply_went_out_before_a_crash_is_not_pushed_again(
    tmp_path: Path, seabot: Callable[..., SeabotServer], platform: PlatformStandIn
) -> None:
    _answered_not_done(tmp_path, "token-crash")
    platform.used_reply_tokens.add("token-crash")  # LINE took the reply; the process died before recording it
    app = seabot(channels(platform), ChannelOptions(line=LineOptions(retry=FAST)))
    refused = platform.wait_for(r"/reply$")[0]
    assert refused.json["replyToken"] == "token-crash"
    app.settle()
    assert platform.calls(r"/push$") == []  # the customer has it once: no second copy, no paid push


def test_an_answer_whose_reply_never_left_before_a_crash_is_replied_after_restart(
    tmp_path: Path, seabot: Callable[..., SeabotServer], platform: PlatformStandIn
) -> None:
    _answered_not_done(tmp_path, "token-unused")
    app = seabot(channels(platform), ChannelOptions(line=LineOptions(retry=FAST)))
    [sent] = platform.wait_for(r"/reply$")
    assert sent.json["messages"][0]["text"] == "Shipping takes 2-3 days."
    app.settle()
    assert platform.calls(r"/push$") == []


def test_a_refused_token_and_a_failed_push_are_pushed_again_on_the_retry(
    seabot: Callable[..., SeabotServer], platform: PlatformStandIn
) -> None:
    app = seabot(channels(platform), ChannelOptions(line=LineOptions(retry=FAST)))
    platform.used_reply_tokens.add("token-e-lost")  # LINE refuses the token (expired on its side)
    platform.fail(r"/push$", 500, 500, 500)  # and the push fallback fails on the whole first attempt
    assert post(app, text_event("e-lost", "how long is shipping")) == 200
    pushed = platform.wait_for(r"/push$", 4)  # three failures, then the retry's push
    assert pushed[-1].json["messages"][0]["text"] == "Shipping takes 2-3 days."
    app.settle()
    assert len(platform.calls(r"/reply$")) == 2  # tried on each attempt, refused each time: nothing lost


def test_5xx_is_retried_then_reply_succeeds(app: SeabotServer, platform: PlatformStandIn) -> None:
    platform.fail(r"/reply$", 500, 429)
    assert post(app, text_event("e-flaky", "how long is shipping")) == 200
    calls = platform.wait_for(r"/reply$", 3)
    assert calls[-1].json["replyToken"] == "token-e-flaky"
    metrics = app.metrics()
    assert 'seabot_platform_send_failures_total{channel="line",reason="server_error"} 1' in metrics
    assert 'seabot_platform_429_total{channel="line"} 1' in metrics
    assert platform.calls(r"/push$") == []


def test_long_answer_goes_in_one_reply_call(app: SeabotServer, platform: PlatformStandIn) -> None:
    assert post(app, text_event("e-long", "tell me everything about returns")) == 200
    call = platform.wait_for(r"/reply$")[0]
    texts = [m["text"] for m in call.json["messages"]]
    assert 2 <= len(texts) <= 5
    assert all(len(t.encode("utf-16-le")) // 2 <= 5000 for t in texts)
    assert " ".join(texts) == LONG_ANSWER
    assert platform.calls(r"/push$") == []


def test_a_2xx_with_a_body_we_cannot_read_is_delivered_and_never_sent_again(
    app: SeabotServer, platform: PlatformStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    platform.odd_bodies[r"/v2/bot/message/(reply|push)$"] = b'{"ok": true, "result": true}'
    assert post(app, text_event("e-odd", "how long is shipping")) == 200
    platform.wait_for(r"/v2/bot/message/reply$")
    app.settle()
    assert len(platform.calls(r"/v2/bot/message/reply$")) == 1
    assert platform.calls(r"/push$") == []
    assert "cannot read" in caplog.text


def test_a_push_answered_2xx_with_a_body_we_cannot_read_is_counted_once(
    seabot: Callable[..., SeabotServer], platform: PlatformStandIn
) -> None:
    app = seabot(channels(platform), ChannelOptions(line=LineOptions(retry=FAST, reply_token_ttl_s=0.0)))
    platform.odd_bodies[r"/v2/bot/message/push$"] = b"<html>ok</html>"
    assert post(app, text_event("e-odd-push", "how long is shipping")) == 200
    platform.wait_for(r"/v2/bot/message/push$")
    app.settle()
    assert len(platform.calls(r"/push$")) == 1
    assert app.runtime.store.counters("line_pushes:") == {push_counter_name("shop"): 1.0}


def _postback(event_id: str, data: str) -> dict[str, object]:
    return {"destination": "U123", "events": [{
        "type": "postback", "mode": "active", "timestamp": 1700000000000, "webhookEventId": event_id,
        "deliveryContext": {"isRedelivery": False}, "replyToken": f"token-{event_id}",
        "source": {"type": "user", "userId": "Upostback"}, "postback": {"data": data},
    }]}  # fmt: skip


def test_a_postback_is_an_event_not_customer_text(
    seabot: Callable[..., SeabotServer], platform: PlatformStandIn
) -> None:
    postbacks = '[bots.shop.postbacks]\n"action=buy&itemid=111" = { en = "Added to your cart.", th = "ใส่ตะกร้าแล้วค่ะ" }\n'
    app = seabot(channels(platform) + postbacks, ChannelOptions(line=LineOptions(retry=FAST)))
    assert post(app, _postback("pb-1", "action=buy&itemid=111")) == 200
    [reply] = platform.wait_for(r"/v2/bot/message/reply$")
    assert reply.json["messages"][0]["text"] == "Added to your cart."
    assert post(app, _postback("pb-2", "how long is shipping")) == 200  # data that reads like a question
    app.settle()
    assert len(platform.calls(r"/v2/bot/message/")) == 1  # an unconfigured postback is not answered
    history = app.runtime.store.history("shop", "Upostback")
    assert [m.text for m in history if m.role == "customer"] == [
        "[postback] action=buy&itemid=111", "[postback] how long is shipping",
    ]  # fmt: skip

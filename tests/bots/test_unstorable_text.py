"""A signed body whose text cannot be stored as sent is stored repaired, per event; deep JSON is
a 400 (issue 11, item 3). Real server on loopback, real SQLite file."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.bots.conftest import (
    METRICS_AUTH,
    TELEGRAM_SECRET,
    InProcessServer,
    line_sign,
    line_user,
    post,
    wait_until,
    write_config,
)
from tests.harness import PlatformStandIn


@pytest.fixture
def server(
    serve_in_process: Callable[[Path], InProcessServer], tmp_path: Path, platform: PlatformStandIn
) -> Iterator[InProcessServer]:
    yield serve_in_process(write_config(tmp_path, platform.url))


def _line_event(user: str, text_json: str, event_id: str) -> str:
    """One LINE text event, with the text given as raw JSON (so it may hold escapes)."""
    return (
        '{"type": "message", "mode": "active", "timestamp": 1, "webhookEventId": "%s",'
        ' "source": {"type": "user", "userId": "%s"}, "deliveryContext": {"isRedelivery": false},'
        ' "replyToken": "rt-%s", "message": {"id": "m-%s", "type": "text", "text": %s, "quoteToken": "q"}}'
    ) % (event_id, user, event_id, event_id, text_json)


def test_a_line_batch_with_a_lone_surrogate_keeps_every_event(
    server: InProcessServer, platform: PlatformStandIn
) -> None:
    users = [line_user(n) for n in range(3)]
    events = [
        _line_event(users[0], '"how long is shipping"', "E-ok-1"),
        _line_event(users[1], '"broken \\ud800 text"', "E-bad"),
        _line_event(users[2], '"when will my order arrive"', "E-ok-2"),
    ]
    body = ('{"destination": "U%s", "events": [%s]}' % ("0" * 32, ", ".join(events))).encode()
    response = post(
        server.url, "line", (body, {"content-type": "application/json", "x-line-signature": line_sign(body)}, {})
    )
    assert response.status_code == 200, response.text
    wait_until(lambda: server.runtime.store.inbox_depth() == 0, "the inbox to drain")
    for user in users:
        history = server.runtime.store.history("shop", user)
        assert [m.role for m in history] == ["customer", "bot"], user
    [stored] = [m.text for m in server.runtime.store.history("shop", users[1]) if m.role == "customer"]
    assert stored == "broken \ufffd text"
    assert len(platform.calls(r"/v2/bot/message/reply$")) == 3
    assert (
        'seabot_inbound_repaired_total{channel="line"} 1'
        in httpx.get(f"{server.url}/metrics", headers=METRICS_AUTH).text
    )


def test_a_line_batch_with_an_unreadable_event_keeps_the_others(server: InProcessServer) -> None:
    users = [line_user(n) for n in range(10, 12)]
    raw = [
        _line_event(users[0], '"how long is shipping"', "E-a"),
        '"not an event at all"',
        '{"type": "message", "source": 17, "message": []}',
        _line_event(users[1], '"how long is shipping"', "E-b"),
    ]
    body = ('{"destination": "U%s", "events": [%s]}' % ("0" * 32, ", ".join(raw))).encode()
    response = post(
        server.url, "line", (body, {"content-type": "application/json", "x-line-signature": line_sign(body)}, {})
    )
    assert response.status_code == 200, response.text
    wait_until(lambda: server.runtime.store.inbox_depth() == 0, "the inbox to drain")
    for user in users:
        assert [m.role for m in server.runtime.store.history("shop", user)] == ["customer", "bot"]


def test_a_telegram_text_with_a_lone_surrogate_is_answered(server: InProcessServer, platform: PlatformStandIn) -> None:
    body = (
        b'{"update_id": 77, "message": {"message_id": 1, "date": 1, "text": "hi \\udfff there",'
        b' "chat": {"id": 4242, "type": "private"}, "from": {"id": 4242, "is_bot": false, "first_name": "A\\ud800"}}}'
    )
    headers = {"content-type": "application/json", "x-telegram-bot-api-secret-token": TELEGRAM_SECRET}
    assert post(server.url, "telegram", (body, headers, {})).status_code == 200
    platform.wait_for(r"/sendMessage$")
    [customer] = [m.text for m in server.runtime.store.history("shop", "4242") if m.role == "customer"]
    assert customer == "hi \ufffd there"


def test_json_nested_ten_thousand_deep_is_a_400(server: InProcessServer) -> None:
    deep = ('{"update_id": 1, "x": ' + "[" * 10_000 + "]" * 10_000 + "}").encode()
    headers = {"content-type": "application/json", "x-telegram-bot-api-secret-token": TELEGRAM_SECRET}
    assert post(server.url, "telegram", (deep, headers, {})).status_code == 400
    line_body = ('{"events": ' + "[" * 10_000 + "]" * 10_000 + "}").encode()
    line = post(server.url, "line", (line_body, {"x-line-signature": line_sign(line_body)}, {}))
    assert line.status_code == 400


def test_a_signed_line_body_that_is_not_utf8_is_a_400_not_a_401(server: InProcessServer) -> None:
    body = b'{"destination": "U0", "events": [], "x": "\xff\xfe"}'
    assert post(server.url, "line", (body, {"x-line-signature": line_sign(body)}, {})).status_code == 400
    assert post(server.url, "line", (body, {"x-line-signature": line_sign(b"other")}, {})).status_code == 401

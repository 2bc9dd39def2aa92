"""Redelivery storms and backpressure through real HTTP: the app on a loopback port, the
platform APIs played by a loopback stand-in, the inbox in a real SQLite file."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.bots.conftest import (
    InProcessServer,
    Signed,
    db_rows,
    line_replies,
    line_sign,
    line_user,
    line_webhook,
    post,
    telegram_webhook,
    wait_until,
    wechat_reply_text,
    wechat_webhook,
    write_config,
)
from tests.harness import WAIT_S, PlatformStandIn

Start = Callable[[Path], InProcessServer]


async def _storm(base: str, route: str, copies: list[Signed]) -> list[httpx.Response]:
    async with httpx.AsyncClient(base_url=base, timeout=WAIT_S) as client:
        return await asyncio.gather(*(
            client.post(f"/webhooks/shop/{route}", content=body, headers=headers, params=query)
            for body, headers, query in copies
        ))  # fmt: skip


def storm(base: str, route: str, copies: list[Signed]) -> list[httpx.Response]:
    """All copies at once, each on its own connection, as a platform retrying in a hurry."""
    responses = asyncio.run(_storm(base, route, copies))
    assert [r.status_code for r in responses] == [200] * len(copies), [r.text for r in responses]
    return responses


def test_a_redelivery_storm_on_every_channel_is_answered_once(
    tmp_path: Path, platform: PlatformStandIn, serve_in_process: Start
) -> None:
    server = serve_in_process(write_config(tmp_path, platform.url))
    storm(server.url, "telegram", [telegram_webhook(424242, 5001, "how long is shipping")] * 20)

    body, headers, _ = line_webhook(line_user(7), "how long is shipping", "E-STORM")
    redelivered = body.replace(b'"isRedelivery": false', b'"isRedelivery": true')
    assert redelivered != body
    again = (redelivered, {**headers, "x-line-signature": line_sign(redelivered)}, {})
    storm(server.url, "line", [(body, headers, {})] * 10 + [again] * 10)

    # WeChat retries the same MsgId with a fresh timestamp/nonce signature each time
    wechat = storm(server.url, "wechat", [wechat_webhook("o-storm", "how long is shipping", 98765, nonce=str(n))
                                          for n in range(20)])  # fmt: skip

    wait_until(lambda: server.runtime.store.inbox_depth() == 0, "the inbox to drain")
    assert len(platform.calls(r"/sendMessage$")) == 1
    assert line_replies(platform) == ["E-STORM"] and platform.calls(r"/push$") == []
    # WeChat keeps only the connection it is waiting on: a copy is sent only when the earlier
    # request got no response, so every copy that finds the answer stored gets it again, and
    # the customer sees it once. Answered once = one answer, never a second way (the API).
    passive = {wechat_reply_text(r.content) for r in wechat if r.content.lstrip().startswith(b"<")}
    sent_by_api = platform.calls(r"/custom/send$")
    assert (len(passive) == 1 and not sent_by_api) or (not passive and len(sent_by_api) == 1), (passive, sent_by_api)
    assert db_rows(server.db, "SELECT channel, COUNT(*) FROM inbox GROUP BY channel ORDER BY channel") == [
        ("line", 1),
        ("telegram", 1),
        ("wechat", 1),
    ]
    assert db_rows(server.db, "SELECT COUNT(*) FROM messages WHERE role = 'bot'") == [(3,)]


def test_a_full_backlog_answers_503_with_retry_after_and_accepts_again_once_drained(
    tmp_path: Path, platform: PlatformStandIn, serve_in_process: Start
) -> None:
    server = serve_in_process(write_config(tmp_path, platform.url, concurrency=1, max_backlog=3))
    gate = platform.hold(r"/v2/bot/message/reply$")  # the platform is slow: no answer gets out
    accepted = [line_webhook(line_user(n), "where is my parcel", f"ok-{n}") for n in range(3)]
    for webhook in accepted:
        assert post(server.url, "line", webhook).status_code == 200
    refused = [
        ("line", line_webhook(line_user(9), "where is my parcel", "late-9")),
        ("telegram", telegram_webhook(777, 6001, "where is my parcel")),
        ("wechat", wechat_webhook("o-late", "where is my parcel", 555)),
    ]
    for route, webhook in refused:
        response = post(server.url, route, webhook)
        assert response.status_code == 503, (route, response.text)
        assert int(response.headers["retry-after"]) > 0
    assert db_rows(server.db, "SELECT COUNT(*) FROM inbox") == [(3,)]  # the refused ones were not taken

    gate.set()
    wait_until(lambda: server.runtime.store.inbox_depth() == 0, "the backlog to drain")
    for route, webhook in refused:  # the platforms retry later
        assert post(server.url, route, webhook).status_code == 200, route
    wait_until(lambda: server.runtime.store.inbox_depth() == 0, "the retried messages to be answered")
    assert sorted(line_replies(platform)) == ["late-9", "ok-0", "ok-1", "ok-2"]
    assert len(platform.calls(r"/sendMessage$")) == 1
    assert db_rows(server.db, "SELECT COUNT(*) FROM messages WHERE role = 'bot'") == [(6,)]

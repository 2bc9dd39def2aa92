"""A conversation handed to a person, worked over HTTP the way the page's forms post: take
over, reply through the durable outbox (once, retried, kept across a restart), release, resolve;
LINE pushes with a stable retry key, WeChat's window checked; bad input is a clear page."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest

from tests.bots.conftest import line_user, line_webhook, telegram_webhook, wait_until, wechat_webhook
from tests.console.conftest import Console, csrf_of
from tests.harness import PlatformStandIn

SEND = r"/bot[^/]+/sendMessage$"


def _sent_texts(platform: PlatformStandIn, pattern: str = SEND) -> list[str]:
    return [str(r.form_or_json.get("text", "")) for r in platform.calls(pattern)]


def _handed_off(console: Console, chat_id: int = 4242, update_id: int = 1) -> int:
    signed = telegram_webhook(update_id, chat_id, "I want to talk to a human")
    assert console.webhook("shop", "telegram", signed).status_code == 200
    wait_until(lambda: console.rows("SELECT 1 FROM handoffs WHERE chat_id = ?", (str(chat_id),)), "the handoff")
    return console.conversation_id("shop", "telegram", str(chat_id))


@pytest.fixture
def ann(console: Console) -> httpx.Client:
    console.add_user("ann@shop.test", "agent", ("shop",))
    return console.login("ann@shop.test")


def _post(client: httpx.Client, path: str, **fields: str) -> httpx.Response:
    return client.post(path, data={"csrf": csrf_of(client), **fields})


def test_take_over_reply_release_the_bot_answers_again(console: Console, ann: httpx.Client) -> None:
    c = _handed_off(console)
    page = ann.get(f"/c/{c}").text
    assert "needs a person" in page and "asks for a person" in page  # the handoff's reason
    assert ">Take over<" in page and 'name="text"' in page and ">Send<" in page
    assert _post(ann, f"/c/{c}/reply", text="Hello!").status_code == 409  # not taken over yet
    assert _post(ann, f"/c/{c}/take").status_code == 303
    assert "with a person" in ann.get(f"/c/{c}").text
    # while a person has it the bot stays silent
    before = len(console.platform.calls(SEND))
    assert console.webhook("shop", "telegram", telegram_webhook(2, 4242, "how long is shipping")).status_code == 200
    wait_until(
        lambda: console.rows("SELECT 1 FROM inbox WHERE status = 'done' AND message_id = '2'"), "the message taken"
    )
    assert len(console.platform.calls(SEND)) == before
    assert _post(ann, f"/c/{c}/reply", text="Hi, this is Ann. Your parcel left today.").status_code == 303
    wait_until(lambda: "Hi, this is Ann. Your parcel left today." in _sent_texts(console.platform), "the agent's reply")
    wait_until(lambda: console.rows("SELECT 1 FROM console_outbox WHERE state = 'sent'"), "sent")
    assert _sent_texts(console.platform).count("Hi, this is Ann. Your parcel left today.") == 1
    history = ann.get(f"/c/{c}", headers={"HX-Request": "true"}).text
    assert "ann (agent)" in history and ">sent<" in history.replace("\n", "")
    assert console.rows("SELECT role, responder FROM messages WHERE text LIKE 'Hi, this is Ann%'") == [("agent", "ann")]
    assert _post(ann, f"/c/{c}/release").status_code == 303
    assert "with the bot" in ann.get(f"/c/{c}").text
    assert console.webhook("shop", "telegram", telegram_webhook(3, 4242, "how long is shipping")).status_code == 200
    wait_until(lambda: "Shipping takes 2-3 days." in _sent_texts(console.platform), "the bot's answer")


def test_resolve_closes_and_a_new_customer_message_reopens(console: Console, ann: httpx.Client) -> None:
    c = _handed_off(console)
    _post(ann, f"/c/{c}/take")
    assert _post(ann, f"/c/{c}/resolve").status_code == 303
    assert ">resolved<" in ann.get("/?status=resolved").text and f'href="/c/{c}"' in ann.get("/?status=resolved").text
    assert console.webhook("shop", "telegram", telegram_webhook(2, 4242, "how long is shipping")).status_code == 200
    wait_until(lambda: "Shipping takes 2-3 days." in _sent_texts(console.platform), "the bot answering again")
    assert f'href="/c/{c}"' not in ann.get("/?status=resolved").text
    assert f'href="/c/{c}"' in ann.get("/?status=bot").text


def test_a_failing_send_is_retried_and_delivered_once(console: Console, ann: httpx.Client) -> None:
    c = _handed_off(console)
    _post(ann, f"/c/{c}/take")
    console.platform.fail(SEND, 500, 500)  # two failures, then the stand-in takes it
    assert _post(ann, f"/c/{c}/reply", text="Retried reply").status_code == 303
    wait_until(lambda: console.rows("SELECT 1 FROM console_outbox WHERE state = 'sent'"), "sent after retries")
    attempts = [r for r in console.platform.calls(SEND) if r.form_or_json.get("text") == "Retried reply"]
    assert len(attempts) == 3  # two refused, one accepted: the customer has it once


def test_a_reply_kept_while_the_platform_is_down_is_sent_after_a_restart(
    console_factory: Callable[..., Console],
) -> None:
    console = console_factory()
    console.add_user("ann@shop.test", "agent", ("shop",))
    ann = console.login("ann@shop.test")
    c = _handed_off(console)
    _post(ann, f"/c/{c}/take")
    console.platform.fail(SEND, *([503] * 200))
    assert _post(ann, f"/c/{c}/reply", text="Survives a restart").status_code == 303
    wait_until(lambda: console.rows("SELECT attempts FROM console_outbox WHERE attempts >= 1 AND state = 'pending'"),
               "a failed attempt")  # fmt: skip
    console.stop()
    console.platform.failures.clear()
    console.start()
    wait_until(lambda: console.rows("SELECT 1 FROM console_outbox WHERE state = 'sent'"), "sent after the restart")
    delivered = [r for r in console.platform.calls(SEND) if r.form_or_json.get("text") == "Survives a restart"]
    assert len([r for r in delivered]) >= 2  # failed ones before the restart, then the one that went through
    assert console.rows("SELECT COUNT(*) FROM messages WHERE text = 'Survives a restart'") == [(1,)]


def test_line_replies_are_pushes_with_one_retry_key_and_the_quota_is_shown(console: Console, ann: httpx.Client) -> None:
    user = line_user("console")
    assert console.webhook("shop", "line", line_webhook(user, "I want to talk to a human", "ev1")).status_code == 200
    wait_until(lambda: console.rows("SELECT 1 FROM handoffs WHERE chat_id = ?", (user,)), "the LINE handoff")
    c = console.conversation_id("shop", "line", user)
    _post(ann, f"/c/{c}/take")
    assert "monthly message quota" in ann.get(f"/c/{c}").text
    console.platform.fail(r"/v2/bot/message/push$", 500)
    assert _post(ann, f"/c/{c}/reply", text="A LINE reply from Ann").status_code == 303
    wait_until(lambda: console.rows("SELECT 1 FROM console_outbox WHERE state = 'sent'"), "pushed")
    pushes = [r for r in console.platform.calls(r"/v2/bot/message/push$") if "A LINE reply from Ann" in r.body.decode()]
    keys = {r.headers.get("x-line-retry-key") for r in pushes}
    assert len(pushes) == 2 and len(keys) == 1 and None not in keys  # the retry carries the same key: LINE sends once
    assert re.search(r"\(1 pushed this month\)", ann.get(f"/c/{c}").text)


def test_a_closed_wechat_window_is_refused_with_the_reason(console: Console, ann: httpx.Client) -> None:
    assert (
        console.webhook("shop", "wechat", wechat_webhook("oOpenId1", "I want to talk to a human", 901)).status_code
        == 200
    )
    wait_until(lambda: console.rows("SELECT 1 FROM handoffs WHERE chat_id = 'oOpenId1'"), "the WeChat handoff")
    c = console.conversation_id("shop", "wechat", "oOpenId1")
    _post(ann, f"/c/{c}/take")
    assert "window is open" in ann.get(f"/c/{c}").text
    assert _post(ann, f"/c/{c}/reply", text="Inside the window").status_code == 303
    wait_until(lambda: "Inside the window" in str([r.body for r in console.platform.calls("custom/send")]), "sent")
    with_the_window_closed = "UPDATE messages SET created_at = created_at - 49 * 3600 WHERE role = 'customer'"
    console.rows(with_the_window_closed)
    refused = _post(ann, f"/c/{c}/reply", text="Too late")
    assert refused.status_code == 409 and "customer-service window is closed" in refused.text
    assert "Too late" in refused.text  # the draft is kept in the box
    assert console.rows("SELECT COUNT(*) FROM console_outbox WHERE text = 'Too late'") == [(0,)]


@pytest.mark.parametrize(
    ("headers", "content", "status", "says"),
    [
        ({"content-type": "application/x-www-form-urlencoded"}, b"text=" + b"x" * 70_000, 413, "too large"),
        ({"content-type": "multipart/form-data; boundary=x"}, b"--x--", 415, "x-www-form-urlencoded"),
        ({"content-type": "application/x-www-form-urlencoded"}, b"text=%ff%fe", 400, "could not be read"),
        ({"content-type": "application/x-www-form-urlencoded"}, b"text=a&text=b", 400, "twice"),
    ],
    ids=["oversized", "multipart", "not-utf8", "field-twice"],
)
def test_malformed_posts_get_a_clear_page(
    console: Console, ann: httpx.Client, headers: dict[str, str], content: bytes, status: int, says: str
) -> None:
    c = _handed_off(console)
    response = ann.post(f"/c/{c}/reply", content=content, headers=headers)
    assert response.status_code == status and says in response.text and "<html" in response.text
    assert console.rows("SELECT COUNT(*) FROM console_outbox") == [(0,)]


def test_reply_mistakes_are_clear_and_send_nothing(console: Console, ann: httpx.Client) -> None:
    c = _handed_off(console)
    _post(ann, f"/c/{c}/take")
    too_long = _post(ann, f"/c/{c}/reply", text="x" * 5001)
    assert too_long.status_code == 400 and "too long (5001 characters" in too_long.text
    blank = _post(ann, f"/c/{c}/reply", text="   \n ")
    assert blank.status_code == 400 and "Write a reply first" in blank.text
    console.add_user("bob@shop.test", "agent", ("shop",))
    bob = console.login("bob@shop.test")
    taken = _post(bob, f"/c/{c}/reply", text="hello from bob")
    assert taken.status_code == 409 and "ann@shop.test has this conversation" in taken.text
    assert console.rows("SELECT COUNT(*) FROM console_outbox") == [(0,)]


def test_a_private_note_is_shown_to_the_team_and_never_sent(console: Console, ann: httpx.Client) -> None:
    c = _handed_off(console)
    _post(ann, f"/c/{c}/take")
    assert _post(ann, f"/c/{c}/note", note="Called her; <b>VIP</b> customer").status_code == 303
    history = ann.get(f"/c/{c}", headers={"HX-Request": "true"}).text
    assert "private note by ann (never sent)" in history and "Called her; &lt;b&gt;VIP&lt;/b&gt; customer" in history
    assert _post(ann, f"/c/{c}/reply", text="A real reply").status_code == 303
    wait_until(lambda: console.rows("SELECT 1 FROM console_outbox WHERE state = 'sent'"), "the reply sent")
    assert not any("VIP" in r.body.decode() for r in console.platform.requests)
    assert console.rows("SELECT COUNT(*) FROM messages WHERE text LIKE '%VIP%'") == [(0,)]  # not in the bot's history
    assert _post(ann, f"/c/{c}/note", note="  ").status_code == 400


def test_forgetting_a_customer_erases_what_the_console_kept(console: Console, ann: httpx.Client) -> None:
    from seabot.storage import SqliteStore

    c = _handed_off(console)
    _post(ann, f"/c/{c}/take")
    _post(ann, f"/c/{c}/note", note="her phone is 0812345678")
    _post(ann, f"/c/{c}/reply", text="Ann here")
    wait_until(lambda: console.rows("SELECT 1 FROM console_outbox WHERE state = 'sent'"), "the reply sent")
    console.rows("INSERT INTO console_translations (message_id, lang, text, created_at)"
                 " SELECT id, 'th', 'แปล', 0 FROM messages WHERE role = 'customer'")  # fmt: skip
    store = SqliteStore(console.db)
    try:
        store.forget("shop", "4242")
    finally:
        store.close()
    for table in ("console_outbox", "console_notes", "console_conversations", "console_translations"):
        assert console.rows(f"SELECT COUNT(*) FROM {table}") == [(0,)], table
    assert ann.get(f"/c/{c}").status_code == 404


def test_a_canned_reply_is_put_in_the_box_in_the_customers_language(console: Console, ann: httpx.Client) -> None:
    console.add_user("boss@shop.test", "admin")
    boss = console.login("boss@shop.test")
    for lang, text in (("en", "Thank you for waiting!"), ("th", "ขอบคุณที่รอค่ะ")):
        assert _post(boss, "/canned", shortcut="/Thanks", lang=lang, text=text).status_code == 303
    assert _post(boss, "/canned", shortcut="no spaces", lang="en", text="x").status_code == 400
    assert "/thanks" in ann.get("/canned").text and 'action="/canned"' not in ann.get("/canned").text
    c = _handed_off(console)  # an English conversation
    _post(ann, f"/c/{c}/take")
    draft = _post(ann, f"/c/{c}/reply", text="/thanks")
    assert draft.status_code == 200 and ">Thank you for waiting!</textarea>" in draft.text
    unknown = _post(ann, f"/c/{c}/reply", text="/refund")
    assert unknown.status_code == 400 and "no canned reply /refund" in unknown.text and "known: /thanks" in unknown.text
    assert console.rows("SELECT COUNT(*) FROM console_outbox") == [(0,)]  # nothing sent until the agent sends it
    assert _post(ann, f"/c/{c}/reply", text="Thank you for waiting!").status_code == 303
    wait_until(lambda: "Thank you for waiting!" in _sent_texts(console.platform), "the canned reply sent")


def test_a_reply_the_platform_refuses_is_shown_as_failed_with_the_reason(console: Console, ann: httpx.Client) -> None:
    c = _handed_off(console, chat_id=4545)
    _post(ann, f"/c/{c}/take")
    console.platform.fail(SEND, 403)  # Telegram: the customer blocked the bot
    assert _post(ann, f"/c/{c}/reply", text="Are you still there?").status_code == 303
    wait_until(lambda: console.rows("SELECT 1 FROM console_outbox WHERE state = 'failed'"), "the refusal recorded")
    [(reason,)] = console.rows("SELECT last_error FROM console_outbox")
    assert "refused" in str(reason)
    assert [t for t in _sent_texts(console.platform) if t == "Are you still there?"] == ["Are you still there?"]
    assert "failed" in ann.get(f"/c/{c}").text.lower()  # the agent sees it did not arrive


def test_the_conversation_shows_the_order_card_an_answer_was_based_on(console: Console, ann: httpx.Client) -> None:
    import json
    import sqlite3

    c = _handed_off(console, chat_id=4646)
    lookup = {"outcome": "found", "reason": None, "order": {
        "ref": "1001", "status": "out_for_delivery",
        "items": [{"name": "<script>alert(1)</script> Batik", "quantity": 2}],
        "carrier": "Flash Express", "tracking_number": "TH0123456789A", "eta": "2026-12-10",
    }}  # fmt: skip
    with sqlite3.connect(console.db) as conn:  # as the pipeline stores an order answer
        conn.execute(
            "INSERT INTO messages (conversation_id, bot_id, channel, chat_id, user_id, role, text, responder, context,"
            " created_at) VALUES (?, 'shop', 'telegram', '4646', '4646', 'bot', 'Your order is on its way',"
            " 'orders', ?, ?)",
            (c, json.dumps(lookup), 2e9),
        )
    page = ann.get(f"/c/{c}").text
    assert "order lookup, found" in page and "TH0123456789A" in page and "out for delivery" in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page

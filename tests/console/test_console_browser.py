"""The console in a real browser (chromium): log in; a signed webhook asking for a person
shows up in the open inbox without a reload; take over; reply; the stand-in gets it once;
release; the bot answers again. Customer text with script, an onerror image or a javascript:
link is shown as text and runs nothing. Screenshots go to test-artifacts/console/."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.bots.conftest import telegram_webhook, wait_until
from tests.console.browser import ARTIFACTS, launch
from tests.console.conftest import PASSWORD, Console

SEND = r"/bot[^/]+/sendMessage$"
TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: (errors.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    page.errors = errors  # type: ignore[attr-defined]  # our own attribute on the page
    yield page
    context.close()


def _log_in(page: Any, console: Console, email: str) -> None:
    page.goto(f"{console.url}/login")
    page.fill('input[name="email"]', email)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button:has-text("Log in")')
    page.wait_for_url(f"{console.url}/")
    assert page.locator("h1").inner_text() == "Inbox"


def _texts_sent(console: Console) -> list[str]:
    return [str(r.form_or_json.get("text", "")) for r in console.platform.calls(SEND)]


def test_an_agent_takes_over_replies_and_releases(console: Console, page: Any) -> None:
    console.add_user("ann@shop.test", "agent", ("shop",))
    _log_in(page, console, "ann@shop.test")
    page.evaluate("window.__notReloaded = true")
    assert (
        console.webhook("shop", "telegram", telegram_webhook(1, 4242, "I want to talk to a human")).status_code == 200
    )
    row = page.locator("tr[data-conversation]", has_text="needs a person")
    row.wait_for()
    assert page.evaluate("window.__notReloaded") is True  # it came by the poll, not by a reload
    assert "4242" in row.inner_text() and "telegram" in row.inner_text()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "inbox.png"), full_page=True)

    row.locator("a").click()
    page.wait_for_url(f"{console.url}/c/*")
    page.click('button:has-text("Take over")')
    page.locator("#status", has_text="with a person").wait_for()
    page.fill('textarea[name="text"]', "Hello, this is Ann from the shop.")
    page.click('button:has-text("Send")')
    page.locator(".msg.agent .delivery.sent").wait_for()
    assert _texts_sent(console).count("Hello, this is Ann from the shop.") == 1
    assert "ann (agent)" in page.locator(".msg.agent").inner_text()
    page.screenshot(path=str(ARTIFACTS / "conversation.png"), full_page=True)

    page.click('button:has-text("Release to bot")')
    page.locator("#status", has_text="with the bot").wait_for()
    page.evaluate("window.__notReloaded = true")
    assert console.webhook("shop", "telegram", telegram_webhook(2, 4242, "how long is shipping")).status_code == 200
    page.locator(".msg.bot", has_text="Shipping takes 2-3 days.").wait_for()  # the bot again, shown by the poll
    assert page.evaluate("window.__notReloaded") is True
    wait_until(lambda: "Shipping takes 2-3 days." in _texts_sent(console), "the bot's answer at the platform")
    assert _texts_sent(console).count("Hello, this is Ann from the shop.") == 1
    assert page.errors == []  # type: ignore[attr-defined]  # our own attribute on the page


HOSTILE = [
    "<script>window.__pwned = 'script'; alert('script')</script>",
    "<img src=x onerror=\"window.__pwned = 'img'; alert('img')\">",
    "<a href=\"javascript:window.__pwned = 'link'; alert('link')\">track my order</a>",
    "javascript:alert(document.cookie)",
]


def test_hostile_customer_text_is_shown_as_text_and_runs_nothing(console: Console, page: Any) -> None:
    console.add_user("boss@shop.test", "admin")
    for n, text in enumerate(HOSTILE, start=1):  # one at a time, each answered before the next
        assert console.webhook("shop", "telegram", telegram_webhook(n, 6666, text)).status_code == 200
        wait_until(
            lambda n=n: console.rows("SELECT COUNT(*) FROM messages WHERE role = 'bot'") == [(n,)], f"answer {n}"
        )
    _log_in(page, console, "boss@shop.test")
    c = console.conversation_id("shop", "telegram", "6666")
    page.goto(f"{console.url}/c/{c}")
    customer = page.locator(".msg.customer .text")
    customer.nth(len(HOSTILE) - 1).wait_for()
    assert [customer.nth(i).inner_text() for i in range(len(HOSTILE))] == HOSTILE
    with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true"):
        pass  # one poll has replaced the history: what it swapped in is checked too
    assert page.locator("#history img, #history script, #history a[href^='javascript']").count() == 0
    page.goto(f"{console.url}/")  # the inbox shows the last message too
    page.locator("tr[data-conversation]").first.wait_for()
    assert page.locator("tbody img, tbody script, tbody a[href^='javascript']").count() == 0
    assert page.evaluate("window.__pwned") is None
    assert page.errors == []  # type: ignore[attr-defined]  # our own attribute on the page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "hostile-text-inbox.png"), full_page=True)

"""An English-speaking agent answers a Thai customer: the customer's messages are shown with a
translation (the LLM's fast tier, its cost counted in the bot's spend), the agent's draft is
translated before sending and may be edited, the customer gets the Thai; without an LLM the
console says translation is unavailable and sends what the agent wrote."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.bots.conftest import telegram_webhook, wait_until
from tests.console.conftest import Console, csrf_of
from tests.llm_server import FakeLLM, answer, serve_fake_llm

SEND = r"/bot[^/]+/sendMessage$"
THAI = "สวัสดีค่ะ พัสดุของฉันอยู่ที่ไหน ฉันรอมาห้าวันแล้ว"


@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    with serve_fake_llm() as fake:
        yield fake


def _translation_calls(llm: FakeLLM) -> list[str]:
    return [str(seen.body["messages"][-1]["content"]) for seen in llm.calls("fast-model")
            if "You translate customer-service chat messages" in str(seen.body["messages"][0]["content"])]  # fmt: skip


def test_an_english_agent_answers_a_thai_customer(console_factory: Callable[..., Console], llm: FakeLLM) -> None:
    console = console_factory(llm_url=llm.base_url)
    console.add_user("ann@shop.test", "agent", ("shop",), lang="en")
    ann = console.login("ann@shop.test")
    assert console.webhook("shop", "telegram", telegram_webhook(1, 4242, THAI)).status_code == 200
    wait_until(lambda: console.rows("SELECT 1 FROM messages WHERE role = 'bot'"), "the bot's answer")
    assert console.rows("SELECT lang FROM messages WHERE role = 'customer'") == [("th",)]
    c = console.conversation_id("shop", "telegram", "4242")
    llm.always(
        "fast-model", answer("Hello, where is my parcel? I have waited five days.", tokens_in=1000, tokens_out=500)
    )
    spent_before = console.rows("SELECT COALESCE(SUM(value), 0) FROM counters WHERE name LIKE 'spend_usd:shop:%'")[0][0]
    page = ann.get(f"/c/{c}").text
    assert "translation into English" in page
    wait_until(lambda: "Hello, where is my parcel?" in ann.get(f"/c/{c}", headers={"HX-Request": "true"}).text,
               "the translation shown by the next poll")  # fmt: skip
    assert any(THAI in call for call in _translation_calls(llm))
    ann.post(f"/c/{c}/take", data={"csrf": csrf_of(ann)})
    llm.always("fast-model", answer("ขอโทษค่ะ พัสดุจะถึงพรุ่งนี้", tokens_in=1000, tokens_out=500))
    draft = ann.post(
        f"/c/{c}/reply", data={"csrf": csrf_of(ann), "text": "Sorry, it arrives tomorrow.", "action": "translate"}
    )
    assert draft.status_code == 200
    assert "ขอโทษค่ะ พัสดุจะถึงพรุ่งนี้</textarea>" in draft.text and "You wrote: Sorry, it arrives tomorrow." in draft.text
    assert console.rows("SELECT COUNT(*) FROM console_outbox") == [(0,)]  # nothing sent by translating
    edited = "ขอโทษค่ะ พัสดุจะถึงพรุ่งนี้นะคะ"  # the agent adjusted it
    assert ann.post(f"/c/{c}/reply", data={"csrf": csrf_of(ann), "text": edited, "action": "send"}).status_code == 303
    wait_until(lambda: edited in [r.form_or_json.get("text") for r in console.platform.calls(SEND)], "the Thai reply")
    spent_after = console.rows("SELECT COALESCE(SUM(value), 0) FROM counters WHERE name LIKE 'spend_usd:shop:%'")[0][0]
    assert float(spent_after) - float(spent_before) == pytest.approx(2 * (1000 * 1.0 + 500 * 2.0) / 1_000_000)  # type: ignore[arg-type]  # rows() gives objects


def test_without_an_llm_translation_is_unavailable_and_the_text_goes_as_written(console: Console) -> None:
    console.add_user("ann@shop.test", "agent", ("shop",), lang="th")
    ann = console.login("ann@shop.test")
    assert (
        console.webhook("shop", "telegram", telegram_webhook(1, 4242, "I want to talk to a human")).status_code == 200
    )
    wait_until(lambda: console.rows("SELECT 1 FROM handoffs"), "the handoff")
    c = console.conversation_id("shop", "telegram", "4242")
    page = ann.get(f"/c/{c}").text
    assert "Translation is unavailable: no LLM is configured" in page and 'value="translate"' not in page
    ann.post(f"/c/{c}/take", data={"csrf": csrf_of(ann)})
    refused = ann.post(f"/c/{c}/reply", data={"csrf": csrf_of(ann), "text": "สวัสดีค่ะ", "action": "translate"})
    assert refused.status_code == 409 and "the customer gets what you write" in refused.text
    assert ann.post(f"/c/{c}/reply", data={"csrf": csrf_of(ann), "text": "สวัสดีค่ะ"}).status_code == 303
    wait_until(
        lambda: "สวัสดีค่ะ" in [r.form_or_json.get("text") for r in console.platform.calls(SEND)], "sent as written"
    )
    assert isinstance(ann, httpx.Client)

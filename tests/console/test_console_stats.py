"""The stats page and its CSV: per bot and day what came in (by language and channel), who
answered, what it cost against all-premium, and how long a handed-off customer waited for a
person; an agent's numbers are their bots' only; a cell never runs as a spreadsheet formula."""

from __future__ import annotations

import csv
import io

import httpx

from seabot.console.stats import CSV_COLUMNS, StatsRow, stats_csv
from seabot.core.store import DailyStats
from tests.bots.conftest import telegram_webhook, wait_until
from tests.console.conftest import OTHER_SECRET, Console, csrf_of


def _other(update_id: int, chat_id: int, text: str) -> tuple[bytes, dict[str, str], dict[str, str]]:
    body, headers, query = telegram_webhook(update_id, chat_id, text)
    return body, {**headers, "x-telegram-bot-api-secret-token": OTHER_SECRET}, query


def test_the_stats_page_and_csv(console: Console) -> None:
    console.add_user("ann@shop.test", "agent", ("shop",))
    ann = console.login("ann@shop.test")
    assert console.webhook("shop", "telegram", telegram_webhook(1, 4242, "how long is shipping")).status_code == 200
    assert (
        console.webhook("shop", "telegram", telegram_webhook(2, 4343, "I want to talk to a human")).status_code == 200
    )
    assert console.webhook("other", "telegram", _other(3, 5151, "hello")).status_code == 200
    wait_until(lambda: console.rows("SELECT COUNT(*) FROM messages WHERE role = 'bot'") == [(3,)], "three answers")
    c = console.conversation_id("shop", "telegram", "4343")
    ann.post(f"/c/{c}/take", data={"csrf": csrf_of(ann)})
    ann.post(f"/c/{c}/reply", data={"csrf": csrf_of(ann), "text": "Ann here"})
    page = ann.get("/stats")
    assert page.status_code == 200 and "<svg" in page.text and "Download CSV" in page.text
    download = ann.get("/stats.csv")
    assert download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert [r["bot"] for r in rows] == ["shop"]  # not the other bot's numbers
    [shop] = rows
    assert (shop["messages"], shop["answers"], shop["handoffs"], shop["channels"]) == ("2", "2", "1", "telegram:2")
    assert shop["languages"].startswith("en:") and shop["first_human_reply_s"] != ""
    assert float(shop["first_human_reply_s"]) >= 0


def test_a_csv_cell_never_starts_a_formula() -> None:
    day = DailyStats(
        bot_id="shop", day="2026-12-06", messages=1, answers=1, languages={"en": 1}, tiers={"fast": 1},
        models={"=HYPERLINK(\"http://evil\")": 1}, tokens_in=1, tokens_out=1, cost_usd=-0.5, p50_ms=None, p95_ms=None,
        cache_hits=0, fallbacks=0, handoffs=0, llm_tokens_in=1, llm_tokens_out=1,
    )  # fmt: skip
    text = stats_csv([StatsRow(day)])
    [row] = list(csv.DictReader(io.StringIO(text)))
    assert list(row) == list(CSV_COLUMNS)
    assert row["models"].startswith("'=") and row["cost_usd"] == "-0.500000"  # a negative number stays a number


def test_stats_need_a_session(console: Console) -> None:
    assert console.client().get("/stats.csv").status_code == 303
    assert isinstance(console.client(), httpx.Client)


def test_the_stats_page_shows_each_canary_and_a_rollback(console_factory) -> None:
    import asyncio
    import time

    from llm_server import serve_fake_llm

    from seabot.core.llm.canary import CanaryDecision, CanaryStatus, SettingsCanaryStore
    from seabot.storage import SqliteStore

    with serve_fake_llm() as llm:
        console = console_factory(start=False, llm_url=llm.base_url)
        config = console.config_path
        config.write_text(config.read_text() + '\n[llm.tiers.premium.canary]\nmodel = "cheap-premium"\nshare = 0.1\n')
        store = SqliteStore(console.db)
        decision = CanaryDecision("premium", "cheap-premium", "default", CanaryStatus.ROLLED_BACK, time.time(),
                                  "error rate 40% over 50 answers", "auto")  # fmt: skip
        asyncio.run(SettingsCanaryStore(store).save(decision))
        store.close()
        console.start()
        console.add_user("boss@shop.test", "admin")
        page = console.login("boss@shop.test").get("/stats")
    assert page.status_code == 200
    assert "cheap-premium" in page.text and "rolled back" in page.text and "error rate 40%" in page.text

"""A server fault never drops an accepted message: faults injected into the real SQLite file
(triggers that make a write fail), the real runtime, adapters and inbox worker, the LINE API
played by a loopback stand-in."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from seabot.adapters.base import ChannelAdapter, WebhookRequest
from seabot.bots.channels import build_adapters
from seabot.bots.config import load_config
from seabot.bots.runtime import Runtime
from seabot.core.inbox import InboxWorker
from seabot.core.phrases import Phrase, phrase
from tests.bots.conftest import InProcessServer, line_user, line_webhook, post, wait_until, write_config
from tests.harness import PlatformStandIn

REPLY = r"/v2/bot/message/reply$"


def sql(db: Path, statement: str) -> None:
    """Change the live database from outside the process, as a failing disk or an operator would."""
    with sqlite3.connect(db, timeout=10) as conn:
        conn.execute(statement)


async def wait_async(condition: Callable[[], object], what: str, timeout: float = 60.0) -> None:
    try:
        async with asyncio.timeout(timeout):
            while not condition():
                await asyncio.sleep(0.02)
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {what}") from None


class Running:
    def __init__(self, runtime: Runtime, adapters: dict[tuple[str, str], ChannelAdapter], worker: InboxWorker) -> None:
        self.runtime, self.adapters, self.worker = runtime, adapters, worker

    async def line(self, event_id: str, text: str = "where is my parcel") -> None:
        body, headers, query = line_webhook(line_user(event_id), text, event_id)
        response = await self.adapters[("shop", "line")].handle_webhook(
            WebhookRequest("POST", query, headers, body), self.worker
        )
        assert response.status == 200


@pytest.fixture
async def running(tmp_path: Path, platform: PlatformStandIn, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Running]:
    """The runtime and a worker that retries quickly (the server's worker waits 1, 2, 4, 8 s)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    runtime = Runtime.open(load_config(write_config(tmp_path, platform.url), environ={}))
    adapters = build_adapters(runtime)
    worker = InboxWorker(runtime.store, runtime.pipelines, lambda b, c: adapters.get((b, c)), runtime.metrics,
                         retry_delay_s=0.01)  # fmt: skip
    task = asyncio.create_task(worker.run())
    try:
        yield Running(runtime, adapters, worker)
    finally:
        await worker.stop()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        for adapter in adapters.values():
            await adapter.aclose()
        await runtime.aclose()


@pytest.mark.anyio
async def test_a_message_that_fails_every_attempt_gets_the_follow_up_note_not_silence(
    running: Running, platform: PlatformStandIn, tmp_path: Path
) -> None:
    sql(
        tmp_path / "seabot.db",
        "CREATE TRIGGER broken BEFORE INSERT ON messages BEGIN SELECT RAISE(ABORT, 'disk I/O'); END",
    )
    await running.line("e1")
    await wait_async(lambda: running.runtime.store.inbox_depth() == 0, "the item to be settled")
    replies = platform.calls(REPLY)
    assert [r.json["messages"][0]["text"] for r in replies] == [phrase(Phrase.FOLLOW_UP, "en", name="Test Shop")]
    assert running.runtime.metrics.value("seabot_inbox_failures_total", channel="line") == 4


@pytest.mark.anyio
async def test_the_follow_up_note_is_kept_in_the_history_when_the_store_allows(
    running: Running, platform: PlatformStandIn, tmp_path: Path
) -> None:
    # only customer messages fail to store: the answer path breaks, the note's record does not
    sql(tmp_path / "seabot.db", "CREATE TRIGGER broken BEFORE INSERT ON messages WHEN NEW.role = 'customer'"
        " BEGIN SELECT RAISE(ABORT, 'disk I/O'); END")  # fmt: skip
    await running.line("e1")
    await wait_async(lambda: running.runtime.store.inbox_depth() == 0, "the item to be settled")
    assert len(platform.calls(REPLY)) == 1
    history = running.runtime.store.history("shop", line_user("e1"))
    assert [(m.role, m.responder, m.fallback) for m in history] == [("bot", "offline", True)]


@pytest.mark.anyio
async def test_the_worker_survives_a_store_that_cannot_claim_for_a_while(
    running: Running, platform: PlatformStandIn, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "seabot.db"
    sql(db, "CREATE TRIGGER broken BEFORE UPDATE OF attempts ON inbox BEGIN SELECT RAISE(ABORT, 'disk I/O'); END")
    with caplog.at_level(logging.ERROR, logger="seabot.inbox"):
        await running.line("e1")
        await wait_async(lambda: "cannot claim inbox items" in caplog.text, "the claim to fail")
    assert platform.calls(REPLY) == []
    sql(db, "DROP TRIGGER broken")
    await wait_async(lambda: running.runtime.store.inbox_depth() == 0, "the worker to recover")
    assert [r.json["replyToken"] for r in platform.calls(REPLY)] == ["rt-e1"]


def test_a_webhook_the_store_cannot_take_is_refused_so_the_platform_redelivers(
    tmp_path: Path, platform: PlatformStandIn, serve_in_process: Callable[[Path], InProcessServer]
) -> None:
    server = serve_in_process(write_config(tmp_path, platform.url))
    sql(server.db, "CREATE TRIGGER broken BEFORE INSERT ON inbox BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    webhook = line_webhook(line_user(1), "where is my parcel", "e1")
    refused = post(server.url, "line", webhook)
    assert refused.status_code == 503 and refused.headers["retry-after"]  # not 200: nothing was accepted
    sql(server.db, "DROP TRIGGER broken")
    assert post(server.url, "line", webhook).status_code == 200  # LINE's redelivery
    wait_until(lambda: platform.calls(REPLY), "the answer")
    wait_until(lambda: server.runtime.store.inbox_depth() == 0, "the inbox to drain")
    assert [r.json["replyToken"] for r in platform.calls(REPLY)] == ["rt-e1"]
    assert httpx.get(f"{server.url}/healthz").status_code == 200

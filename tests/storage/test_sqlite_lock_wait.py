"""The async SQLite engine never holds the event loop on a lock for longer than its bound.

Another process (a CLI command) holds the file's write lock; meanwhile the loop keeps ticking
every millisecond while a webhook's store call waits its turn as an ``await``.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from seabot.core.messages import InboundMessage
from seabot.core.storage import StoreBusy
from seabot.storage.sqlite_async import SqliteStorage

pytestmark = pytest.mark.anyio

_HOLDER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("INSERT INTO settings (key, value) VALUES ('held', '1')")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
"""


def hold_write_lock(path: Path, seconds: float) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(path), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    return holder


async def worst_loop_stall(during: asyncio.Future[Any]) -> float:
    worst = 0.0
    while not during.done():
        before = time.perf_counter()
        await asyncio.sleep(0.001)
        worst = max(worst, time.perf_counter() - before - 0.001)
    return worst


def inbound(n: int) -> InboundMessage:
    return InboundMessage(bot_id="b", channel="line", message_id=str(n), user_id="u", chat_id="u", text="hi")


async def test_a_write_waits_for_another_process_without_stalling_the_loop(tmp_path: Path) -> None:
    path = tmp_path / "seabot.db"
    storage = await SqliteStorage.open(path)
    try:
        holder = hold_write_lock(path, 0.4)
        started = time.monotonic()
        call = asyncio.ensure_future(storage.enqueue(inbound(1)))
        stall = await worst_loop_stall(call)
        enqueued = await call
        holder.communicate(timeout=5)
        assert not enqueued.duplicate and time.monotonic() - started >= 0.3  # it did wait for the lock
        assert stall < 0.05, f"the loop stalled {stall * 1000:.0f} ms"
    finally:
        await storage.close()


async def test_a_lock_held_too_long_is_store_busy_and_nothing_is_written(tmp_path: Path) -> None:
    path = tmp_path / "seabot.db"
    storage = await SqliteStorage.open(path, retry_for_s=0.2)
    try:
        holder = hold_write_lock(path, 1.0)
        call = asyncio.ensure_future(storage.enqueue(inbound(1)))
        stall = await worst_loop_stall(call)
        with pytest.raises(StoreBusy, match="locked"):
            await call
        assert stall < 0.05, f"the loop stalled {stall * 1000:.0f} ms"
        holder.communicate(timeout=5)
        assert await storage.depth() == 0
        assert not (await storage.enqueue(inbound(1))).duplicate  # and it works again
    finally:
        await storage.close()

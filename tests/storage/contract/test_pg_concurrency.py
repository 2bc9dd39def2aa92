"""PostgreSQL with several replicas: two pools (as two ``seabot serve`` would hold) on one database.

Work is handed out disjointly, one conversation is never leased to two claimers at once, a dead
claimer's lease is taken over after it expires, NOTIFY wakes an idle claimer of another pool, and
buckets, spend and dedupe hold under writers racing from both pools.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import AsyncIterator

import pytest

from seabot.core.messages import ChatKind, InboundMessage, Role
from seabot.core.storage import StoreUnavailable
from seabot.core.store import StoredMessage
from seabot.storage.postgres import MIGRATIONS, PostgresStorage
from tests.postgres import PgServer

pytestmark = pytest.mark.anyio


def inbound(message_id: str, chat: str) -> InboundMessage:
    return InboundMessage(
        bot_id="b", channel="line", message_id=message_id, user_id=chat, chat_id=chat, text=message_id
    )


@pytest.fixture
async def replicas(pg_url: str) -> AsyncIterator[tuple[PostgresStorage, PostgresStorage]]:
    first, second = await asyncio.gather(PostgresStorage.open(pg_url), PostgresStorage.open(pg_url))
    try:
        yield first, second
    finally:
        await asyncio.gather(first.close(), second.close())


async def test_replicas_migrating_together_do_not_race(pg_url: str) -> None:
    opened = await asyncio.gather(*(PostgresStorage.open(pg_url) for _ in range(4)))
    try:
        applied = [storage.schema.applied for storage in opened]
        assert all(storage.schema.version == MIGRATIONS[-1].version for storage in opened)
        assert sorted(len(names) for names in applied) == [0, 0, 0, len(MIGRATIONS)]  # one replica did the work
    finally:
        await asyncio.gather(*(storage.close() for storage in opened))


async def test_two_pools_get_disjoint_work_in_order_one_claimer_per_conversation(
    replicas: tuple[PostgresStorage, PostgresStorage],
) -> None:
    first, _ = replicas
    expected = {}
    for n in range(120):
        chat = f"c{n % 15}"
        enqueued = await first.enqueue(inbound(f"m{n}", chat))
        expected[enqueued.inbox_id] = chat
    worked: dict[str, list[int]] = defaultdict(list)  # claimer -> inbox ids
    finished: dict[str, list[int]] = defaultdict(list)  # conversation -> inbox ids, in finishing order
    active: dict[str, str] = {}  # conversation -> claimer working on it now
    overlaps: list[str] = []

    async def worker(storage: PostgresStorage, claimer: str) -> None:
        idle = 0
        while idle < 3:
            items = await storage.claim(claimer, 4, lease_s=30)
            if not items:
                idle += 1
                await storage.wait_for_work(0.2)
                continue
            idle = 0

            async def work(item_id: int, chat: str) -> None:
                if chat in active:
                    overlaps.append(f"{chat}: {active[chat]} and {claimer}")
                active[chat] = claimer
                await asyncio.sleep(0.002)
                worked[claimer].append(item_id)
                finished[chat].append(item_id)
                del active[chat]
                await storage.finish(item_id, claimer)

            await asyncio.gather(*(work(item.id, item.message.chat_id) for item in items))

    # two claimers per pool, as two workers per replica
    await asyncio.wait_for(
        asyncio.gather(
            *(worker(storage, f"{name}-{k}") for name, storage in zip("AB", replicas, strict=True) for k in range(2))
        ),
        60,
    )
    every = [item for items in worked.values() for item in items]
    assert sorted(every) == sorted(expected)  # each message once, none lost
    assert len({claimer for claimer, items in worked.items() if items}) >= 2  # really shared
    assert overlaps == []
    for chat, ids in finished.items():
        assert ids == sorted(ids), chat  # one conversation's messages in order
    assert await first.depth() == 0


async def test_a_dead_replicas_lease_is_taken_over_after_it_expires(pg_url: str) -> None:
    dead = await PostgresStorage.open(pg_url)
    alive = await PostgresStorage.open(pg_url)
    try:
        await alive.enqueue(inbound("m1", "u"))
        await alive.enqueue(inbound("m2", "u"))
        [held] = await dead.claim("dead", 5, lease_s=0.5)
        await dead.close()  # never renews, never finishes: as if killed
        assert await alive.claim("alive", 5, lease_s=30) == []  # still leased
        await asyncio.sleep(0.6)
        [taken] = await alive.claim("alive", 5, lease_s=30)
        assert (taken.id, taken.attempts) == (held.id, 1)  # the same head, tried again, in order
        await alive.finish(taken.id, "alive")
        [second] = await alive.claim("alive", 5, lease_s=30)
        assert second.message.message_id == "m2"
    finally:
        await alive.close()


async def test_notify_wakes_an_idle_claimer_of_another_pool_at_once(
    replicas: tuple[PostgresStorage, PostgresStorage],
) -> None:
    writer, idle = replicas
    assert await idle.claim("idle", 5, lease_s=30) == []
    waiting = asyncio.create_task(idle.wait_for_work(10.0))
    await asyncio.sleep(0.1)
    started = time.monotonic()
    await writer.enqueue(inbound("m1", "u"))
    assert await asyncio.wait_for(waiting, 5.0) is True
    assert time.monotonic() - started < 0.5  # woken by the notice, not by a poll
    [item] = await idle.claim("idle", 5, lease_s=30)
    # finishing with more of the conversation waiting wakes the others too
    await writer.enqueue(inbound("m2", "u"))
    await asyncio.sleep(0.1)
    assert await writer.claim("writer", 5, lease_s=30) == []  # m2 waits for m1's lease
    waiting = asyncio.create_task(writer.wait_for_work(10.0))
    await asyncio.sleep(0.1)
    assert not waiting.done()
    await idle.finish(item.id, "idle")
    assert await asyncio.wait_for(waiting, 5.0) is True


async def test_a_bucket_holds_under_writers_from_both_pools(replicas: tuple[PostgresStorage, PostgresStorage]) -> None:
    takes = await asyncio.gather(
        *(replicas[n % 2].take_token("b", "line", "u", capacity=10, refill_per_s=0.0, now=1000.0) for n in range(40))
    )
    assert sum(take.allowed for take in takes) == 10
    assert sum(take.notify for take in takes) == 1  # the customer hears "slow down" once


async def test_daily_spend_and_dedupe_hold_under_writers_from_both_pools(
    replicas: tuple[PostgresStorage, PostgresStorage],
) -> None:
    first, second = replicas
    conv = await first.conversation("b", "line", "u", ChatKind.PRIVATE)
    at = 1_780_000_000.0

    def reply(n: int) -> StoredMessage:
        return StoredMessage(
            conv.id, "b", "line", "u", "u", Role.BOT, "ok", inbound_id=str(n), cost_usd=0.01, created_at=at
        )

    # 60 replies, each stored by both replicas at once (a retry racing the original)
    await asyncio.gather(*(storage.append(reply(n)) for n in range(60) for storage in replicas))
    assert await first.day_spend_usd("b", at) == pytest.approx(0.60)
    assert len(await second.history("b", "u")) == 60
    enqueued = await asyncio.gather(*(replicas[n % 2].enqueue(inbound("same", "u")) for n in range(10)))
    assert sum(not e.duplicate for e in enqueued) == 1 and len({e.inbox_id for e in enqueued}) == 1


async def test_a_nonce_raced_by_two_replicas_with_two_bodies_is_fresh_once(
    replicas: tuple[PostgresStorage, PostgresStorage],
) -> None:
    fresh = await asyncio.gather(
        *(replicas[n % 2].first_use("b", "wechat", "n1", f"body{n}", now=100.0, window_s=300) for n in range(10))
    )
    assert sum(fresh) == 1


async def test_counter_flushes_racing_from_both_pools_add_up_without_deadlocks(
    replicas: tuple[PostgresStorage, PostgresStorage],
) -> None:
    names = [f"llm.model\x1f{n}" for n in range(5)]
    await asyncio.gather(
        *(
            replicas[n % 2].bump_counters({name: 1.0 for name in (names if n % 2 else reversed(names))})
            for n in range(20)
        )
    )
    assert await replicas[0].counters("llm.model\x1f") == {name: 20.0 for name in names}


async def test_connections_cut_by_the_server_are_unavailable_then_recovered(pg_url: str, pg_server: PgServer) -> None:
    storage = await PostgresStorage.open(pg_url)
    try:
        await storage.enqueue(inbound("m1", "u"))
        database = pg_url.split("/")[-1].split("?")[0]
        pg_server.psql(
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}';"
        )  # every connection of the pool and the listener, as a server restart would
        outcomes: list[bool | None] = []
        for _ in range(3):
            try:
                outcomes.append((await storage.enqueue(inbound("m2", "u"))).duplicate)
            except StoreUnavailable as exc:  # a connection the server cut is found out on its first use
                assert "cannot be reached" in str(exc)
                outcomes.append(None)
        assert outcomes[-1] is True and False in outcomes  # stored once, then found as the duplicate
        await asyncio.sleep(1.5)  # the listener reconnects by itself
        await storage.claim("w", 10, lease_s=30)  # (a reconnect wakes everyone: a notice may have been missed)
        waiting = asyncio.create_task(storage.wait_for_work(10.0))
        await asyncio.sleep(0.1)
        assert not waiting.done()
        await storage.enqueue(inbound("m3", "v"))
        assert await asyncio.wait_for(waiting, 5.0) is True
    finally:
        await storage.close()


_CLAIMER = """
import asyncio, sys, time
from seabot.core.messages import InboundMessage
from seabot.storage.postgres import PostgresStorage

async def main() -> None:
    storage = await PostgresStorage.open(sys.argv[1])
    for n in (1, 2):
        await storage.enqueue(
            InboundMessage(bot_id="b", channel="line", message_id=f"m{n}", user_id="u", chat_id="u", text="hi")
        )
    items = await storage.claim("doomed", 5, lease_s=3.0)
    print("claimed", *[item.id for item in items], flush=True)
    await asyncio.sleep(60)

asyncio.run(main())
"""


async def test_a_replica_killed_with_sigkill_leaves_its_work_to_the_others(pg_url: str) -> None:
    doomed = subprocess.Popen([sys.executable, "-c", _CLAIMER, pg_url], stdout=subprocess.PIPE, text=True)
    try:
        assert doomed.stdout is not None
        words = await asyncio.to_thread(doomed.stdout.readline)
        assert words.startswith("claimed "), words
        [held] = [int(word) for word in words.split()[1:]]
        os.kill(doomed.pid, signal.SIGKILL)
        doomed.wait(10)
    finally:
        if doomed.poll() is None:
            doomed.kill()
        doomed.communicate(timeout=10)
    alive = await PostgresStorage.open(pg_url)
    try:
        assert await alive.claim("alive", 5, lease_s=30) == []  # its lease still runs
        taken_over = []
        for _ in range(50):  # the lease expires 3 s after the claim
            await asyncio.sleep(0.2)
            if taken_over := await alive.claim("alive", 5, lease_s=30):
                break
        [taken] = taken_over
        assert (taken.id, taken.attempts, taken.message.message_id) == (held, 1, "m1")
        await alive.finish(taken.id, "alive")
        [then] = await alive.claim("alive", 5, lease_s=30)
        assert then.message.message_id == "m2"  # nothing lost, still in order
    finally:
        await alive.close()

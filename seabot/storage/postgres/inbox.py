"""The durable inbox on PostgreSQL: deduplicated intake, per-conversation leases, NOTIFY on new work.

``claim`` hands out the head (oldest open item) of each conversation nobody holds a live lease
on. The heads are locked ``FOR UPDATE SKIP LOCKED``, so claimers running at once pass over each
other's candidates instead of queueing on them; the lease row is the arbiter: it is inserted,
or taken over when expired, by an upsert that sees every committed lease, so a claimer whose
snapshot predates another's claim still cannot lease the same conversation twice. Times are the
database server's (``clock_timestamp()``), so replicas' clocks do not matter.
"""

from __future__ import annotations

import time

from seabot.core.messages import InboundMessage, Reply
from seabot.core.storage import keys
from seabot.core.store import Delivery, Enqueued, InboxItem, InboxStatus
from seabot.storage._wake import WorkSignal
from seabot.storage.codec import dump_inbound, dump_reply, load_inbound, load_reply
from seabot.storage.postgres._base import NOTIFY_CHANNEL, PostgresBase

__all__ = ["InboxSql"]

_NOW = "extract(epoch FROM clock_timestamp())::float8"

_CLAIM = f"""
WITH heads AS (
    SELECT i.id, i.conversation_key FROM inbox i
    WHERE i.status <> 'done'
      AND NOT EXISTS (SELECT 1 FROM inbox e
                      WHERE e.conversation_key = i.conversation_key AND e.status <> 'done' AND e.id < i.id)
      AND NOT EXISTS (SELECT 1 FROM inbox_leases l
                      WHERE l.conversation_key = i.conversation_key AND l.expires_at > {_NOW})
    ORDER BY i.id
    LIMIT %(limit)s
    FOR UPDATE OF i SKIP LOCKED
), leased AS (
    INSERT INTO inbox_leases AS l (conversation_key, claimer, inbox_id, expires_at)
    SELECT conversation_key, %(claimer)s, id, {_NOW} + %(lease_s)s FROM heads
    ON CONFLICT (conversation_key) DO UPDATE
        SET claimer = excluded.claimer, inbox_id = excluded.inbox_id, expires_at = excluded.expires_at
        WHERE l.expires_at <= {_NOW}
    RETURNING l.inbox_id
)
UPDATE inbox SET attempts = inbox.attempts + 1
FROM leased WHERE inbox.id = leased.inbox_id
RETURNING inbox.id, inbox.payload, inbox.status, inbox.reply, inbox.attempts - 1
"""


class InboxSql(PostgresBase):
    _signal: WorkSignal  # woken by the engine's LISTEN connection

    async def enqueue(self, message: InboundMessage) -> Enqueued:
        key = keys.conversation_key(message.bot_id, message.channel, message.conversation_id)
        async with self._conn() as conn:
            row = await (
                await conn.execute(
                    "INSERT INTO inbox (bot_id, channel, message_id, conversation_key, payload, status, received_at)"
                    " VALUES (%s, %s, %s, %s, %s, 'pending', %s) ON CONFLICT (bot_id, channel, message_id) DO NOTHING"
                    " RETURNING id, pg_notify(%s, '')::text",  # the notice goes out when this commits
                    (
                        message.bot_id,
                        message.channel,
                        message.message_id,
                        key,
                        dump_inbound(message),
                        time.time(),
                        NOTIFY_CHANNEL,
                    ),
                )
            ).fetchone()
            if row is not None:
                return Enqueued(inbox_id=int(row[0]), duplicate=False)
            row = await (
                await conn.execute(
                    "SELECT id FROM inbox WHERE bot_id = %s AND channel = %s AND message_id = %s",
                    (message.bot_id, message.channel, message.message_id),
                )
            ).fetchone()
        assert row is not None
        return Enqueued(inbox_id=int(row[0]), duplicate=True)

    async def claim(self, claimer: str, limit: int, *, lease_s: float) -> list[InboxItem]:
        if limit <= 0:
            return []
        self._signal.claiming()
        async with self._conn() as conn:
            rows = await (
                await conn.execute(_CLAIM, {"limit": limit, "claimer": claimer, "lease_s": lease_s})
            ).fetchall()
        return sorted(
            (InboxItem(row[0], load_inbound(row[1]), InboxStatus(row[2]), load_reply(row[3]), row[4]) for row in rows),
            key=lambda item: item.id,
        )

    async def renew(self, claimer: str, conversation_keys: list[str], *, lease_s: float) -> set[str]:
        if not conversation_keys:
            return set()
        async with self._conn() as conn:
            rows = await (
                await conn.execute(
                    f"UPDATE inbox_leases SET expires_at = {_NOW} + %s"
                    " WHERE claimer = %s AND conversation_key = ANY(%s) RETURNING conversation_key",
                    (lease_s, claimer, list(conversation_keys)),
                )
            ).fetchall()
        return {row[0] for row in rows}

    async def release(self, claimer: str, conversation_keys: list[str]) -> None:
        if not conversation_keys:
            return
        async with self._tx() as conn:
            await conn.execute(
                "DELETE FROM inbox_leases WHERE claimer = %s AND conversation_key = ANY(%s)",
                (claimer, list(conversation_keys)),
            )
            await conn.execute("SELECT pg_notify(%s, '')", (NOTIFY_CHANNEL,))

    async def mark_answered(self, inbox_id: int, reply: Reply | None) -> None:
        async with self._conn() as conn:
            await conn.execute(
                "UPDATE inbox SET status = 'answered', reply = %s, updated_at = %s WHERE id = %s",
                (dump_reply(reply), time.time(), inbox_id),
            )

    async def finish(self, inbox_id: int, claimer: str, *, in_response: bool = False) -> None:
        async with self._tx() as conn:
            row = await (
                await conn.execute(
                    "UPDATE inbox SET status = 'done', in_response = %s, updated_at = %s WHERE id = %s"
                    " RETURNING conversation_key",
                    (int(in_response), time.time(), inbox_id),
                )
            ).fetchone()
            if row is None:
                return
            await conn.execute(
                "DELETE FROM inbox_leases WHERE conversation_key = %s AND claimer = %s", (row[0], claimer)
            )
            # the conversation's next message may be claimed now, by any replica
            await conn.execute(
                "SELECT pg_notify(%s, '') WHERE EXISTS"
                " (SELECT 1 FROM inbox WHERE conversation_key = %s AND status <> 'done')",
                (NOTIFY_CHANNEL, row[0]),
            )

    async def delivery(self, inbox_id: int) -> Delivery:
        async with self._conn() as conn:
            row = await (
                await conn.execute("SELECT status, in_response, reply FROM inbox WHERE id = %s", (inbox_id,))
            ).fetchone()
        if row is None:
            return Delivery(done=False)
        done = row[0] == InboxStatus.DONE
        return Delivery(done=done, reply_in_response=load_reply(row[2]) if done and row[1] else None)

    async def depth(self) -> int:
        async with self._conn() as conn:
            row = await (await conn.execute("SELECT COUNT(*) FROM inbox WHERE status <> 'done'")).fetchone()
        return int(row[0]) if row else 0

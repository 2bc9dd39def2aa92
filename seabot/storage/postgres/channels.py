"""The channel adapters' small durable state on PostgreSQL: poll offsets, delivery progress, pushes,
webhook nonces, and the settings and counters of typed stores that own their key format.

Rows sit in ``settings`` and ``counters`` under the key formats of ``seabot.core.storage.keys``,
exactly as in the SQLite file, so ``seabot migrate --to`` copies them unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping

from seabot.core.storage import keys
from seabot.core.storage.interfaces import MonthlyPushes
from seabot.storage.postgres._base import PostgresBase

__all__ = ["ChannelsSql"]


class ChannelsSql(PostgresBase):
    async def _setting(self, key: str) -> str | None:
        async with self._conn() as conn:
            row = await (await conn.execute("SELECT value FROM settings WHERE key = %s", (key,))).fetchone()
        return None if row is None else str(row[0])

    async def _put_setting(self, key: str, value: str) -> None:
        async with self._conn() as conn:
            await conn.execute(
                "INSERT INTO settings (key, value) VALUES (%s, %s)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    async def poll_offset(self, bot_id: str, channel: str) -> int | None:
        value = await self._setting(keys.poll_offset_key(bot_id, channel))
        return None if value is None else int(value)

    async def set_poll_offset(self, bot_id: str, channel: str, offset: int) -> None:
        await self._put_setting(keys.poll_offset_key(bot_id, channel), str(offset))

    async def parts_sent(self, bot_id: str, channel: str, inbound_id: str) -> int:
        value = await self._setting(keys.parts_sent_key(bot_id, channel, inbound_id))
        return 0 if value is None else int(value)

    async def set_parts_sent(self, bot_id: str, channel: str, inbound_id: str, parts: int) -> None:
        await self._put_setting(keys.parts_sent_key(bot_id, channel, inbound_id), str(parts))

    async def reply_token_refused(self, bot_id: str, channel: str, inbound_id: str) -> bool:
        return await self._setting(keys.refused_token_key(bot_id, channel, inbound_id)) is not None

    async def mark_reply_token_refused(self, bot_id: str, channel: str, inbound_id: str) -> None:
        await self._put_setting(keys.refused_token_key(bot_id, channel, inbound_id), "1")

    async def was_sent_by_bot(self, bot_id: str, channel: str, message_id: str) -> bool:
        return await self._setting(keys.sent_message_key(bot_id, channel, message_id)) is not None

    async def mark_sent_by_bot(self, bot_id: str, channel: str, message_id: str) -> None:
        await self._put_setting(keys.sent_message_key(bot_id, channel, message_id), "1")

    async def count_push(self, bot_id: str, channel: str, at: float) -> int:
        async with self._conn() as conn:
            row = await (
                await conn.execute(
                    "INSERT INTO counters (name, value) VALUES (%s, 1)"
                    " ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value",
                    (keys.push_counter(bot_id, channel, keys.month_of(at)),),
                )
            ).fetchone()
        assert row is not None
        return int(row[0])

    async def push_counts(self, bot_id: str | None = None) -> list[MonthlyPushes]:
        async with self._conn() as conn:
            rows = await (
                await conn.execute("SELECT name, value FROM counters WHERE strpos(name, '_pushes:') > 0 ORDER BY name")
            ).fetchall()
        found = []
        for name, value in rows:
            parsed = keys.parse_push_counter(name)
            if parsed is not None and (bot_id is None or parsed[1] == bot_id):
                found.append(MonthlyPushes(bot_id=parsed[1], channel=parsed[0], month=parsed[2], pushes=int(value)))
        return found

    # -- RequestNonces ------------------------------------------------------------------------

    async def first_use(
        self, bot_id: str, channel: str, nonce: str, digest: str, *, now: float, window_s: float
    ) -> bool:
        scope = keys.nonce_scope(bot_id, channel)
        async with self._tx() as conn:
            await conn.execute("DELETE FROM request_nonces WHERE seen_at < %s", (now - window_s,))
            # a replica inserting the same nonce at once waits here for the other's commit
            inserted = await (
                await conn.execute(
                    "INSERT INTO request_nonces (scope, nonce, digest, seen_at) VALUES (%s, %s, %s, %s)"
                    " ON CONFLICT (scope, nonce) DO NOTHING RETURNING 1",
                    (scope, nonce, digest, now),
                )
            ).fetchone()
            if inserted is not None:
                return True
            row = await (
                await conn.execute("SELECT digest FROM request_nonces WHERE scope = %s AND nonce = %s", (scope, nonce))
            ).fetchone()
        return row is not None and str(row[0]) == digest

    # -- KeyValueState ------------------------------------------------------------------------

    async def get_setting(self, key: str) -> str | None:
        return await self._setting(key)

    async def put_setting(self, key: str, value: str) -> None:
        await self._put_setting(key, value)

    async def bump_counters(self, amounts: Mapping[str, float]) -> None:
        if not amounts:
            return
        async with self._tx() as conn, conn.cursor() as cur:
            await cur.executemany(
                "INSERT INTO counters (name, value) VALUES (%s, %s)"
                " ON CONFLICT (name) DO UPDATE SET value = counters.value + excluded.value",
                sorted(amounts.items()),  # one order for every replica: no deadlock between two flushes
            )

    async def counters(self, prefix: str) -> dict[str, float]:
        async with self._conn() as conn:
            rows = await (
                await conn.execute("SELECT name, value FROM counters WHERE starts_with(name, %s)", (prefix,))
            ).fetchall()
        return {str(name): float(value) for name, value in rows}

"""Token buckets and the answer cache on PostgreSQL (each one atomic transaction)."""

from __future__ import annotations

from seabot.core.ratelimit import BucketState, refill
from seabot.core.storage import keys
from seabot.core.store import CachedAnswer, TokenTake
from seabot.storage.postgres._base import PostgresBase

__all__ = ["LimitsSql"]

_CACHE_COLUMNS = "bot_id, lang, key, text, model, tier, created_at, expires_at, hits"


class LimitsSql(PostgresBase):
    async def take_token(
        self, bot_id: str, channel: str, user_id: str, *, capacity: float, refill_per_s: float, now: float
    ) -> TokenTake:
        key = keys.rate_bucket_key(bot_id, channel, user_id)
        async with self._tx() as conn:
            # the row lock serializes every replica's takers of this bucket until commit
            await conn.execute(
                "INSERT INTO rate_buckets (key, tokens, updated_at, noted) VALUES (%s, %s, %s, 0)"
                " ON CONFLICT (key) DO NOTHING",
                (key, capacity, now),
            )
            row = await (
                await conn.execute(
                    "SELECT tokens, updated_at, noted FROM rate_buckets WHERE key = %s FOR UPDATE", (key,)
                )
            ).fetchone()
            assert row is not None
            # a replica whose clock is behind never winds the bucket back
            state = refill(BucketState(row[0], row[1]), max(now, row[1]), capacity, refill_per_s)
            if state.tokens >= 1.0:
                take, tokens, noted = TokenTake(allowed=True, notify=False), state.tokens - 1.0, False
            else:
                take, tokens, noted = TokenTake(allowed=False, notify=not row[2]), state.tokens, True
            await conn.execute(
                "UPDATE rate_buckets SET tokens = %s, updated_at = %s, noted = %s WHERE key = %s",
                (tokens, state.updated_at, int(noted), key),
            )
        return take

    async def cached_answer(self, bot_id: str, lang: str, key: str, now: float) -> CachedAnswer | None:
        async with self._conn() as conn:
            row = await (
                await conn.execute(
                    f"UPDATE answer_cache SET hits = hits + 1"
                    f" WHERE bot_id = %s AND lang = %s AND key = %s AND expires_at > %s RETURNING {_CACHE_COLUMNS}",
                    (bot_id, lang, key, now),
                )
            ).fetchone()
        return None if row is None else CachedAnswer(*row)

    async def cache_answer(self, entry: CachedAnswer) -> None:
        async with self._tx() as conn:
            await conn.execute("DELETE FROM answer_cache WHERE expires_at <= %s", (entry.created_at,))
            await conn.execute(
                f"INSERT INTO answer_cache ({_CACHE_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 0)"
                " ON CONFLICT (bot_id, lang, key) DO UPDATE SET text = excluded.text, model = excluded.model,"
                " tier = excluded.tier, created_at = excluded.created_at, expires_at = excluded.expires_at, hits = 0",
                (entry.bot_id, entry.lang, entry.key, entry.text, entry.model, entry.tier,
                 entry.created_at, entry.expires_at),
            )  # fmt: skip

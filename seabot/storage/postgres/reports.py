"""The merchant's view (daily stats) and erasure of one customer, on PostgreSQL.

The same rows as ``seabot.storage.stats`` and ``seabot.storage.erasure`` compute on SQLite; the
contract suite holds the two engines' answers equal.
"""

from __future__ import annotations

import json
from typing import SupportsFloat

from seabot.core.storage import keys
from seabot.core.store import DailyStats, Erasure
from seabot.core.textnorm import normalize
from seabot.storage.postgres._base import PostgresBase

__all__ = ["ReportsSql"]

_DAY = "to_char(to_timestamp(created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
_SCOPE = "created_at >= %(since)s AND (%(bot)s::text IS NULL OR bot_id = %(bot)s)"


class ReportsSql(PostgresBase):
    async def daily_stats(self, since: float, bot_id: str | None = None) -> list[DailyStats]:
        args = {"since": since, "bot": bot_id}
        async with self._conn() as conn:
            totals = await (
                await conn.execute(
                    f"SELECT bot_id, {_DAY},"
                    " COUNT(*) FILTER (WHERE role = 'customer'), COUNT(*) FILTER (WHERE role = 'bot'),"
                    " COALESCE(SUM(tokens_in), 0), COALESCE(SUM(tokens_out), 0), COALESCE(SUM(cost_usd), 0),"
                    " COUNT(*) FILTER (WHERE role = 'bot' AND responder = 'cache'),"
                    " COUNT(*) FILTER (WHERE role = 'bot' AND fallback = 1),"
                    " COALESCE(SUM(tokens_in) FILTER (WHERE responder = 'llm'), 0),"
                    " COALESCE(SUM(tokens_out) FILTER (WHERE responder = 'llm'), 0),"
                    " percentile_disc(0.5) WITHIN GROUP (ORDER BY latency_ms) FILTER (WHERE role = 'bot'),"
                    " percentile_disc(0.95) WITHIN GROUP (ORDER BY latency_ms) FILTER (WHERE role = 'bot')"
                    f" FROM messages WHERE {_SCOPE} GROUP BY 1, 2 ORDER BY 1, 2",
                    args,
                )
            ).fetchall()
            grouped: dict[str, dict[tuple[str, str], dict[str, int]]] = {}
            # an answer with no tier (built-in, offline, an order card) counts under who gave it
            for group, column, role in (
                ("lang", "lang", "customer"),
                ("tier", "COALESCE(tier, responder)", "bot"),
                ("model", "model", "bot"),
                ("lookups", "(context::json ->> 'outcome')", "bot"),
            ):
                found: dict[tuple[str, str], dict[str, int]] = {}
                for b, d, name, count in await (
                    await conn.execute(
                        f"SELECT bot_id, {_DAY}, {column}, COUNT(*) FROM messages"
                        f" WHERE role = %(role)s AND {column} IS NOT NULL AND {column} <> '' AND {_SCOPE}"
                        " GROUP BY 1, 2, 3",
                        {**args, "role": role},
                    )
                ).fetchall():
                    found.setdefault((b, d), {})[str(name)] = int(count)
                grouped[group] = found
            order_cost = {
                (b, d): float(cost)
                for b, d, cost in await (
                    await conn.execute(
                        f"SELECT bot_id, {_DAY}, COALESCE(SUM(cost_usd), 0) FROM messages"
                        f" WHERE role = 'bot' AND context IS NOT NULL AND {_SCOPE} GROUP BY 1, 2",
                        args,
                    )
                ).fetchall()
            }
            handoffs = {
                (b, d): int(n)
                for b, d, n in await (
                    await conn.execute(
                        f"SELECT bot_id, {_DAY}, COUNT(*) FROM handoffs WHERE {_SCOPE} GROUP BY 1, 2", args
                    )
                ).fetchall()
            }
        by_key = {(row[0], row[1]): row for row in totals}
        result = []
        for key in sorted(set(by_key) | set(handoffs)):
            row = by_key.get(key, (*key, 0, 0, 0, 0, 0.0, 0, 0, 0, 0, None, None))
            result.append(
                DailyStats(
                    bot_id=key[0], day=key[1], messages=int(row[2]), answers=int(row[3]),
                    languages=_tally(grouped["lang"].get(key, {})), tiers=_tally(grouped["tier"].get(key, {})),
                    models=_tally(grouped["model"].get(key, {})), tokens_in=int(row[4]), tokens_out=int(row[5]),
                    cost_usd=float(row[6]), p50_ms=_ms(row[11]), p95_ms=_ms(row[12]), cache_hits=int(row[7]),
                    fallbacks=int(row[8]), handoffs=handoffs.get(key, 0), llm_tokens_in=int(row[9]),
                    llm_tokens_out=int(row[10]), order_lookups=_tally(grouped["lookups"].get(key, {})),
                    order_cost_usd=order_cost.get(key, 0.0),
                )
            )  # fmt: skip
        return result

    async def forget(self, bot_id: str, user_or_chat_id: str) -> Erasure:
        user_id = user_or_chat_id
        async with self._tx() as conn:
            private = await (
                await conn.execute(
                    "SELECT id, channel, chat_id FROM conversations WHERE bot_id = %s AND chat_id = %s FOR UPDATE",
                    (bot_id, user_id),
                )
            ).fetchall()
            ids = [row[0] for row in private]
            questions = await (
                await conn.execute(
                    "SELECT text FROM messages WHERE bot_id = %s AND role = 'customer'"
                    " AND (user_id = %s OR conversation_id = ANY(%s))",
                    (bot_id, user_id, ids),
                )
            ).fetchall()
            cache_keys = sorted({normalize(text) for (text,) in questions})

            async def deleted(sql: str, params: tuple[object, ...]) -> int:
                return (await conn.execute(sql, params)).rowcount

            messages = await deleted("DELETE FROM messages WHERE conversation_id = ANY(%s)", (ids,))
            # in groups: the customer's own messages and the bot's replies to them
            messages += await deleted(
                "DELETE FROM messages WHERE bot_id = %s AND inbound_id IN ("
                " SELECT inbound_id FROM messages WHERE bot_id = %s AND user_id = %s AND role = 'customer'"
                " AND inbound_id IS NOT NULL)",
                (bot_id, bot_id, user_id),
            )
            messages += await deleted("DELETE FROM messages WHERE bot_id = %s AND user_id = %s", (bot_id, user_id))
            handoffs = await deleted(
                "DELETE FROM handoffs WHERE bot_id = %s AND (user_id = %s OR conversation_id = ANY(%s))",
                (bot_id, user_id, ids),
            )
            conversations = await deleted("DELETE FROM conversations WHERE id = ANY(%s)", (ids,))
            await deleted("DELETE FROM order_dialogs WHERE bot_id = %s AND user_id = %s", (bot_id, user_id))
            conversation_keys = {keys.conversation_key(bot_id, channel, chat_id) for _, channel, chat_id in private}
            doomed = [
                row_id
                for row_id, payload, key in await (
                    await conn.execute("SELECT id, payload, conversation_key FROM inbox WHERE bot_id = %s", (bot_id,))
                ).fetchall()
                if key in conversation_keys or json.loads(payload).get("user_id") == user_id
            ]
            inbox = await deleted("DELETE FROM inbox WHERE id = ANY(%s)", (doomed,))
            await conn.execute(
                "DELETE FROM inbox_leases WHERE conversation_key = ANY(%s)", (sorted(conversation_keys),)
            )
            prefix, suffix = keys.rate_bucket_bot_prefix(bot_id), keys.rate_bucket_user_suffix(user_id)
            rate_limits = await deleted(
                "DELETE FROM rate_buckets WHERE starts_with(key, %s) AND right(key, %s) = %s",
                (prefix, len(suffix), suffix),
            )
            cache = await deleted("DELETE FROM answer_cache WHERE bot_id = %s AND key = ANY(%s)", (bot_id, cache_keys))
        return Erasure(messages, conversations, inbox, cache, handoffs, rate_limits)


def _tally(counts: dict[str, int]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _ms(value: SupportsFloat | None) -> float | None:
    return None if value is None else float(value)

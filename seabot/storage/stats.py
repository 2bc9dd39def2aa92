"""The merchant's view: per bot and UTC day, read from the messages and handoffs tables."""

from __future__ import annotations

import sqlite3

from seabot.core.store import DailyStats

__all__ = ["daily_stats"]


def daily_stats(conn: sqlite3.Connection, since: float, bot_id: str | None) -> list[DailyStats]:
    day = "date(created_at, 'unixepoch')"
    scope = "created_at >= ? AND (? IS NULL OR bot_id = ?)"
    args = (since, bot_id, bot_id)

    def grouped(column: str, role: str) -> dict[tuple[str, str], list[tuple[str | None, int]]]:
        found: dict[tuple[str, str], list[tuple[str | None, int]]] = {}
        for b, d, name, count in conn.execute(
            f"SELECT bot_id, {day}, {column}, COUNT(*) FROM messages WHERE role = ? AND {scope} GROUP BY 1, 2, 3",
            (role, *args),
        ):
            found.setdefault((b, d), []).append((name, count))
        return found

    totals = conn.execute(
        f"SELECT bot_id, {day},"
        " SUM(role = 'customer'), SUM(role = 'bot'), TOTAL(tokens_in), TOTAL(tokens_out), TOTAL(cost_usd),"
        " SUM(role = 'bot' AND responder = 'cache'), SUM(role = 'bot' AND fallback = 1),"
        " TOTAL(CASE WHEN responder = 'llm' THEN tokens_in END),"
        " TOTAL(CASE WHEN responder = 'llm' THEN tokens_out END)"
        f" FROM messages WHERE {scope} GROUP BY 1, 2 ORDER BY 1, 2",
        args,
    ).fetchall()
    languages = grouped("lang", "customer")
    tiers = grouped("COALESCE(tier, responder)", "bot")  # no tier (built-in, offline, order card): who answered
    models = grouped("model", "bot")
    lookups = grouped("json_extract(context, '$.outcome')", "bot")  # answers based on an order lookup
    order_cost = {
        (b, d): float(cost)
        for b, d, cost in conn.execute(
            f"SELECT bot_id, {day}, TOTAL(cost_usd) FROM messages WHERE role = 'bot' AND context IS NOT NULL"
            f" AND {scope} GROUP BY 1, 2",
            args,
        )
    }
    latencies: dict[tuple[str, str], list[float]] = {}
    for b, d, ms in conn.execute(
        f"SELECT bot_id, {day}, latency_ms FROM messages"
        f" WHERE role = 'bot' AND latency_ms IS NOT NULL AND {scope} ORDER BY latency_ms",
        args,
    ):
        latencies.setdefault((b, d), []).append(float(ms))
    handoffs = {
        (b, d): int(n)
        for b, d, n in conn.execute(f"SELECT bot_id, {day}, COUNT(*) FROM handoffs WHERE {scope} GROUP BY 1, 2", args)
    }
    days = {(row[0], row[1]) for row in totals} | set(handoffs)
    by_key = {(row[0], row[1]): row for row in totals}
    result = []
    for key in sorted(days):
        row = by_key.get(key, (*key, 0, 0, 0, 0, 0.0, 0, 0, 0, 0))
        lat = latencies.get(key, [])
        result.append(
            DailyStats(
                bot_id=key[0], day=key[1], messages=int(row[2] or 0), answers=int(row[3] or 0),
                languages=_tally(languages.get(key, [])), tiers=_tally(tiers.get(key, [])),
                models=_tally(models.get(key, [])), tokens_in=int(row[4]), tokens_out=int(row[5]),
                cost_usd=float(row[6]), p50_ms=_percentile(lat, 0.5), p95_ms=_percentile(lat, 0.95),
                cache_hits=int(row[7] or 0), fallbacks=int(row[8] or 0), handoffs=handoffs.get(key, 0),
                llm_tokens_in=int(row[9]), llm_tokens_out=int(row[10]),
                order_lookups=_tally(lookups.get(key, [])), order_cost_usd=order_cost.get(key, 0.0),
            )
        )  # fmt: skip
    return result


def _tally(pairs: list[tuple[str | None, int]]) -> dict[str, int]:
    return {str(name): int(count) for name, count in sorted(pairs, key=lambda p: (-p[1], str(p[0]))) if name}


def _percentile(sorted_values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return None
    rank = max(1, -(-len(sorted_values) * fraction // 1))
    return sorted_values[int(rank) - 1]

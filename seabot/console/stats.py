"""What the bots did and cost, per bot and UTC day, for the console's stats page and its CSV:
the store's daily numbers (``DailyStats``), messages per channel, what the same answers would
have cost on the premium tier, and the time from a handoff to the first person's reply."""

from __future__ import annotations

import csv
import io
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from seabot.bots.config import AppConfig
from seabot.core.store import DailyStats

__all__ = ["StatsRow", "stats_rows", "stats_csv", "CSV_COLUMNS", "bar_chart"]


@dataclass(frozen=True, slots=True)
class StatsRow:
    day: DailyStats
    channels: dict[str, int] = field(default_factory=dict)
    premium_cost_usd: float | None = None
    first_reply_s: float | None = None  # median seconds from a handoff to a person's first reply

    @property
    def savings_usd(self) -> float | None:
        return None if self.premium_cost_usd is None else self.premium_cost_usd - self.day.cost_usd


def _reference(config: AppConfig) -> tuple[float, float] | None:
    """$/Mtok in and out of the tier every message would go to without routing (premium, else the priciest)."""
    tiers = config.llm.tiers
    tier = tiers.get("premium") or max(
        tiers.values(), key=lambda t: t.input_usd_per_mtok + t.output_usd_per_mtok, default=None
    )
    return None if tier is None else (tier.input_usd_per_mtok, tier.output_usd_per_mtok)


def stats_rows(
    config: AppConfig,
    days: Sequence[DailyStats],
    channels: dict[tuple[str, str, str], int],
    first_replies: dict[tuple[str, str], list[float]],
) -> list[StatsRow]:
    reference = _reference(config)
    rows = []
    for day in sorted(days, key=lambda d: (d.day, d.bot_id), reverse=True):
        premium = None
        if reference is not None:
            premium = (day.llm_tokens_in * reference[0] + day.llm_tokens_out * reference[1]) / 1_000_000
        replies = first_replies.get((day.bot_id, day.day))
        rows.append(StatsRow(
            day=day,
            channels={ch: n for (bot, d, ch), n in sorted(channels.items()) if bot == day.bot_id and d == day.day},
            premium_cost_usd=premium,
            first_reply_s=statistics.median(replies) if replies else None,
        ))  # fmt: skip
    return rows


CSV_COLUMNS = (
    "bot", "day", "messages", "answers", "languages", "channels", "tiers", "models", "tokens_in", "tokens_out",
    "cost_usd", "premium_cost_usd", "savings_usd", "p50_ms", "p95_ms", "cache_hits", "fallbacks", "handoffs",
    "first_human_reply_s",
)  # fmt: skip


def _tally(counts: dict[str, int]) -> str:
    return " ".join(f"{k}:{v}" for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _cell(value: object) -> str:
    text = "" if value is None else f"{value:.6f}" if isinstance(value, float) else str(value)
    # a spreadsheet runs a cell that starts like a formula: a bot id or model name is data
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _number(text) else text


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def stats_csv(rows: Sequence[StatsRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        d = row.day
        writer.writerow([_cell(v) for v in (
            d.bot_id, d.day, d.messages, d.answers, _tally(d.languages), _tally(row.channels), _tally(d.tiers),
            _tally(d.models), d.tokens_in, d.tokens_out, d.cost_usd, row.premium_cost_usd, row.savings_usd,
            d.p50_ms, d.p95_ms, d.cache_hits, d.fallbacks, d.handoffs, row.first_reply_s,
        )])  # fmt: skip
    return out.getvalue()


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: float
    x: float
    height: float
    text: str


def bar_chart(
    points: Sequence[tuple[str, float]], *, height: float = 120.0, width: float = 28.0, fmt: str = "{:g}"
) -> list[Bar]:
    """Bars for a server-rendered SVG: one per (label, value), scaled to the largest."""
    top = max((v for _, v in points), default=0.0) or 1.0
    return [
        Bar(label, value, i * (width + 6), height * value / top, fmt.format(value))
        for i, (label, value) in enumerate(points)
    ]

"""``seabot stats``: per bot and day, what came in, who answered, what it cost, and the savings;
``--models``: per provider and model, the numbers to choose models by (answers, errors, p50/p95
latency and time to first token, tokens, cost, cost per 1 000 conversations)."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import time
from collections import Counter
from collections.abc import Sequence
from typing import SupportsFloat

from seabot.bots.canaries import canary_decisions, canary_json, canary_line
from seabot.bots.config import AppConfig, TierConfig
from seabot.core.budget import DAY_S, day_start
from seabot.core.llm.ledger import CounterModelStats, ModelRow, summarize
from seabot.core.storage.keys import RATE_LIMITED_PREFIX, parse_rate_limited_counter
from seabot.core.store import DailyStats
from seabot.storage import SqliteStore

LINE_PUSHES = "line_pushes:"


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("stats", parents=[common], help="messages, tiers, cost and latency per bot and day")
    p.add_argument("--bot", help="only this bot")
    p.add_argument("--days", type=int, default=7, help="days back, today included (UTC; default 7)")
    p.add_argument("--json", action="store_true", help="one JSON document for scripts")
    p.add_argument(
        "--models", action="store_true", help="per provider and model: latency, TTFT, errors, cost (all bots)"
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace, config: AppConfig) -> int:
    if args.bot:
        config.bot(args.bot)
    if args.days < 1:
        print("seabot stats: --days must be at least 1")
        return 2
    since = day_start(time.time()) - (args.days - 1) * DAY_S
    if args.models:
        return _run_models(args, config, since)
    store = SqliteStore(config.storage.path)
    try:
        days = store.daily_stats(since, args.bot)
        pushes = store.counters(LINE_PUSHES)
        limited = store.counters(RATE_LIMITED_PREFIX)
        canaries = asyncio.run(canary_decisions(config, store))
    finally:
        store.close()
    reference = _reference_tier(config)
    refused = {key: int(n) for name, n in limited.items() if (key := parse_rate_limited_counter(name)) is not None}
    rows = [{**_row(day, reference), "rate_limited": refused.get((day.bot_id, day.day), 0)} for day in days]
    line = _line_pushes(pushes, args.bot)
    if args.json:
        document = {
            "since": time.strftime("%Y-%m-%d", time.gmtime(since)),
            "reference_tier": reference.name if reference else None,
            "days": rows,
            "totals": _totals(rows),
            "line_pushes": line,
            "canaries": [canary_json(config, tier, d) for tier, d in canaries.items()],
        }
        print(json.dumps(document, ensure_ascii=False, indent=2))
        return 0
    _print_table(rows, reference, args.days)
    if line:
        print("\nLINE push messages (count against the LINE plan's monthly quota):")
        print(_table(["bot", "month", "pushes"], [[str(p["bot"]), str(p["month"]), str(p["pushes"])] for p in line]))
    for tier, decision in canaries.items():
        print(canary_line(config, tier, decision))
    return 0


def read_model_rows(config: AppConfig, since: float, *, by_arm: bool = False) -> list[ModelRow]:
    store = SqliteStore(config.storage.path)
    try:
        tallies = asyncio.run(CounterModelStats(store).read(time.strftime("%Y-%m-%d", time.gmtime(since))))
    finally:
        store.close()
    return summarize(tallies, by_arm=by_arm)


def _run_models(args: argparse.Namespace, config: AppConfig, since: float) -> int:
    rows = read_model_rows(config, since)
    if args.json:
        document = {
            "since": time.strftime("%Y-%m-%d", time.gmtime(since)),
            "models": [model_row_json(row) for row in rows],
        }
        print(json.dumps(document, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print(f"no model answers in the last {args.days} day(s)")
        return 0
    print(model_table(rows))
    print("\np50/p95: time a model took for a message, retries included; TTFT: time to the first streamed"
          " token (providers with stream = true). Per model numbers are for all bots.")  # fmt: skip
    return 0


def model_row_json(row: ModelRow) -> dict[str, object]:
    document = dataclasses.asdict(row)
    document["error_rate"] = row.error_rate
    document["cost_per_answer_usd"] = row.cost_per_answer_usd
    return {k: v for k, v in document.items() if not (k in ("tier", "arm") and v is None)}


def model_table(rows: Sequence[ModelRow]) -> str:
    arms = any(row.arm is not None for row in rows)
    headers = [*(["tier", "arm"] if arms else []), "provider", "model", "answers", "errors", "p50 ms", "p95 ms",
               "TTFT p50", "TTFT p95", "tokens in/out", "cost $", "$/1k answers", "$/1k conv", "fallbacks"]  # fmt: skip
    body = []
    for r in rows:
        rate = f"{r.errors} ({r.error_rate:.1%})" if r.error_rate is not None else str(r.errors)
        body.append([*([r.tier or "-", r.arm or "-"] if arms else []), r.provider, r.model, str(r.answers), rate,
                     _ms(r.p50_ms), _ms(r.p95_ms), _ms(r.ttft_p50_ms), _ms(r.ttft_p95_ms),
                     f"{r.tokens_in}/{r.tokens_out}", _usd(r.cost_usd),
                     _usd(None if r.cost_per_answer_usd is None else r.cost_per_answer_usd * 1000),
                     _usd(r.cost_per_1k_conversations_usd), str(r.fallbacks)])  # fmt: skip
    return _table(headers, body)


def _reference_tier(config: AppConfig) -> TierConfig | None:
    """The tier every message would go to without routing: premium, else the priciest configured."""
    tiers = config.llm.tiers
    if "premium" in tiers:
        return tiers["premium"]
    return max(tiers.values(), key=lambda t: t.input_usd_per_mtok + t.output_usd_per_mtok, default=None)


def _row(day: DailyStats, reference: TierConfig | None) -> dict[str, object]:
    row = dataclasses.asdict(day)
    premium = None
    if reference is not None:
        premium = (
            day.llm_tokens_in * reference.input_usd_per_mtok + day.llm_tokens_out * reference.output_usd_per_mtok
        ) / 1_000_000
    row["premium_cost_usd"] = premium
    row["savings_usd"] = None if premium is None else premium - day.cost_usd
    return row


def _totals(rows: Sequence[dict[str, object]]) -> dict[str, object]:
    totals: dict[str, object] = {}
    for key in (
        "messages",
        "answers",
        "tokens_in",
        "tokens_out",
        "cache_hits",
        "fallbacks",
        "handoffs",
        "rate_limited",
    ):
        totals[key] = sum(int(_number(r[key])) for r in rows)
    totals["cost_usd"] = sum(_number(r["cost_usd"]) for r in rows)
    premium = [_number(r["premium_cost_usd"]) for r in rows if r["premium_cost_usd"] is not None]
    lookups: Counter[str] = Counter()
    for r in rows:
        lookups.update(r["order_lookups"] if isinstance(r["order_lookups"], dict) else {})
    totals["order_lookups"] = dict(lookups)
    totals["order_cost_usd"] = sum(_number(r["order_cost_usd"]) for r in rows)
    totals["premium_cost_usd"] = sum(premium) if premium else None
    totals["savings_usd"] = (sum(premium) - _number(totals["cost_usd"])) if premium else None
    return totals


def _line_pushes(counters: dict[str, float], bot: str | None) -> list[dict[str, object]]:
    found = []
    for name, value in sorted(counters.items()):
        bot_id, _, month = name[len(LINE_PUSHES) :].rpartition(":")
        if bot_id and (bot is None or bot_id == bot):
            found.append({"bot": bot_id, "month": month, "pushes": int(value)})
    return found


def _tally(counts: object) -> str:
    items = Counter(counts if isinstance(counts, dict) else {})
    return " ".join(f"{name}:{n}" for name, n in items.most_common()) or "-"


def _number(value: object) -> float:
    """A number from a JSON-shaped row (``dict[str, object]``)."""
    if isinstance(value, SupportsFloat):
        return float(value)
    raise TypeError(f"not a number: {value!r}")


def _ms(value: object) -> str:
    return "-" if value is None else f"{_number(value):.0f}"


def _usd(value: object) -> str:
    return "-" if value is None else f"{_number(value):.4f}"


def _print_table(rows: Sequence[dict[str, object]], reference: TierConfig | None, days: int) -> None:
    if not rows:
        print(f"no messages in the last {days} day(s)")
        return
    headers = ["day", "bot", "msgs", "languages", "tiers", "models", "tokens in/out", "cost $",
               "p50 ms", "p95 ms", "cache", "fallback", "handoff", "rate-limited"]  # fmt: skip
    body = [
        [str(r["day"]), str(r["bot_id"]), str(r["messages"]), _tally(r["languages"]), _tally(r["tiers"]),
         _tally(r["models"]), f"{r['tokens_in']}/{r['tokens_out']}", _usd(r["cost_usd"]), _ms(r["p50_ms"]),
         _ms(r["p95_ms"]), str(r["cache_hits"]), str(r["fallbacks"]), str(r["handoffs"]), str(r["rate_limited"])]
        for r in rows
    ]  # fmt: skip
    print(_table(headers, body))
    totals = _totals(rows)
    print(
        f"\ntotal: {totals['messages']} messages, {totals['answers']} answers, cost ${_number(totals['cost_usd']):.4f}"
        f", {totals['cache_hits']} from cache, {totals['fallbacks']} fallbacks, {totals['handoffs']} handoffs"
        f", {totals['rate_limited']} messages refused by the rate limit (each customer heard so once)"
    )
    if totals["order_lookups"]:
        print(
            f"order answers by lookup outcome: {_tally(totals['order_lookups'])}"
            f" (cost ${_number(totals['order_cost_usd']):.4f}; an order card from the template costs nothing)"
        )
    if reference is not None and totals["premium_cost_usd"] is not None:
        premium = _number(totals["premium_cost_usd"])
        saved = _number(totals["savings_usd"])
        share = f" ({saved / premium:.0%})" if premium > 0 else ""
        print(
            f"savings vs sending every model answer to {reference.name} ({reference.model}): "
            f"${saved:.4f}{share} — that tier would have cost ${premium:.4f}; cache hits saved more"
        )


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)).rstrip() for row in rows)
    return "\n".join(lines)

"""``seabot history``: a customer's conversation, oldest first."""

from __future__ import annotations

import argparse
import time

from seabot.bots.config import AppConfig
from seabot.bots.terminal import json_line, shown
from seabot.storage import SqliteStore


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("history", parents=[common], help="show a customer's conversation")
    p.add_argument("--bot", required=True)
    p.add_argument("--user", required=True, help="customer (or group) id")
    p.add_argument("--limit", type=int, default=200)
    p.add_argument("--json", action="store_true", help="one JSON object per message")
    p.add_argument("--simulated", action="store_true", help="read `seabot simulate`'s own database")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, config: AppConfig) -> int:
    config.bot(args.bot)
    store = SqliteStore(config.storage.simulation_path if args.simulated else config.storage.path)
    try:
        messages = store.history(args.bot, args.user, limit=args.limit)
    finally:
        store.close()
    if not messages:
        print(f"no messages for user {shown(repr(args.user))} of bot {args.bot!r}")
        return 0
    for m in messages:
        if args.json:
            print(json_line({
                "time": m.created_at, "channel": m.channel, "role": str(m.role), "text": m.text, "lang": m.lang,
                "responder": m.responder, "model": m.model, "tier": m.tier, "cost_usd": m.cost_usd,
                "latency_ms": m.latency_ms,
            }))  # fmt: skip
            continue
        stamp = time.strftime("%Y-%m-%d %H:%M:%S %z", time.localtime(m.created_at))
        detail = f"{m.lang or '-'}"
        if m.role.value == "bot":
            detail += f", {m.responder or '-'}"
            if m.model:
                detail += f" {m.model}"
            if m.latency_ms is not None:
                detail += f", {m.latency_ms:.0f} ms"
        print(f"{stamp} [{shown(m.channel)}] {m.role.value:8} ({shown(detail)}) {shown(m.text)}")
    return 0

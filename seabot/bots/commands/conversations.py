"""``seabot conversations``: customers and conversations, with the ids the other commands take."""

from __future__ import annotations

import argparse
import time

from seabot.bots.config import AppConfig
from seabot.bots.terminal import json_line, shown
from seabot.storage import SqliteStore


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "conversations", parents=[common], help="list customers and conversations (ids for the other commands)"
    )
    p.add_argument("--bot", help="only this bot")
    p.add_argument("--channel", help="only this channel (telegram, line, wechat, console)")
    p.add_argument("--handoff", action="store_true", help="only those with a person")
    p.add_argument("--limit", type=int, default=500)
    p.add_argument("--json", action="store_true", help="one JSON object per conversation")
    p.add_argument("--simulated", action="store_true", help="read `seabot simulate`'s own database")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, config: AppConfig) -> int:
    if args.bot:
        config.bot(args.bot)
    store = SqliteStore(config.storage.simulation_path if args.simulated else config.storage.path)
    try:
        found = store.conversations(args.bot, args.channel, handoff_only=args.handoff, limit=args.limit)
    finally:
        store.close()
    if args.json:
        for c in found:
            print(json_line({
                "bot": c.bot_id, "channel": c.channel, "chat_id": c.chat_id, "chat_kind": str(c.chat_kind),
                "lang": c.lang, "handoff": c.handoff, "messages": c.messages, "customers": list(c.customers),
                "last_at": c.last_at,
            }))  # fmt: skip
        return 0
    if not found:
        print("no conversations" + (f" for bot {args.bot!r}" if args.bot else ""))
        return 0
    print(
        f"{'last activity':<26}{'bot':<14}{'channel':<10}{'chat (--user)':<36}{'kind':<9}{'lang':<6}{'msgs':>6}  status"
    )
    for c in found:
        when = time.strftime("%Y-%m-%d %H:%M:%S %z", time.localtime(c.last_at)) if c.last_at else "-"
        status = "with a person" if c.handoff else "with the bot"
        print(f"{when:<26}{shown(c.bot_id):<14}{shown(c.channel):<10}{shown(c.chat_id):<36}{c.chat_kind!s:<9}"
              f"{c.lang or '-':<6}{c.messages:>6}  {status}")  # fmt: skip
        if c.chat_kind.value == "group" and c.customers:
            print(f"{'':<26}members: {shown(', '.join(c.customers))}")
    print("\nread one: seabot history --bot BOT --user CHAT; erase a customer: seabot forget --bot BOT --user ID")
    return 0

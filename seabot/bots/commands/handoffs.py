"""``seabot handoffs``: conversations a person has taken over and not yet given back."""

from __future__ import annotations

import argparse
import shlex
import time

from seabot.bots.config import AppConfig
from seabot.bots.terminal import json_line, shown
from seabot.storage import SqliteStore


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("handoffs", parents=[common], help="list conversations handed to a person")
    p.add_argument("--bot", help="only this bot")
    p.add_argument("--json", action="store_true", help="one JSON object per open handoff")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, config: AppConfig) -> int:
    if args.bot:
        config.bot(args.bot)
    store = SqliteStore(config.storage.path)
    try:
        handoffs = store.open_handoffs(args.bot)
    finally:
        store.close()
    if args.json:
        for h in handoffs:
            print(json_line({
                "bot": h.bot_id, "channel": h.channel, "chat_id": h.chat_id, "user_id": h.user_id, "lang": h.lang,
                "reasons": list(h.reasons), "since": h.created_at,
            }))  # fmt: skip
        return 0
    if not handoffs:
        print("no open handoffs" + (f" for bot {args.bot!r}" if args.bot else ""))
        return 0
    print(f"{len(handoffs)} conversation(s) with a person (the bot stays silent in them):")
    for h in handoffs:
        since = time.strftime("%Y-%m-%d %H:%M", time.localtime(h.created_at))
        why = shown("; ".join(h.reasons) or "-")
        chat, user = shown(h.chat_id), shown(h.user_id or "-")
        print(f"  {since}  bot {h.bot_id}  {h.channel} chat {chat} (user {user}, {h.lang or '-'})  {why}")
        print(f"      give it back: seabot release --bot {h.bot_id} --user {shlex.quote(chat)}")
    return 0

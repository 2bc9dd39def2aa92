"""``seabot release``: give a conversation a person had back to the bot."""

from __future__ import annotations

import argparse
import time

from seabot.bots.config import AppConfig
from seabot.storage import SqliteStore


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("release", parents=[common], help="let the bot answer a handed-off conversation again")
    p.add_argument("--bot", required=True)
    p.add_argument("--user", required=True, help="customer (or group chat) id, as `seabot handoffs` shows it")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, config: AppConfig) -> int:
    config.bot(args.bot)
    store = SqliteStore(config.storage.path)
    try:
        released = store.release_handoff(args.bot, args.user, time.time())
    finally:
        store.close()
    if released:
        print(f"released {released} conversation(s) of {args.user!r} back to bot {args.bot!r}")
    else:
        print(f"no open handoff for {args.user!r} of bot {args.bot!r}; nothing to release")
    return 0

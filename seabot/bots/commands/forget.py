"""``seabot forget``: erase a customer (right to erasure) and say what was removed."""

from __future__ import annotations

import argparse

from seabot.bots.config import AppConfig
from seabot.storage import SqliteStore


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("forget", parents=[common], help="erase a customer's data (PDPA / UU PDP)")
    p.add_argument("--bot", required=True)
    p.add_argument("--user", required=True, help="customer id (as `seabot conversations` lists them)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, config: AppConfig) -> int:
    config.bot(args.bot)
    store = SqliteStore(config.storage.path)
    try:
        erased = store.forget(args.bot, args.user)
    finally:
        store.close()
    print(
        f"erased user {args.user!r} of bot {args.bot!r}: {erased.messages} messages, "
        f"{erased.conversations} conversations, {erased.inbox} inbox rows, {erased.cache} cached answers, "
        f"{erased.handoffs} handoffs, {erased.rate_limits} rate-limit records"
    )
    return 0

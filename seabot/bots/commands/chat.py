"""``seabot chat``: the console channel, interactive or piped."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from seabot.adapters.console import ConsoleChannel
from seabot.bots.config import AppConfig
from seabot.bots.runtime import Runtime
from seabot.bots.terminal import shown


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("chat", parents=[common], help="talk to a bot as a customer on the console")
    p.add_argument("--bot", required=True, help="bot id from the config")
    p.add_argument("--user", default="console-user", help="customer id; the conversation continues across runs")
    p.add_argument("-v", "--verbose", action="store_true", help="show INFO log lines (on stderr)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, config: AppConfig) -> int:
    config.bot(args.bot)
    if not args.verbose:  # the conversation is on stdout; only what needs attention goes to stderr
        logging.getLogger().setLevel(max(logging.WARNING, logging.getLogger().level))
    runtime = Runtime.open(config)
    interactive = sys.stdin.isatty()
    if interactive:
        print(f"Chatting with {config.bot(args.bot).profile.display_name} as {args.user!r}. Ctrl-D to quit.")
    channel = ConsoleChannel(
        bot_id=args.bot,
        user_id=args.user,
        answerer=runtime.pipeline(args.bot),
        out=sys.stdout,
        err=sys.stderr,
        prompt="you> " if interactive else "",
        show=shown,
    )

    async def session() -> int:
        try:
            return await channel.run(sys.stdin.buffer)
        finally:
            await runtime.aclose()

    unreadable = asyncio.run(session())
    return 1 if unreadable else 0

"""``seabot simulate --bot ID --channel line|telegram|wechat "text"``: try a channel on a laptop.

The work is in ``seabot.bots.simulation``, imported only when this command runs (it loads
the webhook server and every platform SDK).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from seabot.bots.config import AppConfig
from seabot.bots.terminal import shown

CHANNELS = ("line", "telegram", "wechat")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("simulate", parents=[common], help="send a signed test webhook and print the bot's answer")
    p.add_argument("--bot", required=True, help="bot id from the config")
    p.add_argument("--channel", required=True, choices=CHANNELS, help="platform to simulate")
    p.add_argument("--user", default="simulator", help="customer id; the conversation continues across runs")
    p.add_argument("--url", help="post to this running server instead of an in-process one")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the answer (default 30)")
    p.add_argument("text", help="what the customer writes")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, config: AppConfig) -> int:
    from seabot.bots.simulation import simulate

    config.bot(args.bot)
    for noisy in ("uvicorn.error", "seabot.server"):  # two loopback servers start and stop
        logging.getLogger(noisy).setLevel(logging.WARNING)
    texts = asyncio.run(
        simulate(config, args.bot, args.channel, args.user, args.text, url=args.url, timeout=args.timeout)
    )
    for part in texts:
        print(shown(part))
    sys.stdout.flush()
    if args.url is None:  # the in-process server kept the conversation in simulate's own database
        from seabot.adapters.line.simulate import user_id as line_user_id
        from seabot.adapters.telegram.simulate import chat_id_for

        user = {"telegram": chat_id_for, "line": line_user_id}.get(args.channel, str)(args.user)
        print(f"(kept in {config.storage.simulation_path}; read it with: seabot history --simulated "
              f"--config {config.source} --bot {args.bot} --user {shown(user)}, or list them with "
              f"seabot conversations --simulated)", file=sys.stderr)  # fmt: skip
    return 0

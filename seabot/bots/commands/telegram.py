"""``seabot telegram set-webhook|delete-webhook --bot ID``: register the webhook with Telegram."""

from __future__ import annotations

import argparse
import asyncio
import sys
from urllib.parse import urlsplit

from seabot.bots.config import AppConfig


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("telegram", parents=[common], help="Telegram setup: set-webhook, delete-webhook")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    s = actions.add_parser(
        "set-webhook", parents=[common], help="point Telegram at this server (with the secret token)"
    )
    s.add_argument("--bot", required=True, help="bot id from the config")
    s.add_argument("--url", required=True, help="public https URL of the server, or of its /webhooks/<bot>/telegram")
    s.add_argument("--drop-pending", action="store_true", help="discard updates Telegram is still holding")
    d = actions.add_parser("delete-webhook", parents=[common], help="remove the webhook (to use `seabot poll`)")
    d.add_argument("--bot", required=True, help="bot id from the config")
    p.set_defaults(run=run)


def webhook_url(url: str, bot_id: str) -> str:
    """A bare server URL gets the bot's webhook path appended."""
    url = url.rstrip("/")
    return url if urlsplit(url).path not in ("", "/") else f"{url}/webhooks/{bot_id}/telegram"


async def _call(config: AppConfig, args: argparse.Namespace) -> int:
    # Imported here, not at the top: the platform SDKs are heavy and every `seabot` command loads this module.
    from telegram.error import TelegramError

    from seabot.adapters.telegram import ALLOWED_UPDATES
    from seabot.bots.channels import telegram_adapter

    async with telegram_adapter(config, args.bot) as (_, adapter):
        if adapter is None:
            print(f"seabot: bot {args.bot!r} has no [bots.{args.bot}.telegram] table", file=sys.stderr)
            return 2
        try:
            if args.action == "delete-webhook":
                await adapter.bot.delete_webhook()
                print(f"webhook removed for {args.bot}; `seabot poll --bot {args.bot}` can run now")
                return 0
            if not adapter.config.secret_token:
                print(f"seabot: set bots.{args.bot}.telegram.secret_token first; webhooks are verified with it",
                      file=sys.stderr)  # fmt: skip
                return 1
            url = webhook_url(args.url, args.bot)
            await adapter.bot.set_webhook(
                url,
                secret_token=adapter.config.secret_token,
                allowed_updates=list(ALLOWED_UPDATES),
                drop_pending_updates=args.drop_pending,
            )
            print(f"webhook set for {args.bot}: {url}")
            return 0
        except TelegramError as exc:
            print(f"seabot: Telegram refused: {exc}", file=sys.stderr)
            return 1


def run(args: argparse.Namespace, config: AppConfig) -> int:
    config.bot(args.bot)
    return asyncio.run(_call(config, args))

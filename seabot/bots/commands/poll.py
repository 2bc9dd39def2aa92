"""``seabot poll --bot ID``: Telegram long polling (no public URL needed)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

from seabot.bots.config import AppConfig


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("poll", parents=[common], help="answer a Telegram bot by long polling (getUpdates)")
    p.add_argument("--bot", required=True, help="bot id from the config")
    p.add_argument("--timeout", type=int, default=30, help="long-poll timeout in seconds (default 30)")
    p.set_defaults(run=run)


async def poll(config: AppConfig, bot_id: str, timeout_s: int, stop: asyncio.Event) -> int:
    # Imported here, not at the top: the platform SDKs are heavy and every `seabot` command loads this module.
    from seabot.adapters.telegram import PollingError, TelegramPoller
    from seabot.bots.channels import telegram_adapter
    from seabot.core.inbox import InboxWorker

    async with telegram_adapter(config, bot_id) as (runtime, adapter):
        if adapter is None:
            print(f"seabot: bot {bot_id!r} has no [bots.{bot_id}.telegram] table", file=sys.stderr)
            return 2
        worker = InboxWorker(
            runtime.store,
            runtime.pipelines,
            lambda bot, channel: adapter if (bot, channel) == (bot_id, "telegram") else None,
            runtime.metrics,
            concurrency=config.server.concurrency,
            coalesce_gap_s=config.server.coalesce_gap_s,  # lines typed in a burst answered together, as served
        )
        poller = TelegramPoller(adapter, runtime.store, worker, timeout_s=timeout_s)
        worker_task = asyncio.create_task(worker.run(), name="inbox-worker")
        print(f"seabot polling Telegram for {bot_id} (Ctrl-C to stop)", flush=True)
        try:
            await poller.run(stop)
        except PollingError as exc:
            print(f"seabot: {exc}", file=sys.stderr)
            return 1
        finally:
            await worker.stop()
            worker_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker_task
        return 0


def run(args: argparse.Namespace, config: AppConfig) -> int:
    from seabot.storage import answering_lock

    config.bot(args.bot)

    async def main() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(signum, stop.set)
        return await poll(config, args.bot, args.timeout, stop)

    with answering_lock(config.storage.path):  # one answering process per database
        return asyncio.run(main())

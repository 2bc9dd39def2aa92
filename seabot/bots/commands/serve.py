"""``seabot serve``: the webhook server."""

from __future__ import annotations

import argparse
import sys

from seabot.bots.config import AppConfig


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("serve", parents=[common], help="run the webhook server")
    p.add_argument("--host", help="address to listen on (default: [server].host)")
    p.add_argument("--port", type=int, help="port to listen on (default: [server].port)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, config: AppConfig) -> int:
    from seabot.storage import answering_lock

    with answering_lock(config.storage.path):  # one answering process per database
        return _serve(args, config)


def _serve(args: argparse.Namespace, config: AppConfig) -> int:
    # Imported here, not at the top: the server and the platform SDKs are heavy, and every
    # `seabot` command loads this module to build its argument parser.
    from seabot.bots.channels import build_adapters
    from seabot.bots.runtime import Runtime
    from seabot.bots.server import create_app
    from seabot.bots.serving import Listener, run_server
    from seabot.console import create_console_app

    host = args.host or config.server.host
    port = args.port or config.server.port
    console = config.console
    if (console.host, console.port) == (host, port):
        print(f"seabot: the console listener cannot share the webhook address {host}:{port}; "
              "set [console] port to another one", file=sys.stderr)  # fmt: skip
        return 1
    runtime = Runtime.open(config)
    adapters = build_adapters(runtime)
    base = config.server.public_url or f"http://{host}:{port}"
    print(f"seabot serving {len(config.bots)} bot(s) on http://{host}:{port}  (health: {base}/healthz)")
    print(
        f"  console: http://{console.host}:{console.port}/ (accounts: `seabot users add EMAIL --role admin`); "
        f"metrics: http://{console.host}:{console.port}/metrics (not on the webhook port)"
    )
    for bot_id, bot in config.bots.items():
        if not bot.channels:
            print(f"  {bot_id}: no channels configured; try it with `seabot chat --bot {bot_id}`")
        for channel in bot.channels:
            print(f"  {bot_id} {channel:8} webhook: {base}/webhooks/{bot_id}/{channel}")
    run_server(
        create_app(runtime, adapters), host=host, port=port, on_shutdown=runtime.aclose,
        beside=[Listener(create_console_app(runtime, adapters), console.host, console.port)],
    )  # fmt: skip
    return 0

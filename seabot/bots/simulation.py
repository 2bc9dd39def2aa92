"""What ``seabot simulate`` does: try a channel on a laptop, without a platform account.

Builds a realistic, correctly signed webhook for the channel and prints the answer the
server sent to the platform API. A small loopback server plays the platform API.

* Default: everything runs in this process — the real webhook server (``create_app``) on
  a loopback port, with the bot's ``api_base`` pointed at the stand-in. The channel's
  keys come from the config, or test keys when the channel is not configured. The
  conversation is kept in ``<database>.simulate.db`` next to the configured database,
  so ``--user`` continues a conversation across runs without touching live data.
* ``--url URL``: post to a running ``seabot serve`` instead. That server must send to the
  stand-in, so its config must set the channel's ``api_base`` to a loopback address such
  as ``http://127.0.0.1:8901``; simulate listens there while it waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import socket
import time
from collections.abc import AsyncIterator
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from seabot.adapters.line import simulate as line_sim
from seabot.adapters.settings import LineConfig, TelegramConfig, WechatConfig
from seabot.adapters.telegram import simulate as telegram_sim
from seabot.adapters.wechat import simulate as wechat_sim
from seabot.bots.channels import build_adapters
from seabot.bots.config import AppConfig, StorageConfig
from seabot.bots.runtime import Runtime
from seabot.bots.server import create_app

CHANNELS: dict[str, ModuleType] = {"telegram": telegram_sim, "line": line_sim, "wechat": wechat_sim}
_TEST_KEYS: dict[str, TelegramConfig | LineConfig | WechatConfig] = {
    "telegram": TelegramConfig(token="1000001:simulated", secret_token="simulated-secret"),
    "line": LineConfig(channel_secret="simulated-secret", access_token="simulated-token"),
    "wechat": WechatConfig(token="simulated", app_id="wxsimulated", app_secret="simulated"),
}
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


class _PlatformStandIn:
    """Answers the platform API calls and collects the texts the bot sent."""

    def __init__(self, module: ModuleType) -> None:
        self.module = module
        self.texts: list[str] = []
        self.arrived = asyncio.Event()

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        payload: dict[str, Any]
        try:
            payload = (
                json.loads(body) if body and body.lstrip().startswith(b"{") else dict(httpx.QueryParams(body.decode()))
            )
        except (ValueError, UnicodeDecodeError):
            payload = {}
        path = request.url.path
        self.texts.extend(self.module.sent_texts(path, payload))
        if self.texts:
            self.arrived.set()
        answer = self.module.api_answer(path, payload)
        return JSONResponse(
            answer if answer is not None else {"error": "not simulated"}, status_code=200 if answer is not None else 404
        )


@contextlib.asynccontextmanager
async def _serve(app: Any, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[str]:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise SystemExit(
            f"seabot: cannot listen on {host}:{port} for the platform's side ({exc.strerror or exc}); "
            "is another simulate running? Free the port, or point the channel's api_base at another one"
        ) from None
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False, lifespan="on"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("server did not start")
            await asyncio.sleep(0.01)
        yield f"http://{host}:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task
        sock.close()


def _sim_config(config: AppConfig, bot_id: str, channel: str, api_base: str) -> AppConfig:
    bot = config.bot(bot_id)
    settings = bot.channels.get(channel) or _TEST_KEYS[channel]
    only = dataclasses.replace(settings, api_base=api_base)  # the one channel simulated; the others off
    sim_bot = dataclasses.replace(
        bot,
        telegram=only if isinstance(only, TelegramConfig) else None,
        line=only if isinstance(only, LineConfig) else None,
        wechat=only if isinstance(only, WechatConfig) else None,
    )
    sim_db = config.storage.simulation_path
    return dataclasses.replace(config, bots={bot_id: sim_bot}, storage=StorageConfig(path=sim_db))


async def _post(url: str, request: Any, timeout: float) -> httpx.Response:
    async with httpx.AsyncClient(timeout=timeout) as client:
        return await client.post(url, content=request.body, headers=dict(request.headers), params=dict(request.query))


async def simulate(config: AppConfig, bot_id: str, channel: str, user: str, text: str,
                   *, url: str | None = None, timeout: float = 30.0) -> list[str]:  # fmt: skip
    """The texts the bot sent for one simulated customer message."""
    module = CHANNELS[channel]
    standin = _PlatformStandIn(module)
    standin_app = Starlette(routes=[Route("/{path:path}", standin.handle, methods=["GET", "POST"])])
    if url is None:
        async with _serve(standin_app) as api_base:
            sim = _sim_config(config, bot_id, channel, api_base)
            settings = sim.bot(bot_id).channels[channel]
            runtime = Runtime.open(sim)
            try:
                app = create_app(runtime, build_adapters(runtime, bots={bot_id}))
                async with _serve(app) as server_url:
                    return await _exchange(
                        standin,
                        module,
                        settings,
                        f"{server_url}/webhooks/{bot_id}/{channel}",
                        user,
                        text,
                        timeout,
                        drained=lambda: runtime.store.inbox_depth() == 0,
                    )
            finally:
                await runtime.aclose()
    served = config.bot(bot_id).channels.get(channel)
    if served is None:
        raise SystemExit(f"seabot: bot {bot_id!r} has no [bots.{bot_id}.{channel}] table; the server needs one")
    parts = urlsplit(served.api_base)
    if parts.hostname not in _LOOPBACK or not parts.port:
        raise SystemExit(
            f"seabot: with --url the server must send to a local stand-in: set bots.{bot_id}.{channel}.api_base "
            f'= "http://127.0.0.1:8901" (any free port) in its config, restart it, and run simulate again'
        )
    async with _serve(standin_app, parts.hostname, parts.port):
        return await _exchange(standin, module, served, f"{url.rstrip('/')}/webhooks/{bot_id}/{channel}",
                               user, text, timeout, drained=None)  # fmt: skip


async def _exchange(standin: _PlatformStandIn, module: ModuleType, settings: Any, webhook_url: str,
                    user: str, text: str, timeout: float, drained: Any) -> list[str]:  # fmt: skip
    request = module.webhook(settings, user, text)
    response = await _post(webhook_url, request, timeout)
    if response.status_code != 200:
        raise SystemExit(f"seabot: the server answered {response.status_code}: {response.text[:200]}")
    texts: list[str] = []
    if module is wechat_sim:
        passive = wechat_sim.passive_text(settings, response.content)
        if passive is not None:
            texts.append(passive)
    if not texts:
        try:
            await asyncio.wait_for(standin.arrived.wait(), timeout)
        except TimeoutError:
            raise SystemExit(f"seabot: no answer within {timeout:.0f}s") from None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:  # let every part of a long answer arrive
        count = len(standin.texts)
        await asyncio.sleep(0.3)
        if len(standin.texts) == count and (drained is None or drained()):
            break
    return texts + standin.texts

"""Loopback stand-ins and process plumbing for the end-to-end benchmarks (``e2e``, ``faults``).

Every piece runs in its own process so that the server under test, the load generator and
the stand-ins never share one interpreter lock or one event loop:

    python -m bench.standins llm      --port 0 [--fail 0.33] [--seed 1]
    python -m bench.standins platform --port 0 --notify 127.0.0.1:PORT
    python -m bench.standins bare     --port 0
    python -m bench.standins relay    --port 0 --llm URL --platform URL
    python -m bench.standins serve    --config PATH --port PORT [--lift-telegram-rates]

``llm``      an OpenAI-compatible ``/v1/chat/completions`` that answers at once, echoing the
             ``ref<digits>`` tokens of the last user message (so every answer maps back to the
             message it answers); ``--fail`` answers that share of calls with HTTP 500.
``platform`` the Telegram Bot API, LINE Messaging API and WeChat API endpoints the adapters call;
             every delivered text is streamed, with the time it arrived (``time.monotonic()``,
             which is one clock for all processes of the machine), as one JSON line to ``--notify``.
``bare``     a Starlette endpoint served by uvicorn exactly as ``seabot serve`` serves its app,
             that only parses the JSON body and answers 200: the ceiling for the throughput ratio.
``relay``    the least a LINE bot must do, served the same way: parse the webhook, one LLM call,
             one LINE reply (aiohttp, one pooled session), answer 200; no signature, storage,
             language, routing, retries or inbox. A second, informative ceiling for throughput.
``serve``    ``seabot serve`` (same Runtime, adapters, app and uvicorn settings), with the option to
             lift the adapter's Telegram send-rate limiter (1 message/s per chat, 30/s per bot), which
             would otherwise measure Telegram's documented limits instead of the server.

The stand-ins use aiohttp (installed with line-bot-sdk) because it is lighter than uvicorn's h11
server and the point is to spend as little of the two cores as possible outside the server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REF = re.compile(r"ref(\d+)")
ROOT = Path(__file__).resolve().parents[1]

# -- the LLM stand-in ------------------------------------------------------------------------------


def llm_app(fail: float, seed: int):
    from aiohttp import web

    rng = random.Random(seed)
    served = {"ok": 0, "failed": 0}

    async def chat(request: web.Request) -> web.Response:
        body = await request.json()
        if fail and rng.random() < fail:
            served["failed"] += 1
            return web.json_response({"error": {"message": "stand-in failure", "type": "server_error"}}, status=500)
        served["ok"] += 1
        last = next((m.get("content", "") for m in reversed(body.get("messages", [])) if m.get("role") == "user"), "")
        refs = " ".join(f"ref{r}" for r in REF.findall(str(last))) or "no ref"
        text = f"Thank you for your message ({refs}). Your order is on its way and should arrive within three days."
        return web.json_response({
            "id": "chatcmpl-bench", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model", "bench"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150},
        })  # fmt: skip

    async def stats(_: web.Request) -> web.Response:
        return web.json_response(served)

    app = web.Application()
    app.router.add_post("/v1/chat/completions", chat)
    app.router.add_get("/_stats", stats)
    return app


# -- the platform stand-in -------------------------------------------------------------------------


class _Notifier:
    """Streams one JSON line per delivered text to the load generator."""

    def __init__(self, target: str | None) -> None:
        self._target = target
        self._writer: asyncio.StreamWriter | None = None

    async def connect(self) -> None:
        if self._target:
            host, port = self._target.rsplit(":", 1)
            _, self._writer = await asyncio.open_connection(host, int(port))

    def send(self, channel: str, chat: str, text: str) -> None:
        line = json.dumps({"c": channel, "chat": chat, "text": text, "t": time.monotonic()}, ensure_ascii=False)
        if self._writer is not None:
            self._writer.write(line.encode("utf-8") + b"\n")


def platform_app(notifier: _Notifier):
    from aiohttp import web

    counts = {"telegram": 0, "line": 0, "wechat": 0, "calls": 0}

    async def params(request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            raw = await request.read()
            return json.loads(raw) if raw else {}
        return dict(await request.post())

    async def telegram(request: web.Request) -> web.Response:
        counts["calls"] += 1
        method = request.match_info["method"]
        p = await params(request)
        if method == "getMe":
            result: Any = {"id": 777000111, "is_bot": True, "first_name": "Bench", "username": "bench_bot"}
        elif method == "sendMessage":
            chat_id = int(p["chat_id"])
            counts["telegram"] += 1
            notifier.send("telegram", str(chat_id), str(p.get("text", "")))
            result = {"message_id": counts["telegram"], "date": int(time.time()), "text": p.get("text", ""),
                      "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"}}  # fmt: skip
        else:  # sendChatAction, setWebhook, ...
            result = True
        return web.json_response({"ok": True, "result": result})

    used_reply_tokens: set[str] = set()

    async def line(request: web.Request) -> web.Response:
        counts["calls"] += 1
        p = await params(request)
        if request.path.endswith("/reply"):
            if p.get("replyToken") in used_reply_tokens:  # as LINE: a reply token works once
                return web.json_response({"message": "Invalid reply token"}, status=400)
            used_reply_tokens.add(str(p.get("replyToken")))
        texts = [m.get("text", "") for m in p.get("messages", []) if m.get("type") == "text"]
        chat = str(p.get("to") or p.get("replyToken") or "")
        for text in texts:
            counts["line"] += 1
            notifier.send("line", chat, text)
        return web.json_response({"sentMessages": [{"id": str(i + 1), "quoteToken": "q"} for i in range(len(texts))]})

    async def wechat_token(_: web.Request) -> web.Response:
        counts["calls"] += 1
        return web.json_response({"access_token": "bench-access-token", "expires_in": 7200})

    async def wechat_send(request: web.Request) -> web.Response:
        counts["calls"] += 1
        p = await params(request)
        if p.get("msgtype") == "text":
            counts["wechat"] += 1
            notifier.send("wechat", str(p.get("touser", "")), str(p.get("text", {}).get("content", "")))
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    async def stats(_: web.Request) -> web.Response:
        return web.json_response(counts)

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", telegram)
    app.router.add_post("/v2/bot/message/reply", line)
    app.router.add_post("/v2/bot/message/push", line)
    app.router.add_get("/cgi-bin/token", wechat_token)
    app.router.add_post("/cgi-bin/message/custom/send", wechat_send)
    app.router.add_get("/_stats", stats)
    return app


async def _run_aiohttp(app: Any, port: int, before: Callable[[], Any] | None = None) -> None:
    from aiohttp import web

    if before is not None:
        await before()
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    bound = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]  # started just above
    print(f"READY {bound}", flush=True)
    await asyncio.Event().wait()


# -- the bare endpoint and the bare relay ----------------------------------------------------------


def bare_app():
    from starlette.requests import Request
    from starlette.responses import Response

    async def hook(request: Request) -> Response:
        await request.json()
        return Response(b"", status_code=200)

    return _webhook_app(hook)


def relay_app(llm_url: str, platform_url: str):
    import contextlib

    import aiohttp
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response

    pool: dict[str, aiohttp.ClientSession] = {}
    auth = {"Authorization": "Bearer bench"}

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette):
        async with aiohttp.ClientSession() as session:
            pool["session"] = session
            yield

    async def hook(request: Request) -> Response:
        event = (await request.json())["events"][0]
        session = pool["session"]
        question = {"model": "fast", "messages": [{"role": "user", "content": event["message"]["text"]}]}
        async with session.post(f"{llm_url}/v1/chat/completions", json=question, headers=auth) as answer:
            text = (await answer.json())["choices"][0]["message"]["content"]
        reply = {"replyToken": event["replyToken"], "messages": [{"type": "text", "text": text}]}
        async with session.post(f"{platform_url}/v2/bot/message/reply", json=reply, headers=auth) as sent:
            await sent.read()
        return Response(b"", status_code=200)

    return _webhook_app(hook, lifespan)


def _webhook_app(hook: Any, lifespan: Any = None):
    """``hook`` on seabot's webhook route, and a /healthz the harness waits for."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    async def healthz(_: Request) -> Response:
        return Response(b"ok")

    return Starlette(routes=[Route("/webhooks/{bot_id}/{channel}", hook, methods=["POST"]),
                             Route("/healthz", healthz, methods=["GET"])], lifespan=lifespan)  # fmt: skip


def _serve_uvicorn(app: Any, port: int, on_exit: Callable[[], Any] | None = None) -> None:
    from seabot.bots.serving import run_server

    run_server(app, host="127.0.0.1", port=port, on_shutdown=on_exit)  # exactly as ``seabot serve``


def serve_seabot(config_path: str, port: int, lift_telegram_rates: bool) -> None:
    from seabot.adapters.telegram import TelegramOptions
    from seabot.adapters.telegram.ratelimit import SendRates
    from seabot.bots.channels import ChannelOptions, build_adapters
    from seabot.bots.config import load_config
    from seabot.bots.logs import configure_logging
    from seabot.bots.runtime import Runtime
    from seabot.bots.server import create_app

    configure_logging(os.environ.get("SEABOT_LOG_LEVEL", "WARNING"))
    config = load_config(Path(config_path))
    runtime = Runtime.open(config)
    options = ChannelOptions()
    if lift_telegram_rates:
        options = ChannelOptions(telegram=TelegramOptions(rates=SendRates(0.0, 10**9, 10**9)))
    app = create_app(runtime, build_adapters(runtime, options))
    _serve_uvicorn(app, port, runtime.aclose)


# -- process plumbing used by the benches ----------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Proc:
    """A child process of this module; ``port`` is where it listens."""

    def cpu_s(self) -> float | None:
        """CPU seconds (user + system) the process has used so far; None where /proc is missing."""
        try:
            fields = Path(f"/proc/{self.popen.pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def __init__(self, args: list[str], *, port: int | None = None, log: Path | None = None,
                 ready_url: str | None = None, timeout: float = 30.0) -> None:  # fmt: skip
        self.args = args
        self.log = log
        stderr = open(log, "ab") if log is not None else subprocess.DEVNULL  # noqa: SIM115
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "bench.standins", *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "PTB_TIMEDELTA": "1"},
        )
        if log is not None:
            stderr.close()  # type: ignore[union-attr]  # a file when log is set
        self.port = port or 0
        deadline = time.monotonic() + timeout
        if ready_url is None:
            assert self.popen.stdout is not None
            line = self.popen.stdout.readline().decode()
            if not line.startswith("READY "):
                raise RuntimeError(f"stand-in {args[0]} did not start: {line!r}")
            self.port = int(line.split()[1])
            return
        import httpx

        while True:
            if self.popen.poll() is not None:
                raise RuntimeError(f"{args[0]} exited with {self.popen.returncode}; see {log}")
            try:
                if httpx.get(ready_url.format(port=self.port), timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{args[0]} did not answer {ready_url} within {timeout:.0f} s")
            time.sleep(0.05)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def kill(self) -> None:
        """SIGKILL: no shutdown, no cleanup, like a crash."""
        if self.popen.poll() is None:
            self.popen.kill()
        self.popen.wait(10)

    def stop(self, timeout: float = 15.0) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(10)


def start_seabot(config: Path, port: int, log: Path, *, lift_telegram_rates: bool = True) -> Proc:
    args = ["serve", "--config", str(config), "--port", str(port)]
    if lift_telegram_rates:
        args.append("--lift-telegram-rates")
    return Proc(args, port=port, log=log, ready_url="http://127.0.0.1:{port}/healthz")


TELEGRAM_TOKEN = "123456:bench-token"
TELEGRAM_SECRET = "bench-secret"
LINE_SECRET = "bench-line-channel-secret"
WECHAT_TOKEN = "benchtoken"
METRICS_TOKEN = "bench-metrics"  # /metrics on the webhook port needs it
METRICS_AUTH = {"authorization": f"Bearer {METRICS_TOKEN}"}


def write_config(folder: Path, *, llm_url: str, platform_url: str, concurrency: int = 32, extra_llm: str = "",
                 coalesce_gap_s: float = 0.0) -> Path:  # fmt: skip
    """A one-bot config with all three channels pointed at the platform stand-in. Each message is
    answered alone (``coalesce_gap_s`` 0): e2e and faults time and count every message's own answer."""
    text = f"""
[server]
host = "127.0.0.1"
port = 8080
concurrency = {concurrency}
coalesce_gap_s = {coalesce_gap_s}
metrics_token = "{METRICS_TOKEN}"
[console]
port = {free_port()}
[storage]
path = "{(folder / "seabot.db").as_posix()}"
[llm]
base_url = "{llm_url}/v1"
api_key = "bench-key"
timeout_s = 5
{extra_llm}
[llm.tiers.fast]
model = "bench-fast"
[llm.tiers.balanced]
model = "bench-balanced"
[llm.tiers.premium]
model = "bench-premium"
[bots.shop]
display_name = "Bench Shop"
languages = ["th", "id", "ms", "vi", "zh", "en", "tl"]
default_language = "en"
[bots.shop.telegram]
token = "{TELEGRAM_TOKEN}"
secret_token = "{TELEGRAM_SECRET}"
api_base = "{platform_url}"
[bots.shop.line]
channel_secret = "{LINE_SECRET}"
access_token = "bench-line-access-token"
api_base = "{platform_url}"
[bots.shop.wechat]
token = "{WECHAT_TOKEN}"
app_id = "wxbench"
app_secret = "bench-app-secret"
api_base = "{platform_url}"
"""
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


# Customer messages in several languages, none of which asks for a person; {ref} makes each unique.
TEMPLATES = (
    "hello, where is my order ref{ref}? it was paid yesterday",
    "สวัสดีค่ะ สั่งของไปแล้ว ref{ref} ส่งกี่วันคะ",
    "halo kak, pesanan ref{ref} sudah dikirim belum ya?",
    "你好，订单 ref{ref} 什么时候发货？",
    "chào shop, đơn ref{ref} khi nào giao vậy",
    "hi po, yung order ko ref{ref} kailan po darating",
)


def webhook(channel: str, user: str, ref: int) -> tuple[str, dict[str, str], dict[str, str], bytes]:
    """A correctly signed webhook (path, query, headers, body) carrying ``ref<ref>`` in its text."""
    from seabot.adapters.settings import LineConfig, TelegramConfig, WechatConfig

    text = TEMPLATES[ref % len(TEMPLATES)].format(ref=ref)
    path = f"/webhooks/shop/{channel}"
    if channel == "telegram":
        from seabot.adapters.telegram import simulate

        hook = simulate.webhook(TelegramConfig(TELEGRAM_TOKEN, TELEGRAM_SECRET), user, text)
        # simulate's update_id is the clock in ms, which repeats under load: make it unique
        data = json.loads(hook.body)
        data["update_id"] = ref
        data["message"]["message_id"] = ref
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
        return path, dict(hook.query), dict(hook.headers), body
    if channel == "line":
        from seabot.adapters.line import simulate as line_sim

        hook = line_sim.webhook(LineConfig(LINE_SECRET, "x"), user, text)
    else:
        from seabot.adapters.wechat import simulate as wechat_sim

        hook = wechat_sim.webhook(WechatConfig(WECHAT_TOKEN, "wxbench"), user, text)
    return path, dict(hook.query), dict(hook.headers), hook.body


def passive_text(body: bytes) -> str | None:
    """The text of a WeChat passive reply; None for ``success``."""
    from seabot.adapters.settings import WechatConfig
    from seabot.adapters.wechat import simulate as wechat_sim

    return wechat_sim.passive_text(WechatConfig(WECHAT_TOKEN, "wxbench"), body)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


# -- command line ----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.standins")
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("llm")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--fail", type=float, default=0.0)
    p.add_argument("--seed", type=int, default=1)
    p = sub.add_parser("platform")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--notify")
    p = sub.add_parser("bare")
    p.add_argument("--port", type=int, required=True)
    p = sub.add_parser("relay")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--llm", required=True)
    p.add_argument("--platform", required=True)
    p = sub.add_parser("serve")
    p.add_argument("--config", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--lift-telegram-rates", action="store_true")
    args = parser.parse_args(argv)
    if args.what == "llm":
        asyncio.run(_run_aiohttp(llm_app(args.fail, args.seed), args.port))
    elif args.what == "platform":
        notifier = _Notifier(args.notify)
        asyncio.run(_run_aiohttp(platform_app(notifier), args.port, notifier.connect))
    elif args.what == "bare":
        _serve_uvicorn(bare_app(), args.port)
    elif args.what == "relay":
        _serve_uvicorn(relay_app(args.llm, args.platform), args.port)
    else:
        serve_seabot(args.config, args.port, args.lift_telegram_rates)


if __name__ == "__main__":
    main()

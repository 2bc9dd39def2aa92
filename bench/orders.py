"""Webhook to reply for a templated order answer against an FAQ answer, in the same run.

    .venv/bin/python -m bench.orders [--n 200] [--api-ms 50]

A real ``seabot serve`` (no LLM key: the built-in responder answers both) with a Telegram
channel and a generic order API (``kind = "http"``); the order API and the Telegram API are
loopback stand-ins in this process, the order API answering after ``--api-ms``. Each sample is
one customer's message, timed from the webhook POST to the ``sendMessage`` reaching the
stand-in; the two kinds alternate, a few customers at a time, so both see the same machine.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.standins import TELEGRAM_SECRET, TELEGRAM_TOKEN, Proc, free_port, percentile

SECRET = "bench-order-secret-0123456789"
CONFIG = """
[server]
host = "127.0.0.1"
coalesce_gap_s = {gap}  # 0: time each message's own answer (the quiet gap would add the same to both)
[console]
port = {console_port}
[storage]
path = "{db}"
[bots.shop]
display_name = "Bench Shop"
languages = ["en", "id"]
default_language = "en"
[[bots.shop.faq]]
topic = "shipping"
q.en = ["how long does shipping take"]
q.id = ["berapa lama pengiriman"]
a.en = "Shipping takes 2-3 days."
a.id = "Pengiriman 2-3 hari."
[bots.shop.telegram]
token = "{token}"
secret_token = "{secret}"
api_base = "{platform}"
[bots.shop.orders]
kind = "http"
url = "{orders}/seabot/orders"
secret = "{order_secret}"
lookups_per_hour = 100
"""


class StandIns:
    """The Telegram API and the merchant's order API, on one loopback aiohttp server."""

    def __init__(self, api_delay_s: float) -> None:
        self.api_delay_s = api_delay_s
        self.arrived: dict[str, asyncio.Future[float]] = {}
        self.lookups = 0

    def expect(self, chat: str) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.arrived[chat] = future
        return future

    def app(self) -> Any:
        from aiohttp import web

        async def telegram(request: web.Request) -> web.Response:
            method = request.match_info["method"]
            raw = await request.read()
            params = (
                json.loads(raw) if raw and request.content_type == "application/json" else dict(await request.post())
            )
            if method == "getMe":
                return web.json_response(
                    {"ok": True, "result": {"id": 1, "is_bot": True, "first_name": "B", "username": "b_bot"}}
                )
            if method == "sendMessage":
                chat = str(params["chat_id"])
                future = self.arrived.pop(chat, None)
                if future is not None and not future.done():
                    future.set_result(time.perf_counter())
                result = {"message_id": 1, "date": int(time.time()), "text": params.get("text", ""),
                          "chat": {"id": int(chat), "type": "private"}}  # fmt: skip
                return web.json_response({"ok": True, "result": result})
            return web.json_response({"ok": True, "result": True})

        async def orders(request: web.Request) -> web.Response:
            body = await request.read()
            stamp = request.headers.get("X-Seabot-Timestamp", "")
            expected = "sha256=" + hmac.new(SECRET.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
            if not hmac.compare_digest(expected, request.headers.get("X-Seabot-Signature", "")):
                return web.json_response({"error": "bad signature"}, status=401)
            self.lookups += 1
            await asyncio.sleep(self.api_delay_s)
            ref = json.loads(body)["order_ref"]
            order = {"ref": ref, "status": "shipped", "carrier": "Flash Express", "tracking_number": f"TH{ref}",
                     "items": [{"name": "Batik Shirt", "quantity": 1}], "eta": "2026-12-10"}  # fmt: skip
            return web.json_response({"found": True, "order": order})

        app = web.Application()
        app.router.add_post("/bot{token}/{method}", telegram)
        app.router.add_post("/seabot/orders", orders)
        return app


def _update(update_id: int, chat: int, text: str) -> bytes:
    message = {"message_id": update_id, "date": int(time.time()), "text": text,
               "chat": {"id": chat, "type": "private", "first_name": "C"},
               "from": {"id": chat, "is_bot": False, "first_name": "C"}}  # fmt: skip
    return json.dumps({"update_id": update_id, "message": message}).encode()


async def _measure(n: int, api_delay_s: float, concurrency: int) -> dict[str, Any]:
    import aiohttp
    from aiohttp import web

    standins = StandIns(api_delay_s)
    runner = web.AppRunner(standins.app())
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "config.toml"
        config.write_text(CONFIG.format(
            gap=0, console_port=free_port(), db=(Path(folder) / "s.db").as_posix(), token=TELEGRAM_TOKEN,
            secret=TELEGRAM_SECRET, platform=base, orders=base, order_secret=SECRET,
        ), encoding="utf-8")  # fmt: skip
        seabot_port = free_port()
        server = await asyncio.to_thread(
            Proc, ["serve", "--config", str(config), "--port", str(seabot_port), "--lift-telegram-rates"],
            port=seabot_port, log=Path(folder) / "serve.log", ready_url="http://127.0.0.1:{port}/healthz",
        )  # fmt: skip
        times: dict[str, list[float]] = {"order": [], "faq": []}
        try:
            async with aiohttp.ClientSession() as session:
                hook = f"http://127.0.0.1:{seabot_port}/webhooks/shop/telegram"
                headers = {"content-type": "application/json", "x-telegram-bot-api-secret-token": TELEGRAM_SECRET}
                gate = asyncio.Semaphore(concurrency)

                async def one(i: int) -> None:
                    kind = "order" if i % 2 else "faq"
                    text = f"where is my order #{10_000 + i}" if kind == "order" else "how long does shipping take"
                    chat = 500_000 + i  # a new customer each time: nothing cached, no earlier turn
                    async with gate:
                        arrived = standins.expect(str(chat))
                        started = time.perf_counter()
                        async with session.post(hook, data=_update(i + 1, chat, text), headers=headers) as response:
                            assert response.status == 200, await response.text()
                        at = await asyncio.wait_for(arrived, 30)
                        if i >= 2 * concurrency:  # the first few warm the server up
                            times[kind].append((at - started) * 1000.0)

                await asyncio.gather(*(one(i) for i in range(2 * n + 2 * concurrency)))
        finally:
            await asyncio.to_thread(server.stop)
            await runner.cleanup()
    return {kind: {"n": len(v), "p50": percentile(v, 50), "p95": percentile(v, 95), "p99": percentile(v, 99)}
            for kind, v in times.items()} | {"lookups": standins.lookups}  # fmt: skip


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m bench.orders")
    parser.add_argument("--n", type=int, default=200, help="samples of each kind")
    parser.add_argument("--api-ms", type=float, default=50.0, help="the order API's answer time")
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args(argv)
    result = asyncio.run(_measure(args.n, args.api_ms / 1000.0, args.concurrency))
    print(f"webhook → reply, ms (order API answers in {args.api_ms:.0f} ms; {args.concurrency} customers at a time)")
    print(f"{'answer':<22}{'n':>5}{'p50':>9}{'p95':>9}{'p99':>9}")
    for kind, label in (("faq", "FAQ (built-in)"), ("order", "order card (template)")):
        row = result[kind]
        print(f"{label:<22}{row['n']:>5}{row['p50']:>9.1f}{row['p95']:>9.1f}{row['p99']:>9.1f}")
    extra = result["order"]["p50"] - result["faq"]["p50"]
    print(
        f"order p50 - FAQ p50 = {extra:.1f} ms (the API's {args.api_ms:.0f} ms and one signed call); "
        f"order lookups made: {result['lookups']}"
    )
    return result


if __name__ == "__main__":
    main()

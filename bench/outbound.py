"""CPU per outbound request: httpx's own transport vs seabot's aiohttp transport vs bare aiohttp.

    .venv/bin/python -m bench.outbound [--requests 3000]

One loopback aiohttp server in a child process answers a JSON POST shaped like an LLM call;
this process sends the requests one after another on uvloop and reports the CPU time it
spent per request (``time.process_time``, so the server's share is not counted) and the wall
time. The ratio to bare aiohttp is the price of keeping httpx's API.
"""

from __future__ import annotations

import argparse
import multiprocessing
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import httpx
from aiohttp import web

from seabot.bots.outbound import open_client

BODY = {"model": "fast", "messages": [{"role": "user", "content": "berapa lama pengiriman ke Bandung? " * 4}]}


def _serve(port: int) -> None:
    async def answer(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"choices": [{"message": {"content": "2-3 hari"}}], "usage": {}})

    app = web.Application()
    app.router.add_post("/v1/chat/completions", answer)
    web.run_app(app, host="127.0.0.1", port=port, print=None)


async def _per_request(send: Callable[[], Awaitable[Any]], requests: int) -> tuple[float, float]:
    for _ in range(100):  # warm the pool
        await send()
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(requests):
        await send()
    return (time.process_time() - cpu) / requests * 1e6, (time.perf_counter() - wall) / requests * 1e6


async def _measure(url: str, requests: int) -> dict[str, dict[str, float]]:
    results: dict[str, dict[str, float]] = {}
    async with httpx.AsyncClient(timeout=httpx.Timeout(5.0)) as plain:

        async def via_httpcore() -> Any:
            return (await plain.post(url, json=BODY)).json()

        cpu, wall = await _per_request(via_httpcore, requests)
        results["httpx (httpcore)"] = {"cpu_us": cpu, "wall_us": wall}
    async with open_client(timeout=httpx.Timeout(5.0)) as ours:

        async def via_transport() -> Any:
            return (await ours.post(url, json=BODY)).json()

        cpu, wall = await _per_request(via_transport, requests)
        results["httpx on seabot's aiohttp transport"] = {"cpu_us": cpu, "wall_us": wall}
    async with aiohttp.ClientSession() as session:

        async def bare() -> Any:
            async with session.post(url, json=BODY) as response:
                return await response.json()

        cpu, wall = await _per_request(bare, requests)
        results["aiohttp alone"] = {"cpu_us": cpu, "wall_us": wall}
    return results


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="bench.outbound", description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    args = parser.parse_args(argv)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = multiprocessing.get_context("spawn").Process(target=_serve, args=(port,), daemon=True)
    server.start()
    url = f"http://127.0.0.1:{port}/v1/chat/completions"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.post(url, json=BODY, timeout=1.0)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        import uvloop

        results = uvloop.run(_measure(url, args.requests))
    finally:
        server.terminate()
        server.join(5)
    bare = results["aiohttp alone"]["cpu_us"]
    print(f"{'client':>38} {'CPU µs/req':>11} {'wall µs/req':>12} {'CPU vs aiohttp':>15}")
    for name, row in results.items():
        print(f"{name:>38} {row['cpu_us']:>11.0f} {row['wall_us']:>12.0f} {row['cpu_us'] / bare:>14.2f}x")
    return {"requests": args.requests, "clients": results}


if __name__ == "__main__":
    main()

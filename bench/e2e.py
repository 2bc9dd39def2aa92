"""End-to-end benchmark: signed webhooks in, replies out, through the real server.

    .venv/bin/python -m bench.e2e [--messages 1000] [--cap-s 40] [--quick]

Processes (so that no two share an interpreter lock or an event loop):
  server     the seabot app served by uvicorn as ``seabot serve`` does (``bench.standins serve``;
             Telegram's send-rate limiter lifted, see below), SQLite file in a temp folder;
  llm        an OpenAI-compatible stand-in that answers at once ([llm] base_url + api_key, so the
             real LLM client, tiers, budget and answer cache run; not the offline responder);
  platform   the Telegram/LINE/WeChat API stand-in, which stamps each reply on arrival with
             ``time.monotonic()`` (one clock for every process of the machine) and streams it here;
  bare       a Starlette endpoint under uvicorn that only parses JSON and answers 200;
  relay      the least a LINE bot must do, served the same way: parse, one LLM call, one LINE
             reply, answer 200 (no signature, storage, inbox, language, routing or retries);
  this one   the load generator (aiohttp client).

Each customer conversation sends a message, waits for its reply, and sends the next. For every
channel (LINE, WeChat, Telegram) and 1, 50 and 200 concurrent conversations:
  * closed loop, no think time: the server is saturated; messages/s is its capacity;
  * paced (50 and 200 only): the same conversations send at half that capacity (exponential
    think times), which is where the added-latency targets are judged: a saturated closed loop
    has, by Little's law, latency = conversations / throughput whatever the server does.
Latency is "webhook accepted (HTTP 200 received by the sender) → reply arrived at the platform
stand-in". For WeChat the server answers passively, inside the webhook's HTTP response, so there
accepted = delivered and the latency is the whole webhook round trip (a reply that misses the 4 s
window and comes through the customer-service API is timed from sending the webhook).

"cpu ms" is the CPU time (user + system) the serving process used over the cell, per message
(read from /proc; "-" where there is none): much steadier from run to run than the latencies.

Telegram: the adapter keeps Telegram's documented send rates (1 message/s per chat, 30/s per
bot) by sleeping; with them, a single bot tops out at 30 replies/s whatever the server can do, so
the bench lifts them (``--keep-telegram-rates`` to keep them).

Targets (2 cores): at 200 concurrent conversations, added latency p50 ≤ 5 ms and p99 ≤ 30 ms;
throughput ≥ 40 % of the bare endpoint's at the same concurrency. The relay's throughput is
printed next to it: what the same two outbound calls cost without anything seabot adds.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import itertools
import json
import random
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.standins import REF, Proc, free_port, passive_text, percentile, start_seabot, webhook, write_config

CHANNELS = ("line", "wechat", "telegram")
CONCURRENCY = (1, 50, 200)
TARGET_P50_MS = 5.0
TARGET_P99_MS = 30.0
TARGET_RATIO = 0.40
PACED_LOAD = 0.5


@dataclass
class Harness:
    folder: Path
    keep_telegram_rates: bool = False
    waiting: dict[int, asyncio.Future[float]] = field(default_factory=dict)
    procs: list[Proc] = field(default_factory=list)
    server: Proc | None = None
    url: str = ""
    refs: itertools.count = field(default_factory=lambda: itertools.count(1_000_001))
    late: int = 0
    llm_fail: float = 0.0
    notices: list[dict[str, Any]] | None = None  # when a list: every delivery is kept here
    config: Path | None = None
    port: int = 0
    llm_url: str = ""
    platform_url: str = ""

    async def start(self) -> None:
        sink = await asyncio.start_server(self._notified, "127.0.0.1", 0)
        self._sink = sink
        notify_port = sink.sockets[0].getsockname()[1]
        llm = Proc(["llm", "--port", "0", "--fail", str(self.llm_fail)])
        platform = Proc(["platform", "--port", "0", "--notify", f"127.0.0.1:{notify_port}"])
        self.procs += [llm, platform]
        self.llm_url, self.platform_url = f"http://127.0.0.1:{llm.port}", f"http://127.0.0.1:{platform.port}"
        self.config = write_config(self.folder, llm_url=self.llm_url, platform_url=self.platform_url)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        await self.start_server()

    async def start_server(self) -> None:
        assert self.config is not None
        self.server = await asyncio.to_thread(
            start_seabot, self.config, self.port, self.folder / "server.log",
            lift_telegram_rates=not self.keep_telegram_rates,
        )  # fmt: skip
        self.procs.append(self.server)

    async def _notified(self, reader: asyncio.StreamReader, _writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(asyncio.CancelledError, ConnectionError):
            await self._read_notices(reader)

    async def _read_notices(self, reader: asyncio.StreamReader) -> None:
        while line := await reader.readline():
            event = json.loads(line)
            if self.notices is not None:
                self.notices.append(event)
                continue
            for ref in REF.findall(event["text"]):
                future = self.waiting.pop(int(ref), None)
                if future is not None and not future.done():
                    future.set_result(event["t"])
                elif future is None:
                    self.late += 1

    def stop(self) -> None:
        for proc in reversed(self.procs):
            proc.stop()
        self._sink.close()


async def run_cell(
    h: Harness,
    session: Any,
    base_url: str,
    channel: str,
    conversations: int,
    messages: int,
    cap_s: float,
    *,
    rate: float | None = None,
    bare: bool = False,
    label: str | None = None,
    seed: int = 0,
    server: Proc | None = None,
) -> dict[str, Any]:
    """``conversations`` customers, each sending its next message once its reply arrived."""
    rng = random.Random(seed)
    todo = [messages]
    latencies: list[float] = []
    acks: list[float] = []
    counts = {"errors": 0, "lost": 0, "via_api": 0}
    error_kinds: collections.Counter[str] = collections.Counter()
    deadline = time.monotonic() + cap_s
    user_base = 10_000_000 + seed * 10_000

    async def send(user: str) -> None:
        ref = next(h.refs)
        path, query, headers, body = webhook(channel, user, ref)
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        if not bare:
            h.waiting[ref] = future
        sent = time.monotonic()
        try:
            async with session.post(base_url + path, params=query, data=body, headers=headers) as response:
                data = await response.read()
                status = response.status
        except Exception as exc:  # noqa: BLE001 - counted, the run goes on
            status, data = 0, type(exc).__name__.encode()
        accepted = time.monotonic()
        if status != 200:
            counts["errors"] += 1
            error_kinds[f"{status} {data[:60].decode(errors='replace')}"] += 1
            h.waiting.pop(ref, None)
            return
        if bare:
            latencies.append(accepted - sent)
            return
        if channel == "wechat":
            text = passive_text(data)
            if text is not None and f"ref{ref}" in text:
                h.waiting.pop(ref, None)
                latencies.append(accepted - sent)
                return
            counts["via_api"] += 1
        try:
            arrived = await asyncio.wait_for(future, 30.0)
        except TimeoutError:
            counts["lost"] += 1
            h.waiting.pop(ref, None)
            return
        start = sent if channel == "wechat" or label == "relay" else accepted  # reply before the ack
        latencies.append(max(0.0, arrived - start))
        acks.append(accepted - sent)

    async def conversation(index: int) -> None:
        """Closed loop: the next message as soon as the reply to the last one arrived."""
        while todo[0] > 0 and time.monotonic() < deadline:
            todo[0] -= 1
            await send(str(user_base + index))

    async def paced() -> None:
        """Poisson arrivals at ``rate``, each from a conversation that is not waiting for a reply."""
        idle: asyncio.Queue[str] = asyncio.Queue()
        for index in range(conversations):
            idle.put_nowait(str(user_base + index))
        tasks = []

        async def one(user: str) -> None:
            await send(user)
            idle.put_nowait(user)

        next_at = time.monotonic()
        while todo[0] > 0 and time.monotonic() < deadline:
            todo[0] -= 1
            next_at += rng.expovariate(rate)
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            user = await idle.get()
            tasks.append(asyncio.create_task(one(user)))
        await asyncio.gather(*tasks)

    cpu_before = server.cpu_s() if server is not None else None
    started = time.monotonic()
    if rate:
        await paced()
    else:
        await asyncio.gather(*(conversation(i) for i in range(conversations)))
    elapsed = time.monotonic() - started
    cpu_after = server.cpu_s() if server is not None else None
    ms = [x * 1000 for x in latencies]
    cpu_ms = None
    if cpu_before is not None and cpu_after is not None and latencies:
        cpu_ms = (cpu_after - cpu_before) * 1000 / len(latencies)
    return {
        "channel": label or ("bare" if bare else channel),
        "conversations": conversations,
        "mode": f"paced {rate:.0f}/s" if rate else "closed",
        "messages": len(latencies),
        "seconds": round(elapsed, 2),
        "msgs_per_s": len(latencies) / elapsed if elapsed else 0.0,
        "p50_ms": percentile(ms, 50),
        "p95_ms": percentile(ms, 95),
        "p99_ms": percentile(ms, 99),
        "ack_p50_ms": percentile([x * 1000 for x in acks], 50) if acks else None,
        "server_cpu_ms_per_msg": cpu_ms,
        **counts,
        "error_kinds": dict(error_kinds),
        "capped": todo[0] > 0,
    }


def _row(r: dict[str, Any]) -> str:
    ack = f"{r['ack_p50_ms']:.1f}" if r.get("ack_p50_ms") is not None else "-"
    cpu = f"{r['server_cpu_ms_per_msg']:.2f}" if r.get("server_cpu_ms_per_msg") is not None else "-"
    extra = "".join(f" {k}={r[k]}" for k in ("errors", "lost", "via_api") if r.get(k))
    extra += f" {r['error_kinds']}" if r.get("error_kinds") else ""
    extra += " CAPPED" if r.get("capped") else ""
    return (f"{r['channel']:>8} {r['conversations']:>5} {r['mode']:>14} {r['messages']:>6} {r['msgs_per_s']:>8.0f}"
            f" {r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f} {r['p99_ms']:>8.1f} {ack:>8} {cpu:>8}{extra}")  # fmt: skip


HEADER = (f"{'channel':>8} {'conv':>5} {'mode':>14} {'msgs':>6} {'msg/s':>8} {'p50 ms':>8} {'p95 ms':>8}"
          f" {'p99 ms':>8} {'ack p50':>8} {'cpu ms':>8}")  # fmt: skip


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    import aiohttp

    results: dict[str, Any] = {"cells": [], "bare": [], "relay": []}
    with tempfile.TemporaryDirectory() as tmp:
        h = Harness(Path(tmp), keep_telegram_rates=args.keep_telegram_rates)
        await h.start()
        bare_port = free_port()
        bare = await asyncio.to_thread(
            Proc, ["bare", "--port", str(bare_port)], port=bare_port, ready_url="http://127.0.0.1:{port}/healthz"
        )
        h.procs.append(bare)
        relay_port = free_port()
        relay = await asyncio.to_thread(
            Proc, ["relay", "--port", str(relay_port), "--llm", h.llm_url, "--platform", h.platform_url],
            port=relay_port, ready_url="http://127.0.0.1:{port}/healthz",
        )  # fmt: skip
        h.procs.append(relay)
        # idle connections are dropped before uvicorn's 5 s keep-alive timeout closes them under us
        connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=2.0)
        timeout = aiohttp.ClientTimeout(total=30)
        try:
            async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
                print(HEADER)
                seed = itertools.count(1)
                for conversations in CONCURRENCY:
                    row = await run_cell(
                        h,
                        session,
                        f"http://127.0.0.1:{bare_port}",
                        "line",
                        conversations,
                        args.messages * 3,
                        args.cap_s,
                        bare=True,
                        seed=next(seed),
                        server=bare,
                    )
                    results["bare"].append(row)
                    print(_row(row), flush=True)
                for conversations in CONCURRENCY:  # the relay replies before its ack: latency = round trip
                    row = await run_cell(
                        h,
                        session,
                        f"http://127.0.0.1:{relay_port}",
                        "line",
                        conversations,
                        args.messages,
                        args.cap_s,
                        label="relay",
                        seed=next(seed),
                        server=relay,
                    )
                    results["relay"].append(row)
                    print(_row(row), flush=True)
                for channel in args.channels.split(","):
                    # warm-up: connections, the language model, SQLite pages
                    await run_cell(h, session, h.url, channel, 20, 100, args.cap_s, seed=next(seed))
                    for conversations in CONCURRENCY:
                        count = max(100, args.messages // 3) if conversations == 1 else args.messages
                        row = await run_cell(h, session, h.url, channel, conversations, count, args.cap_s,
                                             seed=next(seed), server=h.server)  # fmt: skip
                        results["cells"].append(row)
                        print(_row(row), flush=True)
                        if conversations > 1:
                            rate = max(1.0, row["msgs_per_s"] * PACED_LOAD)
                            paced = await run_cell(h, session, h.url, channel, conversations,
                                                   min(args.messages, int(rate * args.paced_s)), args.cap_s,
                                                   rate=rate, seed=next(seed), server=h.server)  # fmt: skip
                            results["cells"].append(paced)
                            print(_row(paced), flush=True)
        finally:
            h.stop()
        results["late_or_unmatched_replies"] = h.late
        results["server_log_tail"] = (Path(tmp) / "server.log").read_text(errors="replace")[-2000:]
    return results


def verdicts(results: dict[str, Any]) -> list[dict[str, Any]]:
    bare = {r["conversations"]: r for r in results["bare"]}
    relay = {r["conversations"]: r for r in results["relay"]}
    out = []
    for channel in CHANNELS:
        cells = [r for r in results["cells"] if r["channel"] == channel and r["conversations"] == 200]
        closed = next((r for r in cells if r["mode"] == "closed"), None)
        paced = next((r for r in cells if r["mode"] != "closed"), None)
        if closed is None or paced is None:
            continue
        ratio = closed["msgs_per_s"] / bare[200]["msgs_per_s"] if bare.get(200) else float("nan")
        out.append({
            "channel": channel,
            "p50_ms": paced["p50_ms"], "p50_met": paced["p50_ms"] <= TARGET_P50_MS,
            "p99_ms": paced["p99_ms"], "p99_met": paced["p99_ms"] <= TARGET_P99_MS,
            "throughput_ratio": ratio, "ratio_met": ratio >= TARGET_RATIO,
            "vs_relay": closed["msgs_per_s"] / relay[200]["msgs_per_s"] if relay.get(200) else float("nan"),
        })  # fmt: skip
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description="end-to-end webhook throughput and added latency")
    parser.add_argument("--messages", type=int, default=1000, help="messages per closed-loop cell (bare: 3x)")
    parser.add_argument("--paced-s", type=float, default=8.0, help="aim of a paced cell's duration")
    parser.add_argument("--cap-s", type=float, default=40.0, help="time cap per cell")
    parser.add_argument("--keep-telegram-rates", action="store_true")
    parser.add_argument("--channels", default=",".join(CHANNELS), help="comma-separated subset")
    parser.add_argument("--quick", action="store_true", help="300 messages per cell")
    args = parser.parse_args(argv)
    if args.quick:
        args.messages, args.paced_s = 300, 3.0
    results = asyncio.run(bench(args))
    results["verdicts"] = verdicts(results)
    results["targets"] = {
        "p50_ms": TARGET_P50_MS,
        "p99_ms": TARGET_P99_MS,
        "throughput_ratio": TARGET_RATIO,
        "at_conversations": 200,
        "latency_judged_at": f"paced at {PACED_LOAD:.0%} of capacity",
    }
    print("\ntargets at 200 concurrent conversations (latency: paced run at 50% of capacity;"
          " throughput: closed loop vs bare endpoint)")  # fmt: skip
    print(f"{'channel':>8} {'p50 ms':>8} {'≤5':>5} {'p99 ms':>8} {'≤30':>5} {'vs bare':>8} {'≥40%':>5} {'vs relay':>9}")
    for v in results["verdicts"]:
        yes = {True: "yes", False: "NO"}
        print(f"{v['channel']:>8} {v['p50_ms']:>8.1f} {yes[v['p50_met']]:>5} {v['p99_ms']:>8.1f}"
              f" {yes[v['p99_met']]:>5} {v['throughput_ratio']:>8.1%} {yes[v['ratio_met']]:>5}"
              f" {v['vs_relay']:>9.1%}")  # fmt: skip
    if results["late_or_unmatched_replies"]:
        print(f"replies that arrived after their sender gave up: {results['late_or_unmatched_replies']}")
    return results


if __name__ == "__main__":
    main()

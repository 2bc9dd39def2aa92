"""Fault benchmark: every message answered exactly once while the LLM fails and the server crashes.

    .venv/bin/python -m bench.faults [--messages 10000] [--conversations 1500] [--fail 0.333]

Same processes as ``bench.e2e`` (server, LLM stand-in, platform stand-in, this load generator).
``--messages`` signed webhooks, spread over ``--conversations`` customers on LINE, WeChat and
Telegram (a third each), are sent while the LLM stand-in answers a random third of its calls with
HTTP 500, and the server process is killed with SIGKILL twice (at ~30 % and ~65 % of the webhooks
acknowledged) and started again on the same SQLite file. Each customer sends its messages in
order, the next once the previous webhook was acknowledged; like the platforms, the senders
redeliver the very same webhook (same ids, same signature) when it fails: no connection while the
server is down, a 5xx, or no answer in time (WeChat gives up after 5 s).

When every webhook is acknowledged, the inbox drains (``seabot_inbox_depth`` 0 and no delivery for
a few seconds). Answers are counted per inbound message:
  * LLM answers carry the message's ``ref<n>`` token (the stand-in echoes it);
  * a LINE reply carries the message's own reply token, a WeChat passive reply answers its own
    webhook: both map to the message even when the answer is the offline responder's;
  * the rest (offline answers by Telegram, LINE push, WeChat customer-service send) are counted per
    customer and matched to that customer's messages that have no other answer.
Target: every message answered exactly once (answered-twice = 0, unanswered = 0).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import random
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.e2e import Harness
from bench.standins import METRICS_AUTH, REF, passive_text, webhook

CHANNELS = ("line", "wechat", "telegram")
KILL_AT = (0.30, 0.65)
DEPTH = re.compile(r"^seabot_inbox_depth(?:\{[^}]*\})? ([0-9.e+]+)$", re.MULTILINE)


@dataclass
class Message:
    ref: int
    channel: str
    user: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    reply_token: str | None = None
    attempts: int = 0
    passive: int = 0  # WeChat passive replies received for this very webhook


@dataclass
class Run:
    messages: list[Message]
    acked: int = 0
    redeliveries: int = 0
    kills: list[dict[str, float]] = field(default_factory=list)


def build(count: int, conversations: int, seed: int) -> tuple[list[list[Message]], list[Message]]:
    rng = random.Random(seed)
    per_user: list[list[Message]] = [[] for _ in range(conversations)]
    everything = []
    for n in range(count):
        index = rng.randrange(conversations)
        channel = CHANNELS[index % len(CHANNELS)]
        user = str(20_000_000 + index)
        ref = 5_000_000 + n
        path, query, headers, body = webhook(channel, user, ref)
        token = json.loads(body)["events"][0]["replyToken"] if channel == "line" else None
        message = Message(ref, channel, user, path, query, headers, body, token)
        per_user[index].append(message)
        everything.append(message)
    return [m for m in per_user if m], everything


async def send_until_acked(session: Any, url: str, message: Message, run: Run) -> None:
    import aiohttp

    delay = 0.1
    while True:
        message.attempts += 1
        if message.attempts > 1:
            run.redeliveries += 1
        timeout = aiohttp.ClientTimeout(total=5.0 if message.channel == "wechat" else 10.0)
        try:
            async with session.post(url + message.path, params=message.query, data=message.body,
                                    headers=message.headers, timeout=timeout) as response:  # fmt: skip
                data = await response.read()
                if response.status == 200:
                    if message.channel == "wechat" and passive_text(data) is not None:
                        message.passive += 1
                    run.acked += 1
                    return
        except (TimeoutError, aiohttp.ClientError, ConnectionError):
            pass
        await asyncio.sleep(delay)
        delay = min(delay * 2, 1.0)


async def inbox_depth(session: Any, url: str) -> float | None:
    try:
        async with session.get(url + "/metrics", headers=METRICS_AUTH) as response:
            found = DEPTH.search(await response.text())
            return float(found.group(1)) if found else None
    except Exception:  # noqa: BLE001 - the server may be down
        return None


def tally(messages: list[Message], notices: list[dict[str, Any]]) -> dict[str, Any]:
    by_ref = {m.ref: m for m in messages}
    by_token = {m.reply_token: m for m in messages if m.reply_token}
    line_user = {}
    from seabot.adapters.line.simulate import user_id  # the LINE user id the webhooks carry

    for m in messages:
        if m.channel == "line":
            line_user[user_id(m.user)] = m.user
    exact: collections.Counter[int] = collections.Counter()
    loose: collections.Counter[tuple[str, str]] = collections.Counter()  # (channel, user) -> unmapped answers
    for m in messages:
        exact[m.ref] += m.passive
    for event in notices:
        refs = [int(r) for r in REF.findall(event["text"])]
        mapped = [r for r in refs if r in by_ref]
        if mapped:
            for ref in mapped:
                exact[ref] += 1
            continue
        channel, chat = event["c"], event["chat"]
        if channel == "line" and chat in by_token:
            exact[by_token[chat].ref] += 1
            continue
        if channel == "line":
            chat = line_user.get(chat, chat)
        loose[(channel, chat)] += 1
    per_channel: dict[str, dict[str, int]] = {c: {"sent": 0, "answered": 0, "answered_twice": 0, "unanswered": 0,
                                                  "extra_answers": 0} for c in CHANNELS}  # fmt: skip
    users: dict[tuple[str, str], list[Message]] = collections.defaultdict(list)
    for m in messages:
        users[(m.channel, m.user)].append(m)
    for key, own in users.items():
        row = per_channel[key[0]]
        row["sent"] += len(own)
        spare = loose.pop(key, 0)
        for m in own:
            count = exact[m.ref]
            if count == 0 and spare > 0:
                count, spare = 1, spare - 1
            if count >= 1:
                row["answered"] += 1
            else:
                row["unanswered"] += 1
            if count >= 2:
                row["answered_twice"] += 1
                row["extra_answers"] += count - 1
        if spare:  # more answers than messages left to answer: duplicates
            row["answered_twice"] += spare
            row["extra_answers"] += spare
    strays = sum(loose.values())
    return {"per_channel": per_channel, "answers_to_unknown_chats": strays}


def near_kills(messages: list[Message], notices: list[dict[str, Any]], kill_times: list[float]) -> dict[str, Any]:
    """For answers delivered twice (those carrying a ref): how far the second was from a kill."""
    seen: dict[int, float] = {}
    gaps = []
    for event in notices:
        for ref in (int(r) for r in REF.findall(event["text"])):
            if ref in seen:
                first = seen[ref]
                kill = min(kill_times, key=lambda k: abs(k - first), default=None)
                gaps.append(round(first - kill, 3) if kill is not None else None)
            else:
                seen[ref] = event["t"]
    return {"count": len(gaps), "first_delivery_minus_nearest_kill_s": gaps[:20]}


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    import aiohttp

    conversations, messages = build(args.messages, args.conversations, args.seed)
    run = Run(messages)
    with tempfile.TemporaryDirectory() as tmp:
        h = Harness(Path(tmp), llm_fail=args.fail, notices=[])
        await h.start()
        started = time.monotonic()
        kills = [int(k * len(messages)) for k in KILL_AT]
        kill_times: list[float] = []
        try:
            connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=2.0)
            async with aiohttp.ClientSession(connector=connector) as session:
                queue: asyncio.Queue[list[Message]] = asyncio.Queue()
                for own in conversations:
                    queue.put_nowait(own)

                async def sender() -> None:
                    while not queue.empty():
                        own = queue.get_nowait()
                        for message in own:
                            await send_until_acked(session, h.url, message, run)

                async def killer() -> None:
                    for at in kills:
                        while run.acked < at:
                            await asyncio.sleep(0.05)
                        assert h.server is not None
                        h.server.kill()
                        down = time.monotonic()
                        kill_times.append(down)
                        print(f"killed the server (SIGKILL) at {run.acked} acknowledged webhooks", flush=True)
                        await asyncio.sleep(args.down_s)
                        await h.start_server()
                        up = time.monotonic() - down
                        run.kills.append({"at_acked": at, "down_s": round(up, 2)})
                        print(f"  restarted; down {up:.1f} s", flush=True)

                await asyncio.gather(killer(), *(sender() for _ in range(args.senders)))
                sent_s = time.monotonic() - started
                print(f"all {len(messages)} webhooks acknowledged after {sent_s:.1f} s"
                      f" ({run.redeliveries} redeliveries); draining the inbox …", flush=True)  # fmt: skip
                quiet_since, last_count = time.monotonic(), len(h.notices or [])
                drain_deadline = time.monotonic() + args.drain_cap_s
                while time.monotonic() < drain_deadline:
                    await asyncio.sleep(0.5)
                    count = len(h.notices or [])
                    if count != last_count:
                        quiet_since, last_count = time.monotonic(), count
                    depth = await inbox_depth(session, h.url)
                    if depth == 0 and time.monotonic() - quiet_since >= args.quiet_s:
                        break
                drained_s = time.monotonic() - started
                final_depth = await inbox_depth(session, h.url)
                async with session.get(f"http://127.0.0.1:{h.procs[0].port}/_stats") as response:
                    llm_stats = await response.json()
        finally:
            h.stop()
        log = (Path(tmp) / "server.log").read_text(errors="replace")
    result = tally(messages, h.notices or [])
    result["duplicates_near_kills"] = near_kills(messages, h.notices or [], kill_times)
    result.update(
        messages=len(messages),
        conversations=len(conversations),
        llm_fail_share=args.fail,
        llm_calls=llm_stats,
        kills=run.kills,
        redeliveries=run.redeliveries,
        seconds_to_ack_all=round(sent_s, 1),
        seconds_to_drain=round(drained_s, 1),
        final_inbox_depth=final_depth,
        server_log_warnings=sum(1 for line in log.splitlines() if "level=warning" in line),
        server_log_errors=sum(1 for line in log.splitlines() if "level=error" in line),
        server_log_error_lines=[line[:300] for line in log.splitlines() if "level=error" in line][:10],
    )
    return result


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description="answered exactly once under LLM failures and crashes")
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--conversations", type=int, default=1_500)
    parser.add_argument("--senders", type=int, default=100, help="customers sending at the same time")
    parser.add_argument("--fail", type=float, default=1 / 3, help="share of LLM calls answered with 500")
    parser.add_argument("--down-s", type=float, default=1.0, help="time between a kill and the restart")
    parser.add_argument("--quiet-s", type=float, default=5.0, help="no delivery for this long = drained")
    parser.add_argument("--drain-cap-s", type=float, default=300.0)
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args(argv)
    result = asyncio.run(bench(args))
    print(f"\n{result['messages']} messages, {result['conversations']} conversations, LLM failing"
          f" {args.fail:.0%} of calls, {len(result['kills'])} SIGKILL restarts,"
          f" {result['redeliveries']} redeliveries")  # fmt: skip
    print(f"{'channel':>9} {'sent':>6} {'answered':>9} {'twice':>6} {'unanswered':>11}")
    total = {"sent": 0, "answered": 0, "answered_twice": 0, "unanswered": 0}
    for channel, row in result["per_channel"].items():
        print(f"{channel:>9} {row['sent']:>6} {row['answered']:>9} {row['answered_twice']:>6} {row['unanswered']:>11}")
        for key in total:
            total[key] += row[key]
    print(
        f"{'all':>9} {total['sent']:>6} {total['answered']:>9} {total['answered_twice']:>6} {total['unanswered']:>11}"
    )
    met = total["answered_twice"] == 0 and total["unanswered"] == 0 and total["answered"] == total["sent"]
    result["total"] = total
    result["target_met"] = met
    print(f"target: every message answered exactly once — {'met' if met else 'NOT MET'}")
    print(f"acknowledged in {result['seconds_to_ack_all']} s, drained in {result['seconds_to_drain']} s;"
          f" LLM calls {result['llm_calls']}; server log: {result['server_log_warnings']} warnings,"
          f" {result['server_log_errors']} errors")  # fmt: skip
    dup = result["duplicates_near_kills"]
    if dup["count"]:
        print(f"answers delivered twice (LLM answers, by ref): {dup['count']}; first delivery minus the nearest"
              f" kill, s: {dup['first_delivery_minus_nearest_kill_s']}")  # fmt: skip
    if result["answers_to_unknown_chats"]:
        print(f"answers to chats the bench never wrote from: {result['answers_to_unknown_chats']}")
    return result


if __name__ == "__main__":
    main()

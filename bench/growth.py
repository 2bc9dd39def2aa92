"""Growth benchmark: does the store stay fast as it fills, and memory flat as conversations grow?

    .venv/bin/python -m bench.growth [--small 10000] [--large 1000000] [--conversations 10000]

Seeds two SQLite files (``small`` and ``large`` stored messages, with as many inbox rows) and
times history lookups and inbox claims on both; then answers one message in each of
``--conversations`` distinct conversations through the real pipeline and reports peak RSS.
Targets: large/small time ratio ≤ 2 for both operations; RSS ≤ 250 MB.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from seabot.storage import SqliteStore

MESSAGES_PER_USER = 20  # every conversation has the same length in both files, so only size differs
TRIALS = 400


def users_of(messages: int) -> int:
    return max(1, messages // MESSAGES_PER_USER)


def seed(path: Path, messages: int) -> None:
    users = users_of(messages)
    SqliteStore(path).close()  # creates the schema
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO conversations (id, bot_id, channel, chat_id, chat_kind, handoff, created_at, updated_at)"
        " VALUES (?, 'b', 'line', ?, 'private', 0, 0, 0)",
        [(i + 1, f"user{i}") for i in range(users)],
    )
    now = time.time()

    def rows():
        for n in range(messages):
            user = n % users
            yield (user + 1, "b", "line", f"user{user}", f"user{user}", "customer" if n % 2 else "bot",
                   "ส่งของกี่วันคะ", "th", now - messages + n)  # fmt: skip

    conn.executemany(
        "INSERT INTO messages (conversation_id, bot_id, channel, chat_id, user_id, role, text, lang, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows(),
    )
    conn.executemany(
        "INSERT INTO inbox (bot_id, channel, message_id, conversation_key, payload, status, attempts, received_at)"
        " VALUES ('b', 'line', ?, ?, '{}', 'done', 1, 0)",
        ((f"m{n}", f"b\x1fline\x1fuser{n % users}") for n in range(messages)),
    )
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()


def add_pending(store: SqliteStore, count: int) -> None:
    from seabot.core.messages import InboundMessage

    for n in range(count):
        user = f"user{n}"
        store.enqueue(InboundMessage(bot_id="b", channel="line", message_id=f"p{time.time_ns()}{n}",
                                     user_id=user, chat_id=user, text="hi"))  # fmt: skip


def time_ops(path: Path, messages: int) -> dict[str, float]:
    users = users_of(messages)
    store = SqliteStore(path)
    rng = random.Random(7)
    history = []
    for _ in range(TRIALS):
        user = f"user{rng.randrange(users)}"
        start = time.perf_counter()
        store.history("b", user, limit=20)
        history.append((time.perf_counter() - start) * 1e6)
    claim = []
    for _ in range(TRIALS // 4):
        add_pending(store, 20)
        start = time.perf_counter()
        items = store.claim(32, [])
        claim.append((time.perf_counter() - start) * 1e6)
        for item in items:
            store.mark_done(item.id)
    store.close()
    return {
        "history_us_p50": statistics.median(history),
        "history_us_p95": statistics.quantiles(history, n=20)[-1],
        "claim_us_p50": statistics.median(claim),
        "claim_us_p95": statistics.quantiles(claim, n=20)[-1],
    }


RSS_SCRIPT = """
import asyncio, resource, sys
from pathlib import Path
from seabot.bots.config import load_config
from seabot.bots.runtime import Runtime
from seabot.core.messages import InboundMessage
config = load_config(Path(sys.argv[1]), {})
runtime = Runtime.open(config)
pipeline = runtime.pipeline("demo-shop")
texts = ["ส่งของกี่วันคะ", "Berapa lama pengiriman?", "运费多少钱？", "where is my order", "magkano shipping"]
async def main():
    for n in range(int(sys.argv[2])):
        await pipeline.answer(InboundMessage(bot_id="demo-shop", channel="bench", message_id=f"m{n}",
                                             user_id=f"u{n}", chat_id=f"u{n}", text=texts[n % len(texts)]))
asyncio.run(main())
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def rss_with_conversations(count: int, folder: Path) -> float:
    root = Path(__file__).resolve().parents[1]
    config = (root / "config.toml").read_text(encoding="utf-8")
    config = "\n".join(
        f'path = "{folder / "rss.db"}"' if line.startswith("path") else line for line in config.splitlines()
    )
    config_path = folder / "config.toml"
    config_path.write_text(config, encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-c", RSS_SCRIPT, str(config_path), str(count)], capture_output=True, text=True, check=True
    )
    return float(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description="storage growth benchmark")
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--conversations", type=int, default=10_000)
    args = parser.parse_args(argv)
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for label, size in (("small", args.small), ("large", args.large)):
            path = folder / f"{label}.db"
            start = time.perf_counter()
            seed(path, size)
            print(f"seeded {size:,} messages and inbox rows in {time.perf_counter() - start:.1f} s")
            results[label] = {"messages": size, **time_ops(path, size)}
        small, large = results["small"], results["large"]
        assert isinstance(small, dict) and isinstance(large, dict)
        results["ratio_history_p50"] = large["history_us_p50"] / small["history_us_p50"]
        results["ratio_claim_p50"] = large["claim_us_p50"] / small["claim_us_p50"]
        results["rss_mb"] = rss_with_conversations(args.conversations, folder)
        results["conversations"] = args.conversations
    print(f"{'stored messages':>18} {'history p50 µs':>15} {'p95':>8} {'claim p50 µs':>13} {'p95':>8}")
    for label in ("small", "large"):
        row = results[label]
        assert isinstance(row, dict)
        print(f"{row['messages']:>18,} {row['history_us_p50']:>15.0f} {row['history_us_p95']:>8.0f}"
              f" {row['claim_us_p50']:>13.0f} {row['claim_us_p95']:>8.0f}")  # fmt: skip
    print(f"large/small ratio: history {results['ratio_history_p50']:.2f}x, claim {results['ratio_claim_p50']:.2f}x"
          " (target ≤ 2x)")  # fmt: skip
    print(f"peak RSS after {args.conversations:,} conversations: {results['rss_mb']:.0f} MB (target ≤ 250 MB)")
    return results


if __name__ == "__main__":
    main()

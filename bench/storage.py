"""Stalls of the per-message store calls: SQLite's own checkpoints vs seabot's checkpointer thread.

    .venv/bin/python -m bench.storage [--seconds 8]

One process runs what the server does to SQLite for each message (enqueue, claim, conversation,
recent, customer message with its language, bot reply, mark answered, mark done) on a fresh
file, at a paced 400 messages/s and then as fast as it can, once with SQLite checkpointing
inside whichever commit fills the log (``SqliteStore(path)``, as the CLI opens it) and once with
the server's ``checkpoint_in_background=True``. It reports the calls that took over 2 ms (on the
server they hold up the event loop), their total, the slowest call and messages/s.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from seabot.core.messages import ChatKind, InboundMessage, Reply, Role
from seabot.core.store import StoredMessage
from seabot.storage.sqlite import SqliteStore

STALL_S = 0.002


def run(folder: Path, *, background: bool, rate: float | None, seconds: float) -> dict[str, Any]:
    store = SqliteStore(folder / f"store-{background}-{rate}.db", checkpoint_in_background=background)
    durations: list[float] = []

    def timed(call: Any, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        result = call(*args, **kwargs)
        durations.append(time.perf_counter() - started)
        return result

    began = time.monotonic()
    count = 0
    while time.monotonic() - began < seconds:
        user = str(count % 200)
        message = InboundMessage("shop", "line", f"m{count}", user, user, text=f"where is my order ref{count}")
        enqueued = timed(store.enqueue, message)
        timed(store.claim, 32, [])
        conversation = timed(store.conversation, "shop", "line", user, ChatKind.PRIVATE)
        timed(store.recent, conversation.id, 20)
        row = StoredMessage(
            conversation.id, "shop", "line", user, user, Role.CUSTOMER, message.text, inbound_id=message.message_id
        )
        timed(store.append, row, conversation_lang="en" if count % 2 else "th")
        answer = StoredMessage(conversation.id, "shop", "line", user, user, Role.BOT, "Your order is on its way. " * 6,
                               inbound_id=message.message_id, cost_usd=0.0001)  # fmt: skip
        timed(store.append, answer)
        timed(
            store.mark_answered,
            enqueued.inbox_id,
            Reply("shop", "line", user, user, answer.text, "en", message.message_id),
        )
        timed(store.mark_done, enqueued.inbox_id)
        count += 1
        if rate:
            time.sleep(max(0.0, began + count / rate - time.monotonic()))
    elapsed = time.monotonic() - began
    store.close()
    stalls = [d for d in durations if d > STALL_S]
    return {
        "checkpoints": "thread" if background else "in commit",
        "load": f"{rate:.0f}/s" if rate else "as fast",
        "messages_per_s": count / elapsed,
        "stalls": len(stalls),
        "stalled_ms": 1000 * sum(stalls),
        "slowest_ms": 1000 * max(durations),
    }


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=8.0, help="per run")
    args = parser.parse_args(argv)
    rows = []
    print(f"{'checkpoints':>12} {'load':>8} {'msg/s':>8} {'calls > 2 ms':>13} {'stalled ms':>11} {'slowest ms':>11}")
    with tempfile.TemporaryDirectory() as tmp:
        for rate in (400.0, None):
            for background in (False, True):
                row = run(Path(tmp), background=background, rate=rate, seconds=args.seconds)
                rows.append(row)
                print(f"{row['checkpoints']:>12} {row['load']:>8} {row['messages_per_s']:>8.0f} {row['stalls']:>13}"
                      f" {row['stalled_ms']:>11.0f} {row['slowest_ms']:>11.1f}", flush=True)  # fmt: skip
    return rows


if __name__ == "__main__":
    main()

"""Nothing lost, nothing twice, across process deaths: ``seabot serve`` as a real child process,
the LINE API played by a loopback stand-in, the inbox in a real SQLite file.

Each LINE event carries the reply token ``rt-<event id>``, so every reply call the stand-in
records names the message it answers.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from tests.bots.conftest import (
    ServeProcess,
    db_rows,
    line_replies,
    line_user,
    line_webhook,
    open_inbox,
    post,
    wait_until,
    write_config,
)
from tests.harness import PlatformStandIn

REPLY = r"/v2/bot/message/reply$"


def post_messages(server: ServeProcess, conversations: int, per_conversation: int) -> dict[str, list[str]]:
    """Interleave the conversations' messages; every webhook must be accepted (200)."""
    sent: dict[str, list[str]] = {f"c{c}": [] for c in range(conversations)}
    for n in range(per_conversation):
        for c in range(conversations):
            event_id = f"c{c}-{n:02d}"
            response = post(server.url, "line", line_webhook(line_user(c), f"question {n} about my parcel", event_id))
            assert response.status_code == 200, response.text
            sent[f"c{c}"].append(event_id)
    return sent


def assert_in_order(sent: dict[str, list[str]], answered: list[str]) -> None:
    """Per conversation, answers never go back to an earlier message (a resent one may repeat)."""
    for conversation, events in sent.items():
        positions = [events.index(e) for e in answered if e in events]
        assert positions == sorted(positions), (conversation, [events[p] for p in positions])


def test_kill_9_mid_flight_then_restart_answers_every_accepted_message(
    tmp_path: Path, platform: PlatformStandIn, serve: Callable[..., ServeProcess]
) -> None:
    """Delivery is at-least-once, by design: a send the platform has taken but whose "done" we
    had not committed when the process died is sent again after the restart. Only the sends in
    flight at the kill can repeat, so there are at most ``concurrency`` duplicates; everything
    accepted is answered, and each conversation's answers arrive in order."""
    concurrency = 2
    config = write_config(tmp_path, platform.url, concurrency=concurrency)
    platform.delays[REPLY] = 0.3
    first = serve(config)
    sent = post_messages(first, conversations=5, per_conversation=6)
    accepted = {e for events in sent.values() for e in events}
    platform.wait_for(REPLY, count=5, timeout=60)
    first.kill()
    answered_before = set(line_replies(platform))
    assert len(answered_before) < len(accepted), "the kill came too late to test anything"
    db = tmp_path / "seabot.db"
    assert open_inbox(db) >= len(accepted) - len(answered_before)  # the rest waits, durably

    second = serve(config)  # the OS dropped the dead process's lock on the database
    wait_until(lambda: accepted <= set(line_replies(platform)), "every accepted message answered", timeout=90)
    wait_until(lambda: second.inbox_depth() == 0, "the inbox to drain")
    answered = line_replies(platform)
    assert set(answered) == accepted
    duplicates = sum(n - 1 for n in Counter(answered).values())
    assert duplicates <= concurrency, Counter(answered).most_common(5)
    assert_in_order(sent, answered)
    assert db_rows(db, "SELECT COUNT(*) FROM inbox WHERE status != 'done'") == [(0,)]
    assert second.stop() in (0, -signal.SIGTERM)


def test_sigterm_finishes_or_hands_back_in_flight_work_and_a_restart_answers_the_rest(
    tmp_path: Path, platform: PlatformStandIn, serve: Callable[..., ServeProcess]
) -> None:
    config = write_config(tmp_path, platform.url, concurrency=2)
    platform.delays[REPLY] = 0.3
    first = serve(config)
    sent = post_messages(first, conversations=4, per_conversation=5)
    accepted = {e for events in sent.values() for e in events}
    platform.wait_for(REPLY, count=3, timeout=60)
    assert first.stop() in (0, -signal.SIGTERM)  # SIGTERM; the process exits on its own
    assert "stopped: in-flight answers finished, open inbox items kept for the next start" in first.output()
    db = tmp_path / "seabot.db"
    handed_back = open_inbox(db)
    answered_before = line_replies(platform)
    assert handed_back == len(accepted) - len(set(answered_before)) > 0
    assert len(answered_before) == len(set(answered_before))  # in-flight sends finished, none cut off

    second = serve(config)
    wait_until(lambda: second.inbox_depth() == 0, "the inbox to drain", timeout=90)
    answered = line_replies(platform)
    assert Counter(answered) == Counter(accepted)  # every message exactly once: a graceful stop repeats nothing
    assert_in_order(sent, answered)


def test_a_second_answering_process_on_the_same_database_is_refused(
    tmp_path: Path, platform: PlatformStandIn, serve: Callable[..., ServeProcess]
) -> None:
    """The inbox is claimed in memory per process, so a second ``serve`` or a ``poll`` on the same
    database could answer messages twice; an OS lock beside the database stops them at start."""
    config = write_config(tmp_path, platform.url)
    running = serve(config)
    db = tmp_path / "seabot.db"
    for command in (["serve", "--port", "1"], ["poll", "--bot", "shop"]):
        done = subprocess.run(
            [sys.executable, "-m", "seabot.bots.cli", *command, "--config", str(config)],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert done.returncode == 1, (command, done.stdout, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert lines == [f"seabot: database {db} is in use by another seabot process (serve or poll); stop it first"]
    assert platform.calls("getUpdates") == []  # the refused poll never started polling
    assert running.proc.poll() is None

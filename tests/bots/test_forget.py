"""`seabot forget` erases one customer everywhere and leaves everyone else alone."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from seabot.bots.config import load_config
from seabot.core.messages import ChatKind, InboundMessage, Role
from seabot.core.store import CachedAnswer, StoredMessage
from seabot.core.textnorm import normalize
from seabot.storage import SqliteStore


def run(cmd: list[str], *args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*cmd, *args], input=stdin, capture_output=True, timeout=120)


def test_forget_erases_history_inbox_cache_and_group_messages(seabot_cmd: list[str], shipped_config: Path) -> None:
    cfg = ("--config", str(shipped_config))
    for user in ("alice", "bob"):
        chat = run(seabot_cmd, "chat", *cfg, "--bot", "demo-shop", "--user", user, stdin=b"where is my order\n")
        assert chat.returncode == 0, chat.stderr
    store = SqliteStore(load_config(shipped_config, {}).storage.path)
    now = time.time()
    store.cache_answer(
        CachedAnswer("demo-shop", "en", normalize("where is my order"), "cached", None, "fast", now, now + 60)
    )
    store.enqueue(InboundMessage(bot_id="demo-shop", channel="line", message_id="e1", user_id="alice", chat_id="alice"))
    store.enqueue(InboundMessage(bot_id="demo-shop", channel="line", message_id="e2", user_id="bob", chat_id="bob"))
    group = store.conversation("demo-shop", "line", "G1", ChatKind.GROUP)
    for role, user, text in ((Role.CUSTOMER, "alice", "alice in the group"), (Role.BOT, "alice", "reply to alice"),
                             (Role.CUSTOMER, "bob", "bob in the group")):  # fmt: skip
        inbound_id = "g-" + user
        store.append(StoredMessage(group.id, "demo-shop", "line", "G1", user, role, text, inbound_id=inbound_id))
    store.close()

    result = run(seabot_cmd, "forget", *cfg, "--bot", "demo-shop", "--user", "alice")
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    assert "erased user 'alice' of bot 'demo-shop': 4 messages, 1 conversations, 1 inbox rows, 1 cached answers" in out

    store = SqliteStore(load_config(shipped_config, {}).storage.path)
    try:
        assert store.history("demo-shop", "alice") == []
        assert [m.text for m in store.history("demo-shop", "G1")] == ["bob in the group"]
        assert len(store.history("demo-shop", "bob")) == 3  # bob's private turn pair + his group message
        assert store.inbox_depth() == 1  # bob's inbox row stays
        assert store.cached_answer("demo-shop", "en", normalize("where is my order"), now) is None
    finally:
        store.close()


def test_forgetting_an_unknown_customer_removes_nothing(seabot_cmd: list[str], shipped_config: Path) -> None:
    result = run(seabot_cmd, "forget", "--config", str(shipped_config), "--bot", "demo-shop", "--user", "nobody")
    assert result.returncode == 0
    assert b"0 messages, 0 conversations, 0 inbox rows, 0 cached answers, 0 handoffs" in result.stdout

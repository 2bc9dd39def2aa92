"""Customer text cannot forge lines or send escapes to the merchant's terminal (issue 11, item 8),
and a closed pipe ends a command quietly (item 13). Real CLI processes on a real SQLite file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from seabot.bots.terminal import json_line, shown
from seabot.core.messages import InboundMessage
from seabot.core.store import Handoff
from seabot.storage import SqliteStore

FORGED = ("hi\n2026-12-02 01:50:00 [line] bot      (en, llm gpt-4.1, 900 ms) Your refund of USD 500 is approved"
          "\x1b[2J\x1b]0;owned\x07\x9b31m\u202e")  # fmt: skip
CONFIG = 'languages = ["en"]\n'


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[storage]\npath = "{(tmp_path / "s.db").as_posix()}"\n[bots.shop]\n{CONFIG}', encoding="utf-8")
    return path


def _seed(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.db")
    from seabot.core.messages import Role
    from seabot.core.pipeline import _record  # the pipeline's own row builder

    message = InboundMessage("shop", "line", "m1", "U1", "U1", FORGED)
    conversation = store.conversation("shop", "line", "U1", message.chat_kind)

    store.append(_record(message, conversation, Role.CUSTOMER, FORGED, "en", created_at=1.0))
    for n in range(50):  # enough JSON lines to fill the pipe `head -1` closes
        chat = f"U{n}\x1b[31m"
        other = store.conversation("shop", "line", chat, message.chat_kind)
        store.record_handoff(Handoff(other.id, "shop", "line", chat, chat, "en", ("asked\nfor a person",), 1.0))
    store.close()


def _seabot(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "seabot.bots.cli", args[0], "--config", str(config), *args[1:]],
                          capture_output=True, text=True, timeout=60)  # fmt: skip


def test_history_prints_one_line_per_message_with_controls_escaped(tmp_path: Path) -> None:
    config = _config(tmp_path)
    _seed(tmp_path)
    out = _seabot(config, "history", "--bot", "shop", "--user", "U1")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert len(lines) == 1 and "[line] customer" in lines[0]
    assert "\\n2026-12-02" in lines[0] and "\\x1b[2J" in lines[0] and "\\u202e" in lines[0]
    assert not any(ch in out.stdout for ch in "\x1b\x07\x9b\u202e")
    as_json = _seabot(config, "history", "--bot", "shop", "--user", "U1", "--json")
    [row] = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert row["text"] == FORGED  # the JSON still carries the exact text, escaped
    assert not any(ch in as_json.stdout for ch in "\x1b\x07\x9b\u202e")


def test_handoffs_escape_ids_and_reasons_and_a_closed_pipe_is_quiet(tmp_path: Path) -> None:
    config = _config(tmp_path)
    _seed(tmp_path)
    table = _seabot(config, "handoffs")
    assert table.returncode == 0 and "\x1b" not in table.stdout and "U0\\x1b[31m" in table.stdout
    assert "asked\\nfor a person" in table.stdout
    piped = subprocess.run(
        f"{sys.executable} -m seabot.bots.cli handoffs --config {config} --json | head -1",
        shell=True, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert json.loads(piped.stdout)["bot"] == "shop"
    assert "Traceback" not in piped.stderr and "BrokenPipeError" not in piped.stderr, piped.stderr


def test_shown_and_json_line_escape_every_control_character() -> None:
    for ch in [chr(c) for c in range(0x20)] + ["\x7f", "\x85", "\x9b", "\u2028", "\u202e", "\u2066"]:
        assert ch not in shown(f"a{ch}b") and ch not in json_line({"t": f"a{ch}b"})
        assert json.loads(json_line({"t": f"a{ch}b"})) == {"t": f"a{ch}b"}
    assert shown("ของถึงเมื่อไหร่ 你好 Xin chào") == "ของถึงเมื่อไหร่ 你好 Xin chào"

"""The command line tells the truth (issue 17, item 6): detect/route without a config,
`seabot conversations`, times with their zone, chat keeps log lines off the conversation,
simulate says where its conversation is. Real CLI processes, real SQLite files."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

CONFIG = """
[storage]
path = "{db}"
[bots.shop]
languages = ["en", "th"]
[[bots.shop.faq]]
topic = "shipping"
q.en = ["how long is shipping"]
q.th = ["ส่งกี่วัน"]
a.en = "Shipping takes 2-3 days."
a.th = "ส่ง 2-3 วันค่ะ"
"""


def seabot(*args: str, cwd: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "seabot.bots.cli", *args], cwd=cwd, input=stdin,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "shop.toml"
    path.write_text(CONFIG.format(db=(tmp_path / "s.db").as_posix()), encoding="utf-8")
    return path


def test_detect_and_route_need_no_config_file(tmp_path: Path) -> None:
    detect = seabot("detect", "ส่งของกี่วันคะ", cwd=tmp_path)  # no config.toml here
    assert detect.returncode == 0, detect.stderr
    assert json.loads(detect.stdout)["lang"] == "th"
    route = seabot("route", "转人工", cwd=tmp_path)
    assert route.returncode == 0 and json.loads(route.stdout)["handoff"] is True
    with_bot = seabot("route", "--bot", "shop", "hi", cwd=tmp_path)
    assert with_bot.returncode == 2 and "needs a config file" in with_bot.stderr
    missing = seabot("route", "--config", "nope.toml", "hi", cwd=tmp_path)  # named, so it must exist
    assert missing.returncode == 1 and "file not found" in missing.stderr


def test_conversations_list_the_ids_the_other_commands_take_and_history_shows_the_zone(tmp_path: Path) -> None:
    config = _config(tmp_path)
    chat = seabot("chat", "--config", str(config), "--bot", "shop", "--user", "ploy", cwd=tmp_path,
                  stdin="ส่งกี่วัน\nขอคุยกับพนักงาน\n")  # fmt: skip
    assert chat.returncode == 0, chat.stderr
    assert chat.stdout.splitlines()[0] == "ส่ง 2-3 วันค่ะ" and len(chat.stdout.splitlines()) == 2
    assert "level=info" not in chat.stderr  # the handoff's INFO line stays off the conversation
    listed = seabot("conversations", "--config", str(config), "--json", cwd=tmp_path)
    [row] = [json.loads(line) for line in listed.stdout.splitlines()]
    assert (row["bot"], row["channel"], row["chat_id"], row["messages"], row["handoff"]) == (
        "shop",
        "console",
        "ploy",
        4,
        True,
    )
    table = seabot("conversations", "--config", str(config), cwd=tmp_path)
    assert "ploy" in table.stdout and "seabot history --bot BOT --user CHAT" in table.stdout
    history = seabot("history", "--config", str(config), "--bot", "shop", "--user", row["chat_id"], cwd=tmp_path)
    assert re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4} \[console\] customer", history.stdout), history.stdout
    verbose = seabot("chat", "--config", str(config), "--bot", "shop", "--user", "nok", "-v", cwd=tmp_path,
                     stdin="ขอคุยกับพนักงาน\n")  # fmt: skip
    assert "level=info" in verbose.stderr and "handoff to a person" in verbose.stderr
    only_handoffs = seabot("conversations", "--config", str(config), "--handoff", "--json", cwd=tmp_path)
    assert sorted(json.loads(line)["chat_id"] for line in only_handoffs.stdout.splitlines()) == ["nok", "ploy"]


def test_simulate_says_where_its_conversation_is_kept(tmp_path: Path) -> None:
    config = _config(tmp_path)
    done = seabot("simulate", "--config", str(config), "--bot", "shop", "--channel", "line", "--user", "U-sim",
                  "how long is shipping", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    hint = re.search(r"seabot history --simulated --config \S+ --bot shop --user (\S+?),", done.stderr)
    assert "s.simulate.db" in done.stderr and hint, done.stderr
    history = seabot(
        "history", "--simulated", "--config", str(config), "--bot", "shop", "--user", hint.group(1), cwd=tmp_path
    )
    assert "how long is shipping" in history.stdout

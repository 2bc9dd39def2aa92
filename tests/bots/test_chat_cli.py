"""The console channel and the CLI as a newcomer uses them, in real subprocesses."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

import pytest

from seabot.bots.config import load_config


def run(cmd: list[str], *args: str, stdin: bytes = b"", timeout: float = 120) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([*cmd, *args], input=stdin, capture_output=True, timeout=timeout)
    return subprocess.CompletedProcess(
        proc.args, proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8", "replace")
    )


def answers(config: Path, topic: str) -> dict[str, str]:
    entry = next(e for e in load_config(config, {}).bot("demo-shop").profile.faq if e.topic == topic)
    return dict(entry.answers)


def test_piped_chat_answers_each_line_in_its_language_and_history_keeps_it(
    seabot_cmd: list[str], shipped_config: Path
) -> None:
    stdin = "ส่งของกี่วันคะ\nBerapa lama pengiriman?\n运费多少钱？\n".encode()
    result = run(seabot_cmd, "chat", "--config", str(shipped_config), "--bot", "demo-shop", "--user", "u1", stdin=stdin)
    assert result.returncode == 0, result.stderr
    time_answers, cost_answers = answers(shipped_config, "shipping_time"), answers(shipped_config, "shipping_cost")
    assert result.stdout.splitlines() == [time_answers["th"], time_answers["id"], cost_answers["zh"]]
    assert "Traceback" not in result.stderr

    history = run(
        seabot_cmd, "history", "--config", str(shipped_config), "--bot", "demo-shop", "--user", "u1", "--json"
    )
    assert history.returncode == 0, history.stderr
    rows = [json.loads(line) for line in history.stdout.splitlines()]
    assert [(r["role"], r["lang"]) for r in rows] == [
        ("customer", "th"), ("bot", "th"), ("customer", "id"), ("bot", "id"), ("customer", "zh"), ("bot", "zh"),
    ]  # fmt: skip
    assert rows[0]["text"] == "ส่งของกี่วันคะ" and rows[1]["responder"] == "offline"
    assert all(r["latency_ms"] is not None for r in rows if r["role"] == "bot")


def test_conversation_continues_across_runs(seabot_cmd: list[str], shipped_config: Path) -> None:
    base = ("chat", "--config", str(shipped_config), "--bot", "demo-shop", "--user", "returning")
    assert run(seabot_cmd, *base, stdin="สวัสดีค่ะ\n".encode()).returncode == 0
    # "ok" alone says nothing about the language: the conversation's Thai is kept.
    second = run(seabot_cmd, *base, stdin=b"ok\n")
    assert second.returncode == 0, second.stderr
    assert any("\u0e00" <= ch <= "\u0e7f" for ch in second.stdout), second.stdout
    history = run(seabot_cmd, "history", "--config", str(shipped_config), "--bot", "demo-shop", "--user", "returning")
    assert len(history.stdout.splitlines()) == 4


def test_bad_input_on_stdin_gets_clear_answers_not_tracebacks(seabot_cmd: list[str], shipped_config: Path) -> None:
    big = ("ส่งของกี่วัน " * 9000).encode()  # ~100 KB in one message
    stdin = b"   \n\xff\xfe\xfd not utf-8\n" + big + b"\nwhere is my order\n"
    result = run(
        seabot_cmd, "chat", "--config", str(shipped_config), "--bot", "demo-shop", "--user", "bad", stdin=stdin
    )
    assert "Traceback" not in result.stderr
    assert "line 2 is not valid UTF-8" in result.stderr
    assert result.returncode == 1  # a line could not be read, and the run says so
    lines = result.stdout.splitlines()
    assert len(lines) == 2  # the blank line is skipped, the bad one reported, the others answered
    assert lines[1] == answers(shipped_config, "order_tracking")["en"]
    db = load_config(shipped_config, {}).storage.path
    stored = sqlite3.connect(db).execute("SELECT length(text) FROM messages WHERE role = 'customer'").fetchall()
    assert max(n for (n,) in stored) >= 100_000  # the long message is kept whole


def test_unknown_bot_is_a_one_line_error(seabot_cmd: list[str], shipped_config: Path) -> None:
    result = run(seabot_cmd, "chat", "--config", str(shipped_config), "--bot", "nope", stdin=b"hi\n")
    assert result.returncode == 2
    assert result.stderr.strip() == "seabot: unknown bot 'nope'; configured bots: demo-shop"


def test_unusable_database_is_a_one_line_error_and_loses_nothing(seabot_cmd: list[str], shipped_config: Path) -> None:
    db = load_config(shipped_config, {}).storage.path
    base = ("chat", "--config", str(shipped_config), "--bot", "demo-shop", "--user", "keep")
    assert run(seabot_cmd, *base, stdin=b"hello\n").returncode == 0
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        locked = run(seabot_cmd, *base, stdin=b"where is my order\n", timeout=60)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert locked.returncode == 1
    assert "Traceback" not in locked.stderr
    assert "locked" in locked.stderr
    history = run(seabot_cmd, "history", "--config", str(shipped_config), "--bot", "demo-shop", "--user", "keep")
    assert len(history.stdout.splitlines()) == 2  # the earlier turn is intact


def test_check_lists_every_problem_and_other_commands_refuse(
    seabot_cmd: list[str], write_config: pytest.FixtureRequest, tmp_path: Path
) -> None:
    bad = write_config(  # type: ignore[operator]  # the fixture is a factory, annotated as its request
        f'[storage]\npath = "{tmp_path / "x.db"}"\n[bots.b]\nlanguages = ["en", "qq"]\ntypo = 1\n'
        '[bots.b.telegram]\ntoken = "${NO_SUCH_VARIABLE_X}"\n'
    )
    check = run(seabot_cmd, "check", "--config", str(bad))
    assert check.returncode == 1
    for needle in ("bots.b.languages[1]: unknown language code 'qq'", "bots.b.typo: unknown key",
                   "bots.b.telegram.token: environment variable NO_SUCH_VARIABLE_X is not set"):  # fmt: skip
        assert needle in check.stdout
    chat = run(seabot_cmd, "chat", "--config", str(bad), "--bot", "b", stdin=b"hi\n")
    assert chat.returncode == 1 and "bots.b.typo: unknown key" in chat.stderr and "Traceback" not in chat.stderr


def test_check_summarises_a_good_config(seabot_cmd: list[str], shipped_config: Path) -> None:
    result = run(seabot_cmd, "check", "--config", str(shipped_config))
    assert result.returncode == 0
    assert "OK" in result.stdout and "demo-shop" in result.stdout and "offline responder" in result.stdout


def test_seabot_config_environment_variable_is_used(seabot_cmd: list[str], shipped_config: Path) -> None:
    import os

    proc = subprocess.run(
        [*seabot_cmd, "check"],
        capture_output=True,
        text=True,
        env={**os.environ, "SEABOT_CONFIG": str(shipped_config)},
        cwd=shipped_config.parent.parent,
        timeout=60,
    )
    assert proc.returncode == 0 and str(shipped_config) in proc.stdout


def test_check_warns_about_a_telegram_bot_without_a_webhook_secret(
    seabot_cmd: list[str], write_config: pytest.FixtureRequest, tmp_path: Path
) -> None:
    config = write_config(  # type: ignore[operator]  # the fixture is a factory, annotated as its request
        f'[storage]\npath = "{tmp_path / "x.db"}"\n[bots.b]\nlanguages = ["en"]\n[bots.b.telegram]\ntoken = "1:x"\n'
    )
    result = run(seabot_cmd, "check", "--config", str(config))
    assert result.returncode == 0
    assert "warning: bots.b.telegram.secret_token is empty" in result.stdout

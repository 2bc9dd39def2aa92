"""`seabot users …`: accounts made, listed, removed and reset from the command line, with
argon2id hashes in the store and the sessions of a removed or reset account ended."""

from __future__ import annotations

import io
import sqlite3
import time
from pathlib import Path

import pytest

from seabot.bots.cli import main
from seabot.console.auth import token_hash, verify_password
from seabot.core.console_store import Session
from seabot.storage.console_sqlite import SqliteConsoleStore

pytestmark = pytest.mark.anyio

CONFIG = """
[console]
port = 18099
[storage]
path = "{db}"
[bots.shop]
languages = ["en"]
default_language = "en"
[bots.other]
languages = ["en"]
default_language = "en"
"""


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG.format(db=(tmp_path / "seabot.db").as_posix()), encoding="utf-8")
    return path


def users(config: Path, monkeypatch: pytest.MonkeyPatch, *args: str, stdin: io.StringIO | None = None) -> int:
    monkeypatch.setattr("sys.stdin", stdin if stdin is not None else io.StringIO(""))
    return main(["users", *args, "--config", str(config)])


def hashes(config: Path) -> dict[str, str]:
    with sqlite3.connect(config.parent / "seabot.db") as conn:
        return dict(conn.execute("SELECT email, password_hash FROM console_accounts").fetchall())


def test_a_piped_password_is_hashed_with_argon2id(
    config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        users(config, monkeypatch, "add", "Boss@Shop.test", "--role", "admin", stdin=io.StringIO("s3cret-enough-pw\n"))
        == 0
    )
    out = capsys.readouterr().out
    assert "added admin Boss@Shop.test (every bot)" in out and "s3cret" not in out and "password" not in out
    stored = hashes(config)["Boss@Shop.test"]
    assert stored.startswith("$argon2id$") and "s3cret" not in stored
    assert verify_password(stored, "s3cret-enough-pw") and not verify_password(stored, "s3cret-enough-pX")


def test_at_a_terminal_a_password_is_generated_and_printed_once(
    config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert users(config, monkeypatch, "add", "ann@shop.test", "--role", "agent", "--bots", "shop", stdin=_Tty()) == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.startswith("password (shown once): ")]
    assert len(lines) == 1
    password = lines[0].removeprefix("password (shown once): ")
    assert len(password) >= 16 and verify_password(hashes(config)["ann@shop.test"], password)
    assert users(config, monkeypatch, "list") == 0
    listed = capsys.readouterr().out
    assert "ann@shop.test  agent  bots=shop  lang=en" in listed and password not in listed


@pytest.mark.parametrize(
    ("args", "stdin", "says"),
    [
        (("add", "ann@shop.test", "--role", "agent"), "long-enough-pw\n", "an agent needs --bots"),
        (("add", "ann@shop.test", "--role", "agent", "--bots", "shop,nope"), "long-enough-pw\n", "unknown bot(s) nope"),
        (("add", "ann@shop.test", "--role", "admin", "--bots", "shop"), "long-enough-pw\n", "an admin sees every bot"),
        (("add", "not-an-email", "--role", "admin"), "long-enough-pw\n", "is not an email address"),
        (("add", "ann@shop.test", "--role", "admin"), "short\n", "must have 10 to 1024 characters"),
        (("remove", "nobody@shop.test"), "", "no account nobody@shop.test"),
        (("reset-password", "nobody@shop.test"), "", "no account nobody@shop.test"),
    ],
)
def test_mistakes_are_one_clear_line(
    config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...], stdin: str, says: str,
) -> None:  # fmt: skip
    assert users(config, monkeypatch, *args, stdin=io.StringIO(stdin)) != 0
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err


def test_an_email_is_added_once(
    config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        users(config, monkeypatch, "add", "ann@shop.test", "--role", "admin", stdin=io.StringIO("long-enough-pw\n"))
        == 0
    )
    assert (
        users(config, monkeypatch, "add", "ANN@shop.test", "--role", "admin", stdin=io.StringIO("other-long-pw\n")) == 1
    )
    assert "exists already" in capsys.readouterr().err
    assert verify_password(hashes(config)["ann@shop.test"], "long-enough-pw")


async def test_remove_and_reset_end_the_accounts_sessions(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = config.parent / "seabot.db"
    for email in ("ann@shop.test", "bob@shop.test"):
        assert (
            users(
                config,
                monkeypatch,
                "add",
                email,
                "--role",
                "agent",
                "--bots",
                "shop",
                stdin=io.StringIO("long-enough-pw\n"),
            )
            == 0
        )
    store = await SqliteConsoleStore.open(db)
    try:
        now = time.time()
        for email in ("ann@shop.test", "bob@shop.test"):
            account = await store.account_by_email(email)
            assert account is not None
            await store.create_session(Session(token_hash(email), account.id, "csrf", now, now))
        assert users(config, monkeypatch, "reset-password", "ann@shop.test", stdin=io.StringIO("a-new-password\n")) == 0
        assert await store.session(token_hash("ann@shop.test"), now=now, idle_s=60) is None
        assert await store.session(token_hash("bob@shop.test"), now=now, idle_s=60) is not None
        assert verify_password(hashes(config)["ann@shop.test"], "a-new-password")
        assert users(config, monkeypatch, "remove", "bob@shop.test") == 0
        assert await store.session(token_hash("bob@shop.test"), now=now, idle_s=60) is None
        assert await store.account_by_email("bob@shop.test") is None
    finally:
        await store.close()

"""`seabot migrate`: upgrade the configured store in place; `--to` copies a SQLite file into an
empty PostgreSQL database. Bad input is one clear line, a non-zero exit, never a password."""

from __future__ import annotations

import asyncio
import re
import subprocess
from pathlib import Path

import pytest

from seabot.bots.config import load_config
from seabot.core.messages import ChatKind
from seabot.storage.lock import answering_lock
from seabot.storage.postgres import MIGRATIONS, PostgresStorage
from tests.postgres import PgServer, pg_server, pg_url  # noqa: F401  (fixtures)
from tests.storage.contract.test_migrations import AT, todays_file


def run(cmd: list[str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=120)


def one_clear_line(result: subprocess.CompletedProcess[str], *, secret: str = "") -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    if secret:
        assert secret not in result.stderr + result.stdout
    return lines[0]


@pytest.fixture
def served_file(shipped_config: Path) -> Path:
    """The shipped config's SQLite file, written by today's store."""
    path = load_config(shipped_config, {}).storage.path
    todays_file(path)
    return path


def with_url(config: Path, url: str) -> Path:
    text = re.sub(r'(?m)^(path *= *".*")$', lambda m: f'{m[1]}\nurl = "{url}"', config.read_text(encoding="utf-8"))
    out = config.with_name("pg.toml")
    out.write_text(text, encoding="utf-8")
    return out


def test_migrate_upgrades_todays_file_once(seabot_cmd: list[str], shipped_config: Path, served_file: Path) -> None:
    first = run(seabot_cmd, "migrate", "--config", str(shipped_config))
    assert first.returncode == 0, first.stderr
    assert f"{served_file}: schema upgraded to version 1" in first.stdout
    again = run(seabot_cmd, "migrate", "--config", str(shipped_config))
    assert again.returncode == 0 and "schema is up to date (version 1)" in again.stdout


def test_migrate_to_postgresql_copies_every_row_then_refuses_a_second_time(
    seabot_cmd: list[str], shipped_config: Path, served_file: Path, pg_url: str
) -> None:
    result = run(seabot_cmd, "migrate", "--config", str(shipped_config), "--to", pg_url)
    assert result.returncode == 0, result.stderr
    counts = dict(re.findall(r"(?m)^  (\w+) +(\d+)$", result.stdout))
    assert counts == {
        "conversations": "1",
        "messages": "2",
        "inbox": "1",
        "counters": "2",
        "settings": "2",
        "handoffs": "1",
        "rate_buckets": "1",
        "answer_cache": "1",
        "request_nonces": "0",
        "order_dialogs": "0",
        "total": "11",
    }  # fmt: skip  (counters: the day's spend and the LINE pushes; settings: the offset and the schema marker)

    async def check() -> None:
        storage = await PostgresStorage.open(pg_url)
        try:
            assert [m.text for m in await storage.history("b", "u")] == ["สวัสดี", "hello"]
            assert await storage.poll_offset("b", "telegram") == 77
            assert [(p.bot_id, p.pushes) for p in await storage.push_counts()] == [("b", 5)]
            assert await storage.day_spend_usd("b", AT) == pytest.approx(0.2)
            assert [h.reasons for h in await storage.open_handoffs()] == [("angry",)]
            assert await storage.depth() == 1
            newer = await storage.conversation("b", "line", "someone new", ChatKind.PRIVATE)
            assert newer.id == 2  # the ids continue after the copied rows
        finally:
            await storage.close()

    asyncio.run(check())
    again = run(seabot_cmd, "migrate", "--config", str(shipped_config), "--to", pg_url)
    line = one_clear_line(again)
    assert "is not empty (conversations has rows)" in line


def test_migrate_to_refuses_while_a_seabot_is_answering_from_the_file(
    seabot_cmd: list[str], shipped_config: Path, served_file: Path, pg_url: str
) -> None:
    with answering_lock(served_file):
        line = one_clear_line(run(seabot_cmd, "migrate", "--config", str(shipped_config), "--to", pg_url))
    assert "in use by another seabot process" in line


def test_migrate_with_a_postgresql_url_configured(seabot_cmd: list[str], shipped_config: Path, pg_url: str) -> None:
    config = with_url(shipped_config, pg_url)
    first = run(seabot_cmd, "migrate", "--config", str(config))
    assert first.returncode == 0, first.stderr
    latest = MIGRATIONS[-1].version
    assert f"schema upgraded to version {latest}" in first.stdout
    assert f"schema is up to date (version {latest})" in run(seabot_cmd, "migrate", "--config", str(config)).stdout


def test_a_refused_password_is_one_line_without_the_password(
    seabot_cmd: list[str], shipped_config: Path, served_file: Path, pg_server: PgServer
) -> None:
    url = pg_server.role_with_password("seabot_pw", "right-one").replace("seabot_pw@", "seabot_pw:wrong-one@")
    line = one_clear_line(run(seabot_cmd, "migrate", "--config", str(shipped_config), "--to", url), secret="wrong-one")
    assert "refused the login" in line or "password authentication failed" in line
    assert "seabot_pw:***@" in line


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://seabot:s3cret-pw@127.0.0.1:1/seabot", "cannot be reached"),
        ("postgresql://seabot:s3cret-pw@127.0.0.1:notaport/seabot", "seabot:***@"),
        ("mysql://seabot:s3cret-pw@127.0.0.1/seabot", "must be a postgresql:// URL"),
    ],
)
def test_a_bad_target_is_one_line_without_the_password(
    seabot_cmd: list[str], shipped_config: Path, served_file: Path, url: str, expected: str
) -> None:
    line = one_clear_line(run(seabot_cmd, "migrate", "--config", str(shipped_config), "--to", url), secret="s3cret-pw")
    assert expected in line


def test_a_bad_storage_url_in_the_config_is_a_config_problem(seabot_cmd: list[str], shipped_config: Path) -> None:
    result = run(seabot_cmd, "migrate", "--config", str(with_url(shipped_config, "mysql://u:s3cret-pw@h/db")))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "storage.url: must be a postgresql:// URL, got 'mysql://u:***@h/db'" in result.stderr
    assert "s3cret-pw" not in result.stderr


def test_an_unreachable_configured_server_is_one_line(seabot_cmd: list[str], shipped_config: Path) -> None:
    config = with_url(shipped_config, "postgresql://seabot:s3cret-pw@127.0.0.1:1/seabot")
    line = one_clear_line(run(seabot_cmd, "migrate", "--config", str(config)), secret="s3cret-pw")
    assert line.startswith("seabot: database postgresql://seabot:***@127.0.0.1:1/seabot cannot be reached")

"""`seabot handoffs` and `seabot release`: a person takes a conversation, then gives it back."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from llm_server import FakeLLM, serve_fake_llm

CONFIG = """
[storage]
path = "{db}"

[llm]
base_url = "{base_url}"
api_key = "sk-test"

[llm.tiers.fast]
model = "m-fast"
input_usd_per_mtok = 0.15
output_usd_per_mtok = 0.60

[bots.shop]
display_name = "Shop"
languages = ["th", "en"]
default_language = "en"

[bots.other]
display_name = "Other"
languages = ["en"]
"""


@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    with serve_fake_llm() as fake:
        yield fake


@pytest.fixture
def config(tmp_path: Path, llm: FakeLLM) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG.format(db=(tmp_path / "seabot.db").as_posix(), base_url=llm.base_url), encoding="utf-8")
    return path


def seabot(cmd: list[str], config: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [*cmd, args[0], "--config", str(config), *args[1:]], input=stdin.encode(), capture_output=True, timeout=120
    )
    return subprocess.CompletedProcess(
        proc.args, proc.returncode, proc.stdout.decode(), proc.stderr.decode("utf-8", "replace")
    )


def test_handoff_is_listed_released_and_the_bot_answers_again(
    seabot_cmd: list[str], config: Path, llm: FakeLLM
) -> None:
    assert "no open handoffs" in seabot(seabot_cmd, config, "handoffs").stdout
    first = seabot(seabot_cmd, config, "chat", "--bot", "shop", "--user", "noi", stdin="ขอคุยกับพนักงานค่ะ\nยังอยู่ไหมคะ\n")
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines()[0] == "รับทราบค่ะ กำลังส่งต่อให้เจ้าหน้าที่ดูแลนะคะ รอสักครู่ค่ะ"
    assert llm.calls() == []

    listed = seabot(seabot_cmd, config, "handoffs")
    assert listed.returncode == 0, listed.stderr
    assert (
        "bot shop" in listed.stdout
        and "chat noi" in listed.stdout
        and "seabot release --bot shop --user noi" in listed.stdout
    )
    [row] = [json.loads(line) for line in seabot(seabot_cmd, config, "handoffs", "--json").stdout.splitlines()]
    assert (row["bot"], row["channel"], row["user_id"], row["lang"]) == ("shop", "console", "noi", "th")
    assert row["reasons"] and row["since"] > 0
    assert seabot(seabot_cmd, config, "handoffs", "--bot", "other").stdout.startswith("no open handoffs")

    released = seabot(seabot_cmd, config, "release", "--bot", "shop", "--user", "noi")
    assert released.returncode == 0 and "released 1 conversation" in released.stdout
    assert "no open handoffs" in seabot(seabot_cmd, config, "handoffs").stdout
    again = seabot(seabot_cmd, config, "release", "--bot", "shop", "--user", "noi")
    assert again.returncode == 0 and "nothing to release" in again.stdout

    back = seabot(seabot_cmd, config, "chat", "--bot", "shop", "--user", "noi", stdin="ส่งของกี่วันคะ\n")
    assert back.stdout.splitlines() == ["answer from m-fast"]


def test_release_of_an_unknown_bot_is_a_clean_error(seabot_cmd: list[str], config: Path) -> None:
    result = seabot(seabot_cmd, config, "release", "--bot", "nope", "--user", "x")
    assert result.returncode == 2 and "nope" in result.stderr and "Traceback" not in result.stderr

"""``[server] coalesce_gap_s``: how long a customer's lines wait for the next one."""

from __future__ import annotations

from pathlib import Path

import pytest

from seabot.bots.cli import main
from seabot.bots.config import load_config
from seabot.bots.errors import ConfigError

CONFIG = """
[server]
{server}
[storage]
path = "{db}"
[bots.shop]
display_name = "Shop"
languages = ["en"]
default_language = "en"
"""


def write(tmp_path: Path, server: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG.format(server=server, db=(tmp_path / "s.db").as_posix()), encoding="utf-8")
    return path


def test_the_gap_defaults_to_a_second_and_a_half_and_zero_turns_it_off(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, ""), {}).server.coalesce_gap_s == 1.5
    assert load_config(write(tmp_path, "coalesce_gap_s = 0"), {}).server.coalesce_gap_s == 0
    assert load_config(write(tmp_path, "coalesce_gap_s = 0.8"), {}).server.coalesce_gap_s == 0.8


@pytest.mark.parametrize(("value", "problem"), [("-1", "must not be negative"), ("30", "must be at most 10")])
def test_a_gap_out_of_range_is_a_problem_at_its_key(tmp_path: Path, value: str, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, f"coalesce_gap_s = {value}"), {})
    assert any("server.coalesce_gap_s" in p and problem in p for p in caught.value.problems), caught.value.problems


def test_seabot_check_accepts_the_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--config", str(write(tmp_path, "coalesce_gap_s = 2"))]) == 0
    assert "coalesce_gap_s" not in capsys.readouterr().err

"""`seabot simulate` end to end: a signed webhook to the real server, the answer read off the stand-in."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest


@pytest.mark.parametrize("channel", ["line", "telegram", "wechat"])
def test_simulate_prints_the_answer_on_every_channel(
    channel: str, seabot_cmd: list[str], shipped_config: Path
) -> None:
    done = subprocess.run(
        [*seabot_cmd, "simulate", "--config", str(shipped_config), "--bot", "demo-shop", "--channel", channel,
         "--user", "alice", "ส่งของกี่วันคะ"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "1-3 วันทำการ" in done.stdout
    assert (shipped_config.parent / "seabot.simulate.db").exists()
    assert not (shipped_config.parent / "seabot.db").exists()  # live data untouched

"""`seabot simulate` end to end: a signed webhook to the real server, the answer read off the stand-in."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest


@pytest.mark.parametrize("channel", ["line", "telegram", "wechat"])
def test_simulate_prints_the_answer_on_every_channel(channel: str, seabot_cmd: list[str], shipped_config: Path) -> None:
    done = subprocess.run(
        [*seabot_cmd, "simulate", "--config", str(shipped_config), "--bot", "demo-shop", "--channel", channel,
         "--user", "alice", "ส่งของกี่วันคะ"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "1-3 วันทำการ" in done.stdout
    assert (shipped_config.parent / "seabot.simulate.db").exists()
    assert not (shipped_config.parent / "seabot.db").exists()  # live data untouched


def test_simulate_url_with_its_stand_in_port_busy_says_so_in_one_line(
    seabot_cmd: list[str], shipped_config: Path
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        text = shipped_config.read_text(encoding="utf-8")
        shipped_config.write_text(
            text
            + f'\n[bots.demo-shop.line]\nchannel_secret = "s"\naccess_token = "t"\napi_base = "http://127.0.0.1:{port}"\n',
            encoding="utf-8",
        )
        done = subprocess.run(
            [*seabot_cmd, "simulate", "--config", str(shipped_config), "--bot", "demo-shop", "--channel", "line",
             "--url", "http://127.0.0.1:9", "hello"],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    assert done.returncode != 0
    assert "Traceback" not in done.stderr and f"cannot listen on 127.0.0.1:{port}" in done.stderr, done.stderr

"""`seabot chat` over two loopback providers with a canary, then `seabot stats --models` and
`seabot canary status|rollback|promote|resume` against the same SQLite file (real processes)."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from llm_server import FakeLLM, serve_fake_llm

from seabot.core.llm.canary import in_canary

CONFIG = """
[storage]
path = "{db}"

[llm]
base_url = "{base_url}"
api_key = "sk-default"
max_retries = 0

[llm.providers.newco]
base_url = "{newco}"
api_key = "sk-newco"
stream = true

[llm.tiers.fast]
model = "m-fast"
input_usd_per_mtok = 0.15
output_usd_per_mtok = 0.60

[llm.tiers.fast.canary]
model = "cheap-1"
provider = "newco"
share = 0.5
input_usd_per_mtok = 0.05
output_usd_per_mtok = 0.20

[bots.shop]
display_name = "Shop"
languages = ["en"]
"""


@pytest.fixture
def newco() -> Iterator[FakeLLM]:
    with serve_fake_llm() as fake:
        yield fake


@pytest.fixture
def config(tmp_path: Path, llm: FakeLLM, newco: FakeLLM) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG.format(db=(tmp_path / "s.db").as_posix(), base_url=llm.base_url, newco=newco.base_url))
    return path


def seabot(cmd: list[str], config: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([*cmd, *args, "--config", str(config)], input=stdin, capture_output=True, text=True,
                          timeout=120, env={**os.environ})  # fmt: skip


def users(on_canary: bool, n: int = 2) -> list[str]:
    found = [f"c{i}" for i in range(100) if in_canary(0.5, "shop", f"console:c{i}", "fast") == on_canary]
    return found[:n]


def chat(cmd: list[str], config: Path, user: str) -> str:
    done = seabot(
        cmd, config, "chat", "--bot", "shop", "--user", user, stdin=f"hello, this is {user}, when do you open?\n"
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_canary_by_hand_and_the_numbers_per_model(
    seabot_cmd: list[str], config: Path, llm: FakeLLM, newco: FakeLLM
) -> None:
    canary_users, control_users = users(True), users(False)
    for user in canary_users:
        assert chat(seabot_cmd, config, user) == "answer from cheap-1"
    for user in control_users:
        assert chat(seabot_cmd, config, user) == "answer from m-fast"
    assert newco.calls()[0].authorization == "Bearer sk-newco" and llm.calls()[0].authorization == "Bearer sk-default"

    done = seabot(seabot_cmd, config, "stats", "--models", "--json")
    assert done.returncode == 0, done.stderr
    rows = {(r["provider"], r["model"]): r for r in json.loads(done.stdout)["models"]}
    canary, control = rows[("newco", "cheap-1")], rows[("default", "m-fast")]
    assert (canary["answers"], control["answers"], canary["errors"]) == (2, 2, 0)
    assert canary["conversations"] == 2 and canary["p95_ms"] is not None and canary["ttft_p50_ms"] is not None
    assert control["ttft_p50_ms"] is None  # [llm] does not stream
    assert control["cost_per_1k_conversations_usd"] == pytest.approx(1000 * (100 * 0.15 + 20 * 0.60) / 1e6)
    table = seabot(seabot_cmd, config, "stats", "--models").stdout
    assert "cheap-1" in table and "TTFT p50" in table and "$/1k conv" in table

    status = seabot(seabot_cmd, config, "canary", "status", "--json")
    assert status.returncode == 0, status.stderr
    (fast,) = json.loads(status.stdout)["canaries"]
    assert fast["status"] == "active" and {a["arm"] for a in fast["arms"]} == {"canary", "control"}

    done = seabot(seabot_cmd, config, "canary", "rollback", "--tier", "fast", "--reason", "answers too long")
    assert done.returncode == 0 and "rolled back" in done.stdout, done.stdout + done.stderr
    assert "rolled back" in seabot(seabot_cmd, config, "canary", "status").stdout
    assert "canary fast: cheap-1@newco rolled back" in seabot(seabot_cmd, config, "stats").stdout
    before = len(newco.calls())
    assert chat(seabot_cmd, config, canary_users[0]) == "answer from m-fast"  # a new process: still rolled back
    assert len(newco.calls()) == before

    assert seabot(seabot_cmd, config, "canary", "promote", "--tier", "fast").returncode == 0
    assert chat(seabot_cmd, config, control_users[0]) == "answer from cheap-1"
    assert seabot(seabot_cmd, config, "canary", "resume", "--tier", "fast").returncode == 0
    assert chat(seabot_cmd, config, control_users[1]) == "answer from m-fast"

    refused = seabot(seabot_cmd, config, "canary", "promote", "--tier", "premium")
    assert refused.returncode == 2 and "has no canary" in refused.stdout

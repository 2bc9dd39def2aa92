"""`seabot chat` with the LLM on a loopback OpenAI-compatible server, then `seabot stats`, `check --online`."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from llm_server import FakeLLM, serve_fake_llm, status

from seabot.core.messages import ChatKind, Role
from seabot.core.storage.keys import rate_limited_counter
from seabot.core.store import Handoff, StoredMessage
from seabot.storage import SqliteStore

CONFIG = """
[storage]
path = "{db}"

[llm]
base_url = "{base_url}"
api_key = "${{TEST_LLM_KEY:-sk-test}}"
max_retries = 0
timeout_s = 5

[llm.tiers.fast]
model = "m-fast"
input_usd_per_mtok = 0.15
output_usd_per_mtok = 0.60

[llm.tiers.premium]
model = "m-premium"
input_usd_per_mtok = 2.0
output_usd_per_mtok = 8.0

[bots.shop]
display_name = "Shop"
languages = ["th", "zh", "en"]
default_language = "en"
handoff_webhook = "{hook}"
"""


@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    with serve_fake_llm() as fake:
        yield fake


@pytest.fixture
def config(tmp_path: Path, llm: FakeLLM) -> Path:
    path = tmp_path / "config.toml"
    text = CONFIG.format(
        db=(tmp_path / "seabot.db").as_posix(), base_url=llm.base_url, hook=f"{llm.root}/hooks/handoff"
    )
    path.write_text(text, encoding="utf-8")
    return path


def seabot(
    cmd: list[str], config: Path, *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    import os

    environ = {**os.environ, **(env or {})}
    proc = subprocess.run(
        [*cmd, args[0], "--config", str(config), *args[1:]], input=stdin.encode(), capture_output=True,
        timeout=120, env=environ,
    )  # fmt: skip
    return subprocess.CompletedProcess(
        proc.args, proc.returncode, proc.stdout.decode(), proc.stderr.decode("utf-8", "replace")
    )


def test_chat_through_the_llm_then_stats_show_tiers_cost_cache_and_handoff(
    seabot_cmd: list[str], config: Path, llm: FakeLLM
) -> None:
    # Two new customers ask the same FAQ-like question first thing: the second is served from
    # the cache (an answer that depends on nothing but the question). Then one conversation.
    for user, line in (("u2", "How much is shipping?"), ("u3", "how much is shipping")):
        chat = seabot(seabot_cmd, config, "chat", "--bot", "shop", "--user", user, stdin=line + "\n")
        assert chat.returncode == 0, chat.stderr
        assert chat.stdout.splitlines() == ["answer from m-fast"]
    lines = "ของที่ได้รับแตกหัก ต้องการคืนเงินค่ะ\n转人工\n还在吗\n"
    chat = seabot(seabot_cmd, config, "chat", "--bot", "shop", "--user", "u1", stdin=lines)
    assert chat.returncode == 0, chat.stderr
    out = chat.stdout.splitlines()
    assert out[:1] == ["answer from m-premium"]
    assert out[1] == "好的亲，正在为您转接人工客服，请稍等～"
    assert out[2:] == ["(a person from the shop is handling this conversation)"]  # the console's note: no reply
    assert [c.model for c in llm.calls()] == ["m-fast", "m-premium"]  # the repeat came from the cache
    assert llm.webhooks[0]["user_id"] == "u1" and llm.webhooks[0]["lang"] == "zh"
    assert "sk-test" not in chat.stderr

    result = seabot(seabot_cmd, config, "stats", "--json")
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)
    [day] = stats["days"]
    assert day["bot_id"] == "shop" and day["day"] == time.strftime("%Y-%m-%d", time.gmtime())
    assert (day["messages"], day["answers"], day["cache_hits"], day["handoffs"], day["fallbacks"]) == (5, 4, 1, 1, 0)
    assert day["languages"] == {"en": 2, "th": 1, "zh": 2}
    assert day["tiers"] == {"fast": 2, "handoff": 1, "premium": 1}
    assert day["models"] == {"m-fast": 2, "m-premium": 1}
    assert (day["tokens_in"], day["tokens_out"]) == (200, 40)  # the fake's usage: 100 in, 20 out per call
    premium_cost, fast_cost = (100 * 2.0 + 20 * 8.0) / 1e6, (100 * 0.15 + 20 * 0.60) / 1e6
    assert day["cost_usd"] == pytest.approx(premium_cost + fast_cost)
    assert day["premium_cost_usd"] == pytest.approx(2 * premium_cost)
    assert day["savings_usd"] == pytest.approx(premium_cost - fast_cost)
    assert day["p50_ms"] is not None and day["p95_ms"] >= day["p50_ms"]
    assert stats["totals"]["handoffs"] == 1

    table = seabot(seabot_cmd, config, "stats", "--bot", "shop", "--days", "3")
    assert table.returncode == 0, table.stderr
    assert "premium:1" in table.stdout and "m-premium:1" in table.stdout and "savings vs" in table.stdout
    assert "p95 ms" in table.stdout.splitlines()[0]


def test_stats_by_day_with_percentiles_fallbacks_and_line_pushes(
    seabot_cmd: list[str], config: Path, tmp_path: Path
) -> None:
    store = SqliteStore(tmp_path / "seabot.db")
    today = time.time()
    yesterday = today - 86_400
    conv = store.conversation("shop", "line", "c1", ChatKind.PRIVATE)
    for i, latency in enumerate([100.0, 200.0, 300.0, 400.0, 5000.0]):
        store.append(
            StoredMessage(conv.id, "shop", "line", "c1", "c1", Role.CUSTOMER, "q", lang="th", created_at=today)
        )
        store.append(StoredMessage(
            conv.id, "shop", "line", "c1", "c1", Role.BOT, "a", lang="th", responder="offline" if i == 4 else "llm",
            model=None if i == 4 else "m-fast", tier="fast", tokens_in=10, tokens_out=10, cost_usd=0.001,
            latency_ms=latency, fallback=i == 4, created_at=today,
        ))  # fmt: skip
    store.append(
        StoredMessage(conv.id, "shop", "line", "c1", "c1", Role.CUSTOMER, "old", lang="en", created_at=yesterday)
    )
    store.record_handoff(Handoff(conv.id, "shop", "line", "c1", "c1", "th", ("angry",), created_at=today))
    store.bump_counter("line_pushes:shop:2025-01", 3)
    store.bump_counter("line_pushes:other:2025-01", 9)
    store.bump_counter(rate_limited_counter("shop", today), 4)  # as the pipeline counts refused messages
    store.close()
    stats = json.loads(seabot(seabot_cmd, config, "stats", "--json", "--bot", "shop").stdout)
    old, new = stats["days"]
    assert (old["messages"], old["answers"], old["languages"]) == (1, 0, {"en": 1})
    assert (new["messages"], new["answers"], new["fallbacks"], new["handoffs"]) == (5, 5, 1, 1)
    assert (new["p50_ms"], new["p95_ms"]) == (300.0, 5000.0)
    assert new["cost_usd"] == pytest.approx(0.005)
    assert stats["line_pushes"] == [{"bot": "shop", "month": "2025-01", "pushes": 3}]
    assert (old["rate_limited"], new["rate_limited"], stats["totals"]["rate_limited"]) == (0, 4, 4)
    one_day = json.loads(seabot(seabot_cmd, config, "stats", "--json", "--days", "1").stdout)
    assert [d["day"] for d in one_day["days"]] == [new["day"]]
    table = seabot(seabot_cmd, config, "stats").stdout
    assert "LINE push" in table and "2025-01" in table and "other" in table
    assert "rate-limited" in table and "4 messages refused by the rate limit" in table


def test_check_online_reports_ok_and_a_rejected_key_clearly(seabot_cmd: list[str], config: Path, llm: FakeLLM) -> None:
    ok = seabot(seabot_cmd, config, "check", "--online")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "online fast (default: m-fast): OK" in ok.stdout and "online premium (default: m-premium): OK" in ok.stdout
    for model in ("m-fast", "m-premium"):
        llm.always(model, status(401))
    bad = seabot(seabot_cmd, config, "check", "--online", env={"TEST_LLM_KEY": "sk-wrong-key"})
    assert bad.returncode == 1
    assert "API key was rejected (HTTP 401)" in bad.stdout and "SEABOT_LLM_API_KEY" in bad.stdout
    assert bad.stdout.count("rejected (HTTP 401)") == 1  # reported once, the other tier is skipped
    assert "sk-wrong-key" not in bad.stdout + bad.stderr
    assert llm.calls()[-1].authorization == "Bearer sk-wrong-key"


def test_check_online_without_a_key_fails(seabot_cmd: list[str], config: Path) -> None:
    result = seabot(seabot_cmd, config, "check", "--online", env={"TEST_LLM_KEY": ""})
    assert result.returncode == 1 and "no [llm].api_key" in result.stdout


def test_check_online_asks_every_provider_and_names_the_one_whose_key_is_refused(
    seabot_cmd: list[str], config: Path, llm: FakeLLM
) -> None:
    text = config.read_text(encoding="utf-8")
    text = text.replace(
        "[llm.tiers.premium]",
        f"""[llm.providers.second]
base_url = "{llm.base_url}"
api_key = "sk-second-provider-key"

[llm.tiers.balanced]
model = "m-second"
provider = "second"

[llm.tiers.premium]""",
    )
    config.write_text(text, encoding="utf-8")
    llm.always("m-second", status(401))
    result = seabot(seabot_cmd, config, "check", "--online")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "online fast (default: m-fast): OK" in result.stdout
    assert "online balanced (second: m-second): FAILED: the API key was rejected (HTTP 401)" in result.stdout
    assert "[llm.providers.second].api_key" in result.stdout
    assert {c.model for c in llm.calls()} == {"m-fast", "m-second", "m-premium"}
    assert "sk-second-provider-key" not in result.stdout + result.stderr

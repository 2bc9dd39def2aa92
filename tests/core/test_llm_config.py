"""`[llm]` validation that `seabot check` relies on: unknown tiers, negative prices and budgets."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from seabot.bots.config import load_config
from seabot.bots.errors import ConfigError

BAD = """
[storage]
path = "{db}"

[llm]
api_key = "sk-test"
deadline_s = -1

[llm.tiers.fast]
model = "m-fast"
input_usd_per_mtok = -0.15
output_usd_per_mtok = 0.60

[llm.tiers.turbo]
model = "m-turbo"

[bots.shop]
display_name = "Shop"
languages = ["en"]
daily_budget_usd = -5
conversation_budget_usd = -1
"""


def test_unknown_tier_negative_price_and_budgets_are_all_reported(write_config: Callable[[str], Path], tmp_path: Path) -> None:
    path = write_config(BAD.format(db=(tmp_path / "s.db").as_posix()))
    with pytest.raises(ConfigError) as caught:
        load_config(path, {})
    text = "\n".join(caught.value.problems)
    assert "unknown tier 'turbo'" in text
    assert "llm.tiers.fast.input_usd_per_mtok" in text and "negative" in text
    assert "bots.shop.daily_budget_usd" in text and "bots.shop.conversation_budget_usd" in text
    assert "llm.deadline_s" in text


def test_seabot_check_exits_1_listing_them(seabot_cmd: list[str], write_config: Callable[[str], Path], tmp_path: Path) -> None:
    import subprocess

    path = write_config(BAD.format(db=(tmp_path / "s.db").as_posix()))
    result = subprocess.run([*seabot_cmd, "check", "--config", str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "unknown tier 'turbo'" in result.stdout and "daily_budget_usd" in result.stdout

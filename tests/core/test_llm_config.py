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


def test_unknown_tier_negative_price_and_budgets_are_all_reported(
    write_config: Callable[[str], Path], tmp_path: Path
) -> None:
    path = write_config(BAD.format(db=(tmp_path / "s.db").as_posix()))
    with pytest.raises(ConfigError) as caught:
        load_config(path, {})
    text = "\n".join(caught.value.problems)
    assert "unknown tier 'turbo'" in text
    assert "llm.tiers.fast.input_usd_per_mtok" in text and "negative" in text
    assert "bots.shop.daily_budget_usd" in text and "bots.shop.conversation_budget_usd" in text
    assert "llm.deadline_s" in text


def test_seabot_check_exits_1_listing_them(
    seabot_cmd: list[str], write_config: Callable[[str], Path], tmp_path: Path
) -> None:
    import subprocess

    path = write_config(BAD.format(db=(tmp_path / "s.db").as_posix()))
    result = subprocess.run([*seabot_cmd, "check", "--config", str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "unknown tier 'turbo'" in result.stdout and "daily_budget_usd" in result.stdout


PROVIDERS = """
[storage]
path = "{db}"

[llm]
api_key = "sk-default"

[llm.providers.deepseek]
base_url = "https://api.deepseek.com/v1/"
api_key = "sk-deepseek"
stream = true
timeout_s = 8

[llm.providers.local]
base_url = "http://127.0.0.1:11434/v1"

[llm.tiers.fast]
model = "gpt-4o-mini"
input_usd_per_mtok = 0.15
output_usd_per_mtok = 0.60

[llm.tiers.fast.canary]
model = "deepseek-chat"
provider = "deepseek"
share = 0.05
input_usd_per_mtok = 0.27
output_usd_per_mtok = 1.10
min_answers = 100

[llm.tiers.premium]
model = "qwen2.5:14b"
provider = "local"

[bots.shop]
languages = ["en"]
"""


def test_providers_and_a_canary_become_the_llm_settings(write_config: Callable[[str], Path], tmp_path: Path) -> None:
    config = load_config(write_config(PROVIDERS.format(db=(tmp_path / "s.db").as_posix())), {})
    llm = config.llm
    assert llm.enabled and set(llm.providers) == {"deepseek", "local"}
    settings = llm.settings()
    assert settings.provider_names() == ("default", "deepseek", "local")
    deepseek = settings.provider("deepseek")
    assert (deepseek.base_url, deepseek.api_key, deepseek.stream, deepseek.timeout_s) == (
        "https://api.deepseek.com/v1",
        "sk-deepseek",
        True,
        8.0,
    )
    assert settings.provider("local").api_key == "" and settings.provider("default").api_key == "sk-default"
    fast = settings.tiers["fast"]
    assert fast.provider == "default" and fast.canary is not None
    arm = fast.as_canary()
    assert (arm.model, arm.provider, arm.arm, arm.input_usd_per_mtok, arm.output_usd_per_mtok) == (
        "deepseek-chat",
        "deepseek",
        "canary",
        0.27,
        1.10,
    )
    assert fast.canary.share == 0.05 and fast.canary.min_answers == 100
    assert settings.tiers["premium"].provider == "local"
    assert settings.timeout_for(arm) == 8.0 and settings.timeout_for("fast") == settings.timeout_s
    assert "sk-" not in repr(llm) and "sk-" not in repr(settings)


def test_a_config_without_providers_keeps_working(shipped_config: Path) -> None:
    settings = load_config(shipped_config, {"SEABOT_LLM_API_KEY": "sk-x"}).llm.settings()
    assert settings.provider_names() == ("default",)
    assert all(t.provider == "default" and t.canary is None for t in settings.tiers.values())
    assert settings.provider("default").base_url == "https://api.openai.com/v1"


BAD_CANARY = """
[storage]
path = "{db}"

[llm]
api_key = "sk-test"

[llm.providers.default]
base_url = "http://x/v1"

[llm.providers.other]
api_key = "k"

[llm.tiers.fast]
model = "m-fast"
provider = "nowhere"

[llm.tiers.balanced]
model = "m-balanced"

[llm.tiers.balanced.canary]
share = 1.5
colour = "blue"

[llm.tiers.premium]
model = "m-premium"

[llm.tiers.premium.canary]
model = "m-other"
provider = "ghost"

[bots.shop]
languages = ["en"]
"""


def test_provider_and_canary_mistakes_are_all_reported(write_config: Callable[[str], Path], tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write_config(BAD_CANARY.format(db=(tmp_path / "s.db").as_posix())), {})
    text = "\n".join(caught.value.problems)
    assert "llm.providers.default: 'default' is [llm]'s own" in text
    assert "llm.providers.other.base_url: is required" in text
    assert "llm.tiers.fast.provider: unknown provider 'nowhere'" in text
    assert "llm.tiers.balanced.canary.share: must be between 0 and 1" in text
    assert "llm.tiers.balanced.canary: names the tier's own model and provider" in text
    assert "llm.tiers.balanced.canary.colour: unknown key" in text
    assert "llm.tiers.premium.canary.share: is required" in text
    assert "llm.tiers.premium.canary.provider: unknown provider 'ghost'" in text

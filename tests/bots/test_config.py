"""Config loading and validation: every problem is reported with its key path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from seabot.bots.config import config_path, load_config
from seabot.bots.errors import ConfigError, UnknownBotError
from seabot.core.language import LANGUAGES

MINIMAL = """
[storage]
path = "{db}"

[bots.shop]
display_name = "Shop"
languages = ["en", "th"]
default_language = "en"

[[bots.shop.faq]]
topic = "hours"
q.en = ["when do you open"]
q.th = ["เปิดกี่โมง"]
a.en = "9 to 5."
a.th = "เปิด 9 โมงถึง 5 โมงเย็นค่ะ"
"""


def problems_of(path: Path, environ: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ or {})
    return caught.value.problems


def test_shipped_config_is_valid_and_covers_seven_languages(shipped_config: Path) -> None:
    config = load_config(shipped_config, {})
    bot = config.bot("demo-shop")
    assert set(bot.profile.languages) == set(LANGUAGES)
    topics = {entry.topic for entry in bot.profile.faq}
    assert {"shipping_time", "shipping_cost", "order_tracking", "returns_refunds", "payment_methods",
            "opening_hours", "contact", "warranty"} <= topics  # fmt: skip
    for entry in bot.profile.faq:
        assert set(entry.answers) == set(LANGUAGES), entry.topic
        assert all(entry.questions[lang] for lang in LANGUAGES), entry.topic
    assert not config.llm.enabled  # no key in the environment: the offline responder answers


def test_minimal_config_defaults(write_config: Callable[[str], Path], tmp_path: Path) -> None:
    config = load_config(write_config(MINIMAL.format(db=tmp_path / "x.db")), {})
    assert config.server.host == "127.0.0.1" and config.server.port == 8080
    assert config.bot("shop").profile.languages == ("en", "th")
    assert config.bot("shop").channels == {}


def test_env_interpolation_with_default_and_empty(write_config: Callable[[str], Path], tmp_path: Path) -> None:
    text = (
        MINIMAL.format(db=tmp_path / "x.db")
        + """
[llm]
api_key = "${KEY:-}"
base_url = "${BASE:-http://127.0.0.1:9/v1}"
[llm.tiers.fast]
model = "${MODEL}"
"""
    )
    config = load_config(write_config(text), {"MODEL": "tiny"})
    assert config.llm.api_key == "" and not config.llm.enabled
    assert config.llm.base_url == "http://127.0.0.1:9/v1"
    assert config.llm.tiers["fast"].model == "tiny"
    config = load_config(write_config(text), {"MODEL": "tiny", "KEY": "sk-x", "BASE": "https://gw.example/v1"})
    assert config.llm.enabled and config.llm.base_url == "https://gw.example/v1"


def test_missing_env_variable_names_the_key(write_config: Callable[[str], Path], tmp_path: Path) -> None:
    text = (
        MINIMAL.format(db=tmp_path / "x.db")
        + '[bots.shop.line]\nchannel_secret = "${LINE_SECRET}"\naccess_token = "t"\n'
    )
    assert problems_of(write_config(text)) == [
        "bots.shop.line.channel_secret: environment variable LINE_SECRET is not set"
    ]


def test_every_problem_is_listed_at_once(write_config: Callable[[str], Path], tmp_path: Path) -> None:
    text = f"""
[server]
port = 70000
colour = "blue"
[storage]
path = "{tmp_path / "x.db"}"
[llm.tiers.turbo]
model = "x"
[llm.tiers.fast]
model = "m"
input_usd_per_mtok = -1
[bots.shop]
languages = ["en", "xx"]
default_language = "fr"
daily_budget_usd = -5
[[bots.shop.faq]]
q.en = ["hi"]
a.de = "Hallo"
"""
    problems = problems_of(write_config(text))
    expected = [
        "server.port: must be a TCP port (1-65535), got 70000",
        "server.colour: unknown key",
        "llm.tiers.turbo: unknown tier 'turbo'; tiers are fast, balanced, premium",
        "llm.tiers.fast.input_usd_per_mtok: must not be negative, got -1",
        "bots.shop.languages[1]: unknown language code 'xx'",
        "bots.shop.default_language: 'fr' is not one of this bot's languages",
        "bots.shop.daily_budget_usd: must not be negative, got -5",
        "bots.shop.faq[0].a.de: unknown language code 'de'",
        "bots.shop.faq[0].a: missing languages: en",
        "bots.shop.faq[0].q: missing languages: xx",
    ]
    for needle in expected:
        assert any(p.startswith(needle) for p in problems), (needle, problems)


def test_invalid_toml_and_missing_file(write_config: Callable[[str], Path], tmp_path: Path) -> None:
    assert problems_of(write_config("[bots\n"))[0].startswith("invalid TOML")
    assert "file not found" in problems_of(tmp_path / "nope.toml")[0]


def test_config_path_precedence() -> None:
    assert config_path("a.toml", {"SEABOT_CONFIG": "b.toml"}) == Path("a.toml")
    assert config_path(None, {"SEABOT_CONFIG": "b.toml"}) == Path("b.toml")
    assert config_path(None, {}) == Path("config.toml")


def test_relative_storage_path_is_relative_to_the_config_file(write_config: Callable[[str], Path]) -> None:
    path = write_config(MINIMAL.format(db="data/x.db"))
    assert load_config(path, {}).storage.path == path.parent / "data" / "x.db"


def test_unknown_bot_names_the_configured_ones(shipped_config: Path) -> None:
    with pytest.raises(UnknownBotError, match="demo-shop"):
        load_config(shipped_config, {}).bot("nope")


def test_check_catches_what_would_fail_later(write_config) -> None:
    from seabot.bots.config import load_config
    from seabot.bots.errors import ConfigError

    path = write_config(
        """
[server]
public_url = "http://bot.example.com"
hots = "x"
[llm]
api_key = "${SEABOT_KEY"
[bots.shop]
languages = ["en"]
handoff_webhook = "ftp://x"
[bots.shop.routing]
handoff = { zz = ["a"] }
[[bots.shop.faq]]
a.en = "x"
[[bots.shop.faq]]
topic = "ship"
q.en = ["a"]
a.en = "b"
[[bots.shop.faq]]
topic = "ship"
q.en = ["c"]
a.en = "d"
[bots.shop.wechat]
token = "t"
app_id = "a"
"""
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    problems = caught.value.problems
    expected = [
        "llm.api_key: '${' without a matching '}'",
        "server.public_url: must be the https:// address",
        "server.hots: unknown key; did you mean 'host'?",
        "bots.shop.faq[0].topic: is required",
        "bots.shop.faq[0].q: is required",
        "bots.shop.faq[2].topic: 'ship' is already the topic of faq[1]",
        "bots.shop.routing.handoff.zz: unknown language code 'zz'",
        "bots.shop.handoff_webhook: must be an http(s) URL",
        "bots.shop.wechat.app_secret: is required",
    ]
    for start in expected:
        assert any(p.startswith(start) for p in problems), (start, problems)

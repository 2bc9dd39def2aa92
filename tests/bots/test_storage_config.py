"""`[storage] url`: PostgreSQL instead of the SQLite file, from the config or the environment."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from seabot.bots.config import load_config
from seabot.bots.errors import ConfigError

BOT = """
[bots.shop]
display_name = "Shop"
languages = ["en"]
default_language = "en"
"""


def test_without_a_url_the_store_is_the_sqlite_file(write_config: Callable[[str], Path]) -> None:
    config = load_config(write_config('[storage]\npath = "data/x.db"\n' + BOT), {})
    assert config.storage.url == "" and config.storage.path.name == "x.db"


def test_a_postgresql_url_may_come_from_the_environment(write_config: Callable[[str], Path]) -> None:
    path = write_config('[storage]\nurl = "${SEABOT_DATABASE_URL}"\n' + BOT)
    url = "postgresql://seabot:pw@db.internal:5432/seabot"
    assert load_config(path, {"SEABOT_DATABASE_URL": url}).storage.url == url


def test_another_scheme_is_a_problem_that_hides_the_password(write_config: Callable[[str], Path]) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write_config('[storage]\nurl = "mysql://seabot:hunter2@db/seabot"\n' + BOT), {})
    assert caught.value.problems == ["storage.url: must be a postgresql:// URL, got 'mysql://seabot:***@db/seabot'"]

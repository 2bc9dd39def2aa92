"""Shared fixtures: the project's paths and a config file written into a temp folder."""

from __future__ import annotations

import re
import socket
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SHIPPED_CONFIG = ROOT / "config.toml"


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test marked ``shared`` (optionally with the path it reads, default the platform
    payloads) reads ../shared: without it, skip with the reason (fail on CI)."""
    marker = item.get_closest_marker("shared")
    if marker is not None:
        from tests.shared_data import shared_path

        shared_path(*(marker.args or ("fixtures", "platforms")))


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def shipped_config(tmp_path: Path) -> Path:
    """The shipped config.toml with its database moved into the test's temp folder."""
    text = SHIPPED_CONFIG.read_text(encoding="utf-8")
    db = tmp_path / "seabot.db"
    text = re.sub(r'(?m)^path *= *".*"$', f'path = "{db.as_posix()}"', text)
    text += f"\n[console]\nport = {free_port()}\n"  # tests run side by side: not the default 8081
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[[str], Path]:
    def write(text: str, name: str = "config.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def seabot_cmd() -> list[str]:
    """How to run the ``seabot`` command in a subprocess."""
    return [sys.executable, "-m", "seabot.bots.cli"]

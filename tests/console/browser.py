"""Debian's chromium driven by Playwright (``playwright install`` cannot download here).

Without the browser (or the playwright package) the browser tests skip and say why; with
``CI=true`` they fail instead, so CI cannot pass by not running them (``.ci/run`` installs it).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

__all__ = ["CHROMIUM", "ARGS", "launch", "ARTIFACTS"]

CHROMIUM = os.environ.get("SEABOT_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "console"  # git-ignored


def _missing() -> str:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[test]')"
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)) and not shutil.which(CHROMIUM):
        return f"no chromium at {CHROMIUM} (apt-get install -y chromium; .ci/run does it)"
    return ""


def launch() -> Iterator[Any]:
    """A headless chromium, closed at the end; skips (fails on CI) when there is none."""
    missing = _missing()
    if missing:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"browser tests cannot run on CI: {missing}")
        pytest.skip(f"browser tests need a browser: {missing}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()

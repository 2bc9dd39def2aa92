"""Fixtures for the core's tests: a loopback OpenAI-compatible server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from llm_server import FakeLLM, serve_fake_llm


@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    with serve_fake_llm() as fake:
        yield fake


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"

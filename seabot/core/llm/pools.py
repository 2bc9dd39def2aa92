"""One HTTP pool and one ``ChatClient`` per provider, opened together and closed together.

A provider's pool is its own: one that is down or slow holds none of the others'
connections. The pools are opened by a factory the app passes in (the core does not choose
a transport); tests pass plain ``httpx.AsyncClient``s.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx

from seabot.core.llm.client import ChatClient
from seabot.core.llm.settings import LLMSettings, ProviderSpec

__all__ = ["LLMPools"]


class LLMPools:
    def __init__(self, settings: LLMSettings, open_pool: Callable[[ProviderSpec], httpx.AsyncClient]) -> None:
        self._pools: dict[str, httpx.AsyncClient] = {}
        self.clients: dict[str, ChatClient] = {}
        for name in settings.provider_names():
            spec = settings.provider(name)
            pool = self._pools[name] = open_pool(spec)
            self.clients[name] = ChatClient(pool, spec.base_url, spec.api_key, stream=spec.stream, name=name)

    async def aclose(self) -> None:
        await asyncio.gather(*(pool.aclose() for pool in self._pools.values()), return_exceptions=True)

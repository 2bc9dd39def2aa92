"""line-bot-sdk v3's async API client, sending through the bot's shared httpx client.

The SDK's generated API classes build every request (path, headers, auth, JSON body,
typed response, ``ApiException``) and hand it to ``AsyncApiClient.request``; that one
method is the transport seam. The stock implementation opens its own aiohttp session
per client; this one uses the injected ``httpx.AsyncClient`` instead.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx
from linebot.v3.messaging import AsyncApiClient, Configuration
from linebot.v3.messaging.exceptions import ApiException

__all__ = ["HttpxApiClient", "HttpResponse"]


class HttpResponse:
    """The response shape the SDK reads (``status``, ``reason``, ``data``, headers)."""

    def __init__(self, response: httpx.Response) -> None:
        self.status = response.status_code
        self.reason = response.reason_phrase
        self.data: bytes | str = response.content
        self._headers = response.headers

    def getheaders(self) -> Mapping[str, str]:
        return self._headers

    def getheader(self, name: str, default: str | None = None) -> str | None:
        value: str | None = self._headers.get(name, default)  # httpx types a header's value as Any
        return value


class HttpxApiClient(AsyncApiClient):  # type: ignore[misc]  # line-bot-sdk is untyped: its base class is Any
    def __init__(self, configuration: Configuration, client: httpx.AsyncClient) -> None:
        # AsyncApiClient.__init__ would open an aiohttp session; set up the same state without it.
        self.configuration = configuration
        self.pool_threads = 1
        self.rest_client = None
        self.default_headers = {"Authorization": "Bearer " + configuration.access_token}
        self.cookie = None
        self.user_agent = "line-bot-sdk-python/3 (seabot)"
        self.client_side_validation = configuration.client_side_validation
        self._http = client

    async def close(self) -> None:
        return None  # the httpx client belongs to the bot's adapters

    async def request(
        self,
        method: str,
        url: str,
        query_params: Any = None,
        headers: Mapping[str, str] | None = None,
        post_params: Any = None,
        body: Any = None,
        _preload_content: bool = True,
        _request_timeout: float | tuple[float, float] | None = None,
    ) -> HttpResponse:
        headers = dict(headers or {})
        headers.setdefault("Content-Type", "application/json")
        content = None
        if body is not None:
            content = json.dumps(body, ensure_ascii=False).encode("utf-8")
        timeout: Any = httpx.USE_CLIENT_DEFAULT
        if isinstance(_request_timeout, (int, float)):
            timeout = float(_request_timeout)
        response = HttpResponse(
            await self._http.request(method, url, headers=headers, content=content, timeout=timeout)
        )
        if not 200 <= response.status <= 299:
            raise ApiException(http_resp=response)
        return response

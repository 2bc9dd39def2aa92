"""python-telegram-bot's HTTP seam (``BaseRequest.do_request``) over the bot's shared httpx client."""

from __future__ import annotations

from typing import cast

import httpx
from telegram._utils.defaultvalue import DefaultValue  # PTB's marker for 'not given'
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

__all__ = ["SharedClientRequest"]


class SharedClientRequest(BaseRequest):
    """Sends PTB's requests through an injected ``httpx.AsyncClient`` that it does not own
    (one client per bot, closed by whoever created it)."""

    __slots__ = ("_client", "_read_timeout", "_timeout")

    def __init__(self, client: httpx.AsyncClient, *, read_timeout: float = 10.0, connect_timeout: float = 5.0) -> None:
        self._client = client
        self._read_timeout = read_timeout
        self._timeout = httpx.Timeout(
            connect=connect_timeout, read=read_timeout, write=read_timeout, pool=connect_timeout
        )

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None  # the client belongs to the bot's adapters, not to PTB

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        write_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        connect_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        pool_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        timeout = httpx.Timeout(
            connect=self._pick(connect_timeout, self._timeout.connect),
            read=self._pick(read_timeout, self._timeout.read),
            write=self._pick(write_timeout, self._timeout.write),
            pool=self._pick(pool_timeout, self._timeout.pool),
        )
        try:
            response = await self._client.request(
                method,
                url,
                headers={"User-Agent": self.USER_AGENT},
                timeout=timeout,
                files=request_data.multipart_data if request_data else None,
                data=request_data.json_parameters if request_data else None,
            )
        except httpx.TimeoutException as exc:
            raise TimedOut from exc
        except httpx.HTTPError as exc:
            raise NetworkError(f"httpx.{type(exc).__name__}") from exc
        return response.status_code, response.content

    @staticmethod
    def _pick(value: object, default: float | None) -> float | None:
        if isinstance(value, DefaultValue):
            return default
        return cast("float | None", value)  # PTB passes a timeout as a float, None or its DefaultValue

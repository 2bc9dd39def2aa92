"""The two WeChat API calls seabot makes, over the bot's shared httpx client.

wechatpy's ``WeChatClient`` is built on blocking ``requests``; calling it from the
event loop would stall every other conversation, and running it in a thread would
bypass the bot's shared client and its timeouts. So ``/cgi-bin/token`` and
``/cgi-bin/message/custom/send`` are called here directly (they are two small JSON
calls); wechatpy still does all the parsing, signing and encryption.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import SupportsFloat, cast

import httpx

from seabot.adapters.delivery import SendFailure, http_failure

__all__ = ["WechatApi", "WechatApiError", "classify"]

# errcodes that mean "the access token is stale": fetch a new one and try again
_TOKEN_ERRORS = frozenset({40001, 40014, 42001})
# errcodes worth retrying later: system busy, api frequency
_RETRYABLE = frozenset({-1, 45009, 45011})


class WechatApiError(Exception):
    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"errcode {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


def classify(exc: BaseException) -> SendFailure | None:
    if isinstance(exc, WechatApiError):
        return SendFailure("server_error" if exc.errcode in _RETRYABLE else "rejected", exc.errcode in _RETRYABLE,
                           f"errcode {exc.errcode}")  # fmt: skip
    if isinstance(exc, httpx.HTTPStatusError):
        return http_failure(exc.response.status_code)
    if isinstance(exc, httpx.TimeoutException):
        return SendFailure("timeout", True)
    if isinstance(exc, httpx.HTTPError):
        return SendFailure("network", True, type(exc).__name__)
    return None


class WechatApi:
    """Access token (cached until shortly before it expires) and customer-service messages."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        api_base: str,
        app_id: str,
        app_secret: str,
        *,
        clock: Callable[[], float] = time.monotonic,
        refresh_margin_s: float = 300.0,
    ) -> None:
        self._client = client
        self._base = api_base
        self._app_id = app_id
        self._secret = app_secret
        self._clock = clock
        self._margin = refresh_margin_s
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    @property
    def can_send(self) -> bool:
        return bool(self._secret)

    async def _json(self, response: httpx.Response) -> dict[str, object]:
        response.raise_for_status()
        try:
            data = response.json()
        except json.JSONDecodeError as exc:
            raise WechatApiError(-1, "response is not JSON") from exc
        if not isinstance(data, dict):
            raise WechatApiError(-1, "response is not a JSON object")
        errcode = int(data.get("errcode", 0) or 0)
        if errcode != 0:
            raise WechatApiError(errcode, str(data.get("errmsg", "")))
        return data

    async def access_token(self, *, force: bool = False) -> str:
        async with self._lock:
            stale = self._token is None or self._clock() >= self._expires_at
            if force or stale:
                response = await self._client.get(
                    f"{self._base}/cgi-bin/token",
                    params={"grant_type": "client_credential", "appid": self._app_id, "secret": self._secret},
                )
                data = await self._json(response)
                token = data.get("access_token")
                if not isinstance(token, str) or not token:
                    raise WechatApiError(-1, "no access_token in the answer")
                expires_in = float(cast("SupportsFloat | str", data.get("expires_in", 7200) or 7200))  # JSON: number
                self._token = token
                self._expires_at = self._clock() + max(expires_in - self._margin, expires_in / 2)
            assert self._token is not None
            return self._token

    async def send_text(self, openid: str, text: str) -> None:
        """POST message/custom/send; a stale token is refreshed once and the send repeated."""
        body = json.dumps({"touser": openid, "msgtype": "text", "text": {"content": text}}, ensure_ascii=False).encode(
            "utf-8"
        )  # WeChat shows \\u escapes literally, so send real UTF-8
        for attempt in range(2):
            token = await self.access_token(force=attempt > 0)
            response = await self._client.post(
                f"{self._base}/cgi-bin/message/custom/send",
                params={"access_token": token},
                content=body,
                headers={"Content-Type": "application/json; charset=utf-8"},
            )
            try:
                await self._json(response)
                return
            except WechatApiError as exc:
                if exc.errcode in _TOKEN_ERRORS and attempt == 0:
                    continue
                raise

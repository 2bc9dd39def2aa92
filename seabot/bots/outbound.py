"""The process's outbound HTTP: ``httpx.AsyncClient`` on an aiohttp connection pool.

Every outbound call (LLM API, LINE / Telegram / WeChat APIs, handoff webhooks) goes through
an ``httpx.AsyncClient``, so callers keep one API, one exception family and httpx's request
building, redirects, cookies and content decoding. Only the wire work is aiohttp's: one
loopback JSON POST costs about 685 µs of CPU through httpcore + anyio, 400 µs through this
transport, 225 µs with aiohttp alone (``python -m bench.outbound``). aiohttp is installed with
line-bot-sdk anyway: its own async client is built on it.

aiohttp is kept out of httpx's business: it follows no redirects, keeps no cookies and does
not decompress (httpx does all three per the client's settings), and its errors are raised as
the matching ``httpx`` exceptions, so ``except httpx.TimeoutException`` keeps working.
"""

from __future__ import annotations

import contextlib
import ssl
import urllib.request
from collections.abc import Iterator

import aiohttp
import httpx

__all__ = ["AiohttpTransport", "open_client"]


class AiohttpTransport(httpx.AsyncBaseTransport):
    """An httpx transport that sends through one pooled ``aiohttp.ClientSession``.

    The session is opened on first use, inside the running event loop (aiohttp binds it to
    the loop), and closed by ``aclose`` — which ``httpx.AsyncClient.aclose`` calls.
    """

    def __init__(self, *, max_connections: int = 100, keepalive_s: float = 15.0, verify: bool = True) -> None:
        self._max_connections = max_connections
        self._keepalive_s = keepalive_s
        self._ssl: ssl.SSLContext | bool = httpx.create_ssl_context() if verify else False
        self._session: aiohttp.ClientSession | None = None
        # HTTP(S)_PROXY / NO_PROXY, read once (aiohttp's trust_env re-reads them and ~/.netrc per request)
        self._proxies = urllib.request.getproxies_environment()
        self._proxy_by_host: dict[tuple[str, str], str | None] = {}

    def _open_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=self._max_connections, keepalive_timeout=self._keepalive_s, ssl=self._ssl
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                cookie_jar=aiohttp.DummyCookieJar(),
                auto_decompress=False,
                trust_env=False,
                skip_auto_headers=("User-Agent", "Accept-Encoding"),
            )
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        session = self._open_session()
        body = await request.aread()
        with _as_httpx_errors(request):
            async with session.request(
                request.method,
                str(request.url),
                headers=request.headers.multi_items(),
                data=body or None,
                allow_redirects=False,
                timeout=_timeout(request),
                proxy=self._proxy_for(request.url),
            ) as response:
                content = await response.read()
                return httpx.Response(
                    response.status,
                    headers=list(response.raw_headers),
                    content=content,
                    extensions={"http_version": b"HTTP/1.1", "reason_phrase": (response.reason or "").encode()},
                )

    def _proxy_for(self, url: httpx.URL) -> str | None:
        key = (url.scheme, url.host)
        if key not in self._proxy_by_host:
            proxy = self._proxies.get(url.scheme)
            bypass = proxy is not None and urllib.request.proxy_bypass_environment(url.host, self._proxies)  # type: ignore[attr-defined]  # stdlib, not in typeshed
            self._proxy_by_host[key] = None if bypass else proxy
        return self._proxy_by_host[key]

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def open_client(
    *,
    timeout: httpx.Timeout,
    max_connections: int = 100,
    headers: dict[str, str] | None = None,
) -> httpx.AsyncClient:
    """A pooled ``httpx.AsyncClient`` on the aiohttp transport; close it with ``aclose``."""
    return httpx.AsyncClient(
        transport=AiohttpTransport(max_connections=max_connections),
        timeout=timeout,
        headers=headers,
        follow_redirects=False,
    )


def _timeout(request: httpx.Request) -> aiohttp.ClientTimeout:
    """httpx's per-request timeouts in aiohttp's terms: pool + connect bound getting a connection,
    read bounds each wait for response bytes; aiohttp has no write timeout (our bodies are small)."""
    limits = request.extensions.get("timeout", {})
    connect, pool = limits.get("connect"), limits.get("pool")
    return aiohttp.ClientTimeout(
        total=None,
        connect=None if connect is None and pool is None else (connect or 0.0) + (pool or 0.0),
        sock_connect=connect,
        sock_read=limits.get("read"),
    )


@contextlib.contextmanager
def _as_httpx_errors(request: httpx.Request) -> Iterator[None]:
    """Raise aiohttp's failures as the httpx exceptions callers already handle."""
    try:
        yield
    except aiohttp.ConnectionTimeoutError as exc:
        raise httpx.ConnectTimeout(str(exc) or "connect timed out", request=request) from exc
    except (TimeoutError, aiohttp.SocketTimeoutError, aiohttp.ServerTimeoutError) as exc:
        raise httpx.ReadTimeout(str(exc) or "read timed out", request=request) from exc
    except aiohttp.ClientConnectorError as exc:
        raise httpx.ConnectError(str(exc), request=request) from exc
    except (aiohttp.InvalidURL, aiohttp.NonHttpUrlClientError) as exc:
        raise httpx.UnsupportedProtocol(str(exc), request=request) from exc
    except (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError, aiohttp.ClientResponseError) as exc:
        raise httpx.RemoteProtocolError(str(exc) or type(exc).__name__, request=request) from exc
    except (aiohttp.ClientError, OSError) as exc:
        raise httpx.ReadError(str(exc) or type(exc).__name__, request=request) from exc

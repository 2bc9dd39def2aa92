"""The outbound httpx client on the aiohttp transport, against a real loopback server."""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
from collections.abc import AsyncIterator

import httpx
import pytest
from aiohttp import web

from seabot.bots.outbound import open_client

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # aiohttp runs on asyncio only


async def _echo(request: web.Request) -> web.Response:
    body = await request.read()
    return web.json_response(
        {
            "method": request.method,
            "path": request.path_qs,
            "headers": {k.lower(): v for k, v in request.headers.items()},
            "body": body.decode(),
        }
    )


async def _gzipped(_request: web.Request) -> web.Response:
    payload = gzip.compress(json.dumps({"text": "สวัสดีค่ะ"}).encode())
    return web.Response(body=payload, headers={"Content-Encoding": "gzip", "Content-Type": "application/json"})


async def _redirect(_request: web.Request) -> web.Response:
    raise web.HTTPFound("/echo")


async def _cookie(_request: web.Request) -> web.Response:
    response = web.Response(text="ok")
    response.set_cookie("session", "abc")
    return response


async def _slow(_request: web.Request) -> web.Response:
    await asyncio.sleep(2)
    return web.Response(text="late")


async def _status(request: web.Request) -> web.Response:
    return web.Response(status=int(request.match_info["code"]), text="nope", headers={"Retry-After": "3"})


@pytest.fixture
async def server() -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_route("*", "/echo", _echo)
    app.router.add_get("/gzip", _gzipped)
    app.router.add_get("/redirect", _redirect)
    app.router.add_get("/cookie", _cookie)
    app.router.add_get("/slow", _slow)
    app.router.add_get("/status/{code}", _status)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]  # started just above
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def test_sends_method_headers_query_and_json_body(server: str) -> None:
    async with open_client(timeout=httpx.Timeout(5.0), headers={"User-Agent": "seabot"}) as client:
        response = await client.post(
            f"{server}/echo", params={"q": "ไทย"}, json={"text": "Apa khabar?"}, headers={"Authorization": "Bearer k"}
        )
    assert response.status_code == 200
    seen = response.json()
    assert seen["method"] == "POST"
    assert seen["path"] == "/echo?q=%E0%B9%84%E0%B8%97%E0%B8%A2"
    assert json.loads(seen["body"]) == {"text": "Apa khabar?"}
    assert seen["headers"]["authorization"] == "Bearer k"
    assert seen["headers"]["user-agent"] == "seabot"  # ours, not aiohttp's
    assert seen["headers"]["content-type"] == "application/json"


async def test_forty_concurrent_requests_share_a_pool_of_four(server: str) -> None:
    async with open_client(timeout=httpx.Timeout(5.0), max_connections=4) as client:
        responses = await asyncio.gather(*(client.get(f"{server}/echo") for _ in range(40)))
    assert [r.status_code for r in responses] == [200] * 40


async def test_httpx_decodes_compressed_bodies_once(server: str) -> None:
    async with open_client(timeout=httpx.Timeout(5.0)) as client:
        response = await client.get(f"{server}/gzip")
    assert response.json() == {"text": "สวัสดีค่ะ"}


async def test_redirects_and_cookies_are_left_to_httpx(server: str) -> None:
    async with open_client(timeout=httpx.Timeout(5.0)) as client:
        redirect = await client.get(f"{server}/redirect")
        assert redirect.status_code == 302  # the client does not follow redirects
        followed = await client.get(f"{server}/redirect", follow_redirects=True)
        assert followed.json()["path"] == "/echo"
        await client.get(f"{server}/cookie")
        assert client.cookies.get("session") == "abc"  # httpx's jar, not aiohttp's


async def test_error_statuses_come_back_as_responses(server: str) -> None:
    async with open_client(timeout=httpx.Timeout(5.0)) as client:
        response = await client.get(f"{server}/status/429")
    assert response.status_code == 429
    assert response.headers["retry-after"] == "3"
    assert response.text == "nope"


async def test_a_slow_server_raises_httpx_read_timeout(server: str) -> None:
    async with open_client(timeout=httpx.Timeout(0.2)) as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.get(f"{server}/slow")
        assert (await client.get(f"{server}/echo")).status_code == 200  # the pool survives it


async def test_a_closed_port_raises_httpx_connect_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound, never listening: connections are refused
        async with open_client(timeout=httpx.Timeout(2.0)) as client:
            with pytest.raises(httpx.ConnectError):
                await client.get(f"http://127.0.0.1:{port}/")


async def test_a_server_that_hangs_up_raises_an_httpx_transport_error() -> None:
    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readline()
        writer.close()

    listener = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    try:
        async with open_client(timeout=httpx.Timeout(2.0)) as client:
            with pytest.raises(httpx.TransportError):
                await client.get(f"http://127.0.0.1:{port}/")
    finally:
        listener.close()
        await listener.wait_closed()


async def test_closing_the_client_closes_the_aiohttp_session(server: str) -> None:
    client = open_client(timeout=httpx.Timeout(5.0))
    await client.get(f"{server}/echo")
    transport = client._transport
    session = transport._session  # type: ignore[attr-defined]  # the private session is what is checked
    assert session is not None and not session.closed
    await client.aclose()
    assert session.closed
    with pytest.raises(RuntimeError):
        await client.get(f"{server}/echo")  # httpx refuses a closed client


async def test_requests_go_through_the_proxy_named_in_the_environment(
    server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []

    async def proxy(request: web.Request) -> web.Response:  # a forward proxy gets the absolute URL
        seen.append(str(request.url))
        return web.Response(text="via proxy")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", proxy)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]  # started just above
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("NO_PROXY", "bypassed.invalid")
    try:
        async with open_client(timeout=httpx.Timeout(5.0)) as client:
            via = await client.get("http://shop.example/orders?id=7")
            assert via.text == "via proxy" and seen == ["http://shop.example/orders?id=7"]
            with pytest.raises(httpx.ConnectError):  # NO_PROXY: straight to a host that does not resolve
                await client.get("http://bypassed.invalid/")
    finally:
        await runner.cleanup()

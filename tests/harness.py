"""Loopback servers the tests talk to instead of the real platforms.

``PlatformStandIn`` plays the Telegram Bot API, the LINE Messaging API and the WeChat
API on one loopback port and records every request; tests queue failures (status codes),
delays or closed gates per path. ``ThreadServer`` serves any ASGI app with uvicorn on
127.0.0.1:<ephemeral> in a background thread.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import fromstring

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

__all__ = ["WAIT_S", "Recorded", "ThreadServer", "PlatformStandIn", "platform_app"]

WAIT_S = 30.0


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    @property
    def form_or_json(self) -> dict[str, Any]:
        if self.headers.get("content-type", "").startswith("application/json"):
            return dict(self.json or {})
        return dict(httpx.QueryParams(self.body.decode()))


class ThreadServer:
    """An ASGI app served by uvicorn on 127.0.0.1:<ephemeral> in its own thread and loop."""

    def __init__(self, app: Any, *, on_shutdown: Callable[[], Awaitable[None]] | None = None) -> None:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        self._sock = sock
        self.server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False, lifespan="on"))
        self._on_shutdown = on_shutdown
        self._thread = threading.Thread(target=lambda: asyncio.run(self._serve()), daemon=True)

    async def _serve(self) -> None:
        """Serve; then, in the same loop, what ``seabot serve`` runs on shutdown (pools bound to it)."""
        try:
            await self.server.serve(sockets=[self._sock])
        finally:
            if self._on_shutdown is not None:
                await self._on_shutdown()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + WAIT_S
        while not self.server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("loopback server did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(WAIT_S)
        self._sock.close()


@dataclass
class PlatformStandIn:
    requests: list[Recorded] = field(default_factory=list)
    failures: dict[str, list[int]] = field(default_factory=dict)  # path regex -> statuses to answer first
    delays: dict[str, float] = field(default_factory=dict)  # path regex -> seconds before answering
    gates: dict[str, threading.Event] = field(default_factory=dict)  # path regex -> answer once set
    updates: list[dict[str, Any]] = field(default_factory=list)  # Telegram getUpdates queue
    used_reply_tokens: set[str] = field(default_factory=set)  # LINE: a reply token works once
    odd_bodies: dict[str, bytes] = field(default_factory=dict)  # path regex -> 200 with this body instead
    bot_username: str = "SeabotTestBot"
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    # -- what tests look at -------------------------------------------------------------------

    def calls(self, pattern: str) -> list[Recorded]:
        with self.lock:
            return [r for r in self.requests if re.search(pattern, r.path)]

    def wait_for(self, pattern: str, count: int = 1, timeout: float = WAIT_S) -> list[Recorded]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.calls(pattern)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(f"expected {count} call(s) to {pattern!r}, got {[r.path for r in self.requests]}")

    def fail(self, pattern: str, *statuses: int) -> None:
        self.failures.setdefault(pattern, []).extend(statuses)

    def hold(self, pattern: str) -> threading.Event:
        """Keep requests to ``pattern`` waiting (after recording them) until the event is set."""
        return self.gates.setdefault(pattern, threading.Event())

    # -- the ASGI side ---------------------------------------------------------------------------

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        path = request.url.path
        with self.lock:
            self.requests.append(Recorded(request.method, path, dict(request.query_params),
                                          {k.lower(): v for k, v in request.headers.items()}, body))  # fmt: skip
            delay = next((s for p, s in self.delays.items() if re.search(p, path)), 0.0)
            gate = next((g for p, g in self.gates.items() if re.search(p, path)), None)
            status = None
            for pattern, queue in self.failures.items():
                if re.search(pattern, path) and queue:
                    status = queue.pop(0)
                    break
        if delay:
            await asyncio.sleep(delay)
        if gate is not None:
            while not gate.is_set():  # polled, so a stopping server is never stuck in a thread
                await asyncio.sleep(0.01)
        if status is not None:
            return self._failure(path, status)
        odd = next((b for p, b in self.odd_bodies.items() if re.search(p, path)), None)
        if odd is not None:
            return Response(odd, status_code=200, media_type="application/json")
        return self._success(path, body, request)

    def _failure(self, path: str, status: int) -> Response:
        if path.startswith("/bot"):
            payload: dict[str, Any] = {"ok": False, "error_code": status, "description": f"stand-in {status}"}
            if status == 429:
                payload["parameters"] = {"retry_after": 1}
            return JSONResponse(payload, status_code=status)
        if path.startswith("/v2/bot"):
            return JSONResponse({"message": "Invalid reply token" if status == 400 else f"stand-in {status}"},
                                status_code=status)  # fmt: skip
        if status < 100:  # WeChat answers errors with HTTP 200 and an errcode
            return JSONResponse({"errcode": {1: 40001, 2: -1, 3: 45015}[status], "errmsg": "stand-in"})
        return JSONResponse({"errcode": -1, "errmsg": "stand-in"}, status_code=status)

    def _success(self, path: str, body: bytes, request: Request) -> Response:
        match = re.match(r"^/bot[^/]+/(\w+)$", path)
        if match:
            return JSONResponse({"ok": True, "result": self._telegram(match.group(1), body, request)})
        if path == "/v2/bot/message/reply":
            token = json.loads(body).get("replyToken", "")
            with self.lock:
                used = token in self.used_reply_tokens
                self.used_reply_tokens.add(token)
            if used:
                return self._failure(path, 400)  # LINE: "Invalid reply token"
        if path in ("/v2/bot/message/reply", "/v2/bot/message/push"):
            return JSONResponse({"sentMessages": [{"id": "1", "quoteToken": "q"}]})
        if path == "/cgi-bin/token":
            return JSONResponse({"access_token": "ACCESS_TOKEN_1", "expires_in": 7200})
        if path == "/cgi-bin/message/custom/send":
            return JSONResponse({"errcode": 0, "errmsg": "ok"})
        return JSONResponse({"error": "no such stand-in endpoint"}, status_code=404)

    def _telegram(self, method: str, body: bytes, request: Request) -> Any:
        params = json.loads(body) if body and request.headers.get("content-type", "").startswith("application/json") \
            else dict(httpx.QueryParams(body.decode() if body else ""))  # fmt: skip
        if method == "getMe":
            return {"id": 777000111, "is_bot": True, "first_name": "Seabot", "username": self.bot_username}
        if method == "sendMessage":
            chat_id = int(params["chat_id"])
            return {"message_id": len(self.requests), "date": int(time.time()), "text": params["text"],
                    "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"}}  # fmt: skip
        if method == "getUpdates":
            offset = int(params.get("offset") or 0)
            with self.lock:
                return [u for u in self.updates if u["update_id"] >= offset]
        return True  # sendChatAction, setWebhook, deleteWebhook


def passive_text(body: bytes) -> str:
    """The text of a WeChat passive reply (the XML a webhook answers with)."""
    root = fromstring(body)
    assert root.findtext("MsgType") == "text"
    return root.findtext("Content") or ""


def platform_app(standin: PlatformStandIn) -> Starlette:
    return Starlette(routes=[Route("/{path:path}", standin.handle, methods=["GET", "POST"])])

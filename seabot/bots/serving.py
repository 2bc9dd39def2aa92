"""Running an ASGI app under uvicorn the way ``seabot serve`` does (also used by the benchmarks)."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import functools
import gc
import logging
import socket
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["run_server", "Listener", "freeze_startup_objects", "KEEP_ALIVE_S", "BACKLOG"]

log = logging.getLogger("seabot.serving")

# An idle keep-alive connection is kept this long. A server that closes a connection the
# client's pool still counts as idle-but-usable races the client's next request on it, and
# that request is lost with no response (LINE does not redeliver by default): uvicorn's
# default of 5 s is exactly httpx's pool expiry. 120 s outlasts the pools of common clients
# and proxies (httpx 5 s, aiohttp 15 s, Go 90 s, nginx upstreams and load balancers 60 s).
KEEP_ALIVE_S = 120
BACKLOG = 2048  # connections the kernel queues before they are accepted
_ACCEPT_BATCH = 256  # connections accepted in one event-loop turn


@dataclass(frozen=True, slots=True)
class Listener:
    """Another app served beside the main one (the console), on its own address."""

    app: Any
    host: str
    port: int


def run_server(
    app: Any,
    *,
    host: str,
    port: int,
    on_shutdown: Callable[[], Awaitable[None]] | None = None,
    beside: Sequence[Listener] = (),
    keep_alive_s: int = KEEP_ALIVE_S,
) -> None:
    """Serve until SIGINT/SIGTERM. uvicorn picks httptools when installed; the event loop is
    uvloop's when installed (both are dependencies, both fall back to the standard library).
    The ``beside`` listeners run in the same loop and stop with the main one."""
    import uvicorn

    class _Quiet(uvicorn.Server):
        """A listener beside the main one: the main server alone takes the signals."""

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            yield

    def config(served: Any, at_host: str, at_port: int) -> uvicorn.Config:
        return uvicorn.Config(
            served, host=at_host, port=at_port, log_config=None, access_log=False, lifespan="on",
            timeout_keep_alive=keep_alive_s, backlog=BACKLOG,
        )  # fmt: skip

    server = uvicorn.Server(config(app, host, port))
    others: list[tuple[uvicorn.Server, socket.socket]] = []
    for each in beside:
        try:
            bound = _bind(each.host, each.port)
        except OSError as exc:  # the webhooks matter more: serve them, say what is missing
            log.error(
                "listener %s:%s cannot start (%s); the webhooks are served without it",
                each.host, each.port, exc.strerror or exc,
            )  # fmt: skip
            continue
        others.append((_Quiet(config(each.app, each.host, each.port)), bound))

    async def serve() -> None:
        tasks = [asyncio.ensure_future(other.serve(sockets=[bound])) for other, bound in others]
        try:
            await server.serve()
        finally:
            for other, _ in others:
                other.should_exit = True
            await asyncio.gather(*tasks, return_exceptions=True)
            if on_shutdown is not None:
                await on_shutdown()

    freeze_startup_objects()
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        runner.run(serve())


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def freeze_startup_objects() -> None:
    """Move everything built so far (language model, lexicons, FAQ indexes, SDK classes) out of
    the garbage collector's reach. It lives as long as the process; left in, every full
    collection walks it all — about 190 000 objects, ~95 ms during which no webhook is served
    (``bench/README.md``) — while after ``gc.freeze`` a full collection takes microseconds."""
    gc.collect()
    gc.freeze()


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop, accepting connections in batches (see ``_BatchAcceptServer``)."""
    try:
        import uvloop
    except ImportError:
        return None

    class _Loop(uvloop.Loop):
        async def create_server(  # type: ignore[override]  # one signature for the overloads; uvicorn calls it one way
            self,
            protocol_factory: Callable[[], asyncio.Protocol],
            host: Any = None,
            port: Any = None,
            *,
            sock: socket.socket | None = None,
            ssl: Any = None,
            backlog: int = 100,
            **more: Any,
        ) -> asyncio.AbstractServer:
            plain = ssl is None and not more
            if plain and sock is None and isinstance(host, str) and host and isinstance(port, int):
                sock = _bind(host, port)  # an OSError is uvicorn's to report, as before
            if not plain or sock is None or sock.family not in (socket.AF_INET, socket.AF_INET6):
                return await super().create_server(
                    protocol_factory, host, port, sock=sock, ssl=ssl, backlog=backlog, **more
                )
            return _BatchAcceptServer(self, protocol_factory, sock, backlog)

    return _Loop


class _BatchAcceptServer(asyncio.AbstractServer):
    """A TCP listener that accepts every waiting connection each time the socket is readable.

    libuv, under uvloop, accepts one connection per event-loop turn (libuv PR #3696). While the
    inbox worker is answering, a turn takes tens of milliseconds, so 50 connections a platform
    opens at once waited up to 2 s to be accepted — their webhooks unanswered, though nothing
    was wrong with them (``bench/burst.py``). The standard library's loop accepts in batches;
    this does the same on uvloop, and hands each connection to the loop as accepted."""

    def __init__(self, loop: asyncio.AbstractEventLoop, factory: Callable[[], asyncio.Protocol],
                 sock: socket.socket, backlog: int) -> None:  # fmt: skip
        self._loop = loop
        self._factory = factory
        self._sock = sock
        self._pending: set[asyncio.Task[Any]] = set()
        self._serving = True
        sock.setblocking(False)
        sock.listen(backlog)
        loop.add_reader(sock.fileno(), self._accept)

    def _accept(self) -> None:
        for _ in range(_ACCEPT_BATCH):
            try:
                conn, _ = self._sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                if exc.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    # out of descriptors: stop listening for a moment (as the standard loop does)
                    log.error("cannot accept connections (%s); retrying in 1 s", exc.strerror or exc)
                    self._loop.remove_reader(self._sock.fileno())
                    self._loop.call_later(1.0, self._resume)
                return  # ECONNABORTED and the like: that client has gone already
            conn.setblocking(False)
            if conn.family in (socket.AF_INET, socket.AF_INET6):
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            task = self._loop.create_task(self._loop.connect_accepted_socket(self._factory, conn))
            self._pending.add(task)
            task.add_done_callback(functools.partial(self._connected, conn=conn))

    def _connected(self, task: asyncio.Task[Any], *, conn: socket.socket) -> None:
        self._pending.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("accepted connection could not be set up: %s", task.exception())
            conn.close()

    def _resume(self) -> None:
        if self._serving:
            self._loop.add_reader(self._sock.fileno(), self._accept)

    @property
    def sockets(self) -> tuple[socket.socket, ...]:
        return (self._sock,) if self._serving else ()

    def close(self) -> None:
        if self._serving:
            self._serving = False
            self._loop.remove_reader(self._sock.fileno())
            self._sock.close()

    def is_serving(self) -> bool:
        return self._serving

    def get_loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    async def start_serving(self) -> None:
        return None

    async def serve_forever(self) -> None:
        await asyncio.Event().wait()  # uvicorn never calls it; the reader serves from the start

    async def wait_closed(self) -> None:
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)

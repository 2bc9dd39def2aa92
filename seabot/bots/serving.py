"""Running an ASGI app under uvicorn the way ``seabot serve`` does (also used by the benchmarks)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import socket
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["run_server", "Listener", "freeze_startup_objects"]

log = logging.getLogger("seabot.serving")


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
        return uvicorn.Config(served, host=at_host, port=at_port, log_config=None, access_log=False, lifespan="on")

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
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop  # type: ignore[no-any-return]

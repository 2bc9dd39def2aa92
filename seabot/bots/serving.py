"""Running an ASGI app under uvicorn the way ``seabot serve`` does (also used by the benchmarks)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

__all__ = ["run_server"]


def run_server(
    app: Any, *, host: str, port: int, on_shutdown: Callable[[], Awaitable[None]] | None = None
) -> None:
    """Serve until SIGINT/SIGTERM. uvicorn picks httptools when installed; the event loop is
    uvloop's when installed (both are dependencies, both fall back to the standard library)."""
    import uvicorn

    server = uvicorn.Server(
        uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False, lifespan="on")
    )

    async def serve() -> None:
        try:
            await server.serve()
        finally:
            if on_shutdown is not None:
                await on_shutdown()

    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        runner.run(serve())


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop  # type: ignore[no-any-return]

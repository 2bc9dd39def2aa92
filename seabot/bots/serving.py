"""Running an ASGI app under uvicorn the way ``seabot serve`` does (also used by the benchmarks)."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Awaitable, Callable
from typing import Any

__all__ = ["run_server", "freeze_startup_objects"]


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

    freeze_startup_objects()
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        runner.run(serve())


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

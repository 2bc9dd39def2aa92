"""The console listener's app: the merchant's web console (login, inbox, conversations) and
``/metrics`` and ``/healthz`` for monitoring, on the loopback address by default.

Pages are rendered on the server (``Jinja2Templates``, escaping on); HTMX polls fragments of
them so new messages appear without a reload. The console talks to the store and hands agents'
replies to the channel adapters through the durable outbox; it never calls a platform itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from seabot.adapters.base import ChannelAdapter
from seabot.bots.runtime import Runtime
from seabot.bots.server import metrics_response
from seabot.console.headers import SecurityHeaders
from seabot.console.outbox import OutboxPolicy, OutboxWorker
from seabot.console.views import ConsoleViews
from seabot.storage.console_sqlite import SqliteConsoleStore

__all__ = ["create_console_app", "ConsoleOptions"]

_HERE = Path(__file__).parent
log = logging.getLogger("seabot.console")


@dataclass(frozen=True, slots=True)
class ConsoleOptions:
    idle_s: float = 2 * 3600.0  # a session unused this long has ended
    lock_after: int = 5  # failed logins in a row that lock the account …
    lock_s: float = 15 * 60.0  # … for this long
    max_reply_chars: int = 5000
    poll_s: float = 2.0  # how often the open pages ask for what is new
    outbox: OutboxPolicy = field(default_factory=OutboxPolicy)


def create_console_app(
    runtime: Runtime,
    adapters: Mapping[tuple[str, str], ChannelAdapter] | None = None,
    options: ConsoleOptions = ConsoleOptions(),
) -> Starlette:
    adapters = adapters or {}
    views = ConsoleViews(runtime, adapters, options)

    async def metrics(_: Request) -> Response:
        return await metrics_response(runtime)

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok", "bots": sorted(runtime.config.bots)})

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        if runtime.config.storage.url:  # the console's tables are SQLite's only, so far
            views.unavailable = "The console needs the SQLite store for now: [storage] url (PostgreSQL) is set."
            log.error("the console needs the SQLite store for now; [storage] url is set, so its pages answer 503")
            yield
            return
        store = await SqliteConsoleStore.open(runtime.config.storage.path)
        worker = OutboxWorker(store, lambda bot_id, channel: adapters.get((bot_id, channel)), options.outbox)
        views.attach(store, worker)
        task = asyncio.create_task(worker.run(), name="console-outbox")
        try:
            yield
        finally:
            worker.stop()
            try:
                await asyncio.wait_for(task, 10.0)
            except (TimeoutError, asyncio.CancelledError):
                task.cancel()  # an item mid-send keeps its lease and is tried again after a restart
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await views.detach()
            await store.close()

    async def not_found(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 404
        return views.error_page(request, status, "There is no such page." if status == 404 else "Not allowed.")

    app = Starlette(
        routes=[
            Route("/metrics", metrics, methods=["GET"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/login", views.login_form, methods=["GET"]),
            Route("/login", views.login, methods=["POST"]),
            Route("/logout", views.logout, methods=["POST"]),
            Route("/", views.inbox, methods=["GET"]),
            Route("/users", views.users, methods=["GET"]),
            Route("/users/{account_id:int}/remove", views.remove_user, methods=["POST"]),
            Route("/canned", views.canned, methods=["GET"]),
            Route("/canned", views.add_canned, methods=["POST"]),
            Route("/canned/{canned_id:int}/delete", views.delete_canned, methods=["POST"]),
            Route("/stats", views.stats, methods=["GET"]),
            Route("/stats.csv", views.stats_csv, methods=["GET"]),
            Route("/c/{conversation_id:int}", views.conversation, methods=["GET"]),
            Route("/c/{conversation_id:int}/take", views.take_over, methods=["POST"]),
            Route("/c/{conversation_id:int}/reply", views.reply, methods=["POST"]),
            Route("/c/{conversation_id:int}/release", views.release, methods=["POST"]),
            Route("/c/{conversation_id:int}/note", views.note, methods=["POST"]),
            Route("/c/{conversation_id:int}/resolve", views.resolve, methods=["POST"]),
            Mount("/static", StaticFiles(directory=_HERE / "static"), name="static"),
        ],
        exception_handlers={404: not_found, 405: not_found},
        lifespan=lifespan,
    )
    app.add_middleware(SecurityHeaders)
    return app

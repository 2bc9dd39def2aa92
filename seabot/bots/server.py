"""The webhook server: verify, parse, hand to the inbox, answer the platform at once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from seabot.adapters.base import BadRequestError, ChannelAdapter, SignatureError, WebhookRequest
from seabot.bots.runtime import Runtime
from seabot.core.errors import StorageError
from seabot.core.inbox import InboxWorker

__all__ = ["create_app", "Adapters"]

log = logging.getLogger("seabot.server")
Adapters = Mapping[tuple[str, str], ChannelAdapter]  # (bot_id, channel) -> adapter


class _BodyTooLarge(Exception):
    pass


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _BodyTooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def create_app(runtime: Runtime, adapters: Adapters) -> Starlette:
    server = runtime.config.server
    worker = InboxWorker(
        runtime.store,
        runtime.pipelines,
        lambda bot_id, channel: adapters.get((bot_id, channel)),
        runtime.metrics,
        concurrency=server.concurrency,
    )

    async def webhook(request: Request) -> Response:
        bot_id, channel = request.path_params["bot_id"], request.path_params["channel"]
        adapter = adapters.get((bot_id, channel))
        if adapter is None:
            known = bot_id in runtime.config.bots
            detail = f"bot {bot_id!r} has no {channel} channel configured" if known else f"unknown bot {bot_id!r}"
            return PlainTextResponse(detail, status_code=404)
        try:
            body = await _read_body(request, server.max_body_bytes)
        except _BodyTooLarge:
            runtime.metrics.inc("seabot_inbound_total", channel=channel, outcome="too_large")
            return PlainTextResponse("request body too large", status_code=413)
        if request.method == "POST" and worker.depth() >= server.max_backlog:
            runtime.metrics.inc("seabot_inbound_total", channel=channel, outcome="backpressure")
            return PlainTextResponse("busy, retry later", status_code=503, headers={"Retry-After": "5"})
        hook = WebhookRequest(
            method=request.method,
            query=dict(request.query_params),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=body,
        )
        try:
            result = await adapter.handle_webhook(hook, worker)
        except SignatureError as exc:
            runtime.metrics.inc("seabot_inbound_total", channel=channel, outcome="bad_signature")
            log.warning("rejected webhook: %s", exc, extra={"bot": bot_id, "channel": channel})
            return PlainTextResponse("invalid signature", status_code=401)
        except BadRequestError as exc:
            runtime.metrics.inc("seabot_inbound_total", channel=channel, outcome="bad_request")
            log.warning("malformed webhook: %s", exc, extra={"bot": bot_id, "channel": channel})
            return PlainTextResponse(f"bad request: {exc}", status_code=400)
        except StorageError as exc:  # not accepted: the platform keeps the message and redelivers it
            runtime.metrics.inc("seabot_inbound_total", channel=channel, outcome="store_error")
            log.error("webhook not accepted, the store failed: %s", exc, extra={"bot": bot_id, "channel": channel})
            return PlainTextResponse("cannot store the message now, retry later", status_code=503,
                                     headers={"Retry-After": "5"})  # fmt: skip
        background = BackgroundTask(result.background) if result.background is not None else None
        return Response(
            result.body,
            status_code=result.status,
            media_type=result.content_type,
            headers=dict(result.headers),
            background=background,
        )

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok", "bots": sorted(runtime.config.bots)})

    async def metrics(_: Request) -> Response:
        text = await asyncio.to_thread(runtime.metrics.render)
        return PlainTextResponse(text, media_type="text/plain; version=0.0.4; charset=utf-8")

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(worker.run(), name="inbox-worker")
        try:
            yield
        finally:
            await worker.stop()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            for adapter in adapters.values():
                await adapter.aclose()
            log.info("stopped: in-flight answers finished, open inbox items kept for the next start")

    app = Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
            Route("/webhooks/{bot_id}/{channel}", webhook, methods=["GET", "POST"]),
        ],
        lifespan=lifespan,
    )
    app.state.worker = worker
    return app

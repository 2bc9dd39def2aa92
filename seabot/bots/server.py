"""The webhook server: verify, parse, hand to the inbox, answer the platform at once."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections.abc import AsyncIterator, Mapping

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from seabot.adapters.base import BadRequestError, ChannelAdapter, SignatureError, WebhookRequest
from seabot.bots.runtime import Runtime
from seabot.bots.terminal import shown
from seabot.core.errors import StorageError
from seabot.core.inbox import InboxWorker

__all__ = ["create_app", "metrics_response", "Adapters"]

log = logging.getLogger("seabot.server")
Adapters = Mapping[tuple[str, str], ChannelAdapter]  # (bot_id, channel) -> adapter


class _BodyTooLarge(Exception):
    pass


async def _read_body(request: Request, limit: int, timeout_s: float) -> bytes:
    """The whole body, at most ``limit`` bytes, arriving within ``timeout_s`` (TimeoutError):
    a client trickling bytes must not hold a connection slot for minutes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _BodyTooLarge
    chunks, size = [], 0
    async with asyncio.timeout(timeout_s):
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise _BodyTooLarge
            chunks.append(chunk)
    return b"".join(chunks)


def _named(value: str, limit: int = 64) -> str:
    """A name from the URL as it may be echoed back: escaped, and cut when long."""
    text = shown(value)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(value)} characters)"


def metrics_authorized(request: Request, token: str) -> bool:
    """Whether a /metrics request on the public port carries the configured bearer token."""
    if not token:
        return False
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


async def metrics_response(runtime: Runtime) -> Response:
    text = await asyncio.to_thread(runtime.metrics.render)
    return PlainTextResponse(text, media_type="text/plain; version=0.0.4; charset=utf-8")


def create_app(runtime: Runtime, adapters: Adapters) -> Starlette:
    server = runtime.config.server
    worker = InboxWorker(
        runtime.store,
        runtime.pipelines,
        lambda bot_id, channel: adapters.get((bot_id, channel)),
        runtime.metrics,
        concurrency=server.concurrency,
        coalesce_gap_s=server.coalesce_gap_s,
    )

    async def webhook(request: Request) -> Response:
        bot_id, channel = request.path_params["bot_id"], request.path_params["channel"]
        adapter = adapters.get((bot_id, channel))
        if adapter is None:
            known = bot_id in runtime.config.bots
            detail = (f"bot {_named(bot_id)} has no {_named(channel)} channel configured" if known
                      else f"unknown bot {_named(bot_id)}")  # fmt: skip
            return PlainTextResponse(detail, status_code=404)
        try:
            body = await _read_body(request, server.max_body_bytes, server.body_timeout_s)
        except _BodyTooLarge:
            runtime.metrics.inc("seabot_inbound_total", channel=channel, outcome="too_large")
            return PlainTextResponse("request body too large", status_code=413)
        except TimeoutError:
            runtime.metrics.inc("seabot_inbound_total", channel=channel, outcome="slow_body")
            log.info("request body too slow; closed", extra={"bot": bot_id, "channel": channel})
            return PlainTextResponse("request body too slow", status_code=408, headers={"Connection": "close"})
        except ClientDisconnect:
            runtime.metrics.inc("seabot_inbound_total", channel=channel, outcome="client_gone")
            log.info("client went away before sending its body", extra={"bot": bot_id, "channel": channel})
            return Response(status_code=400)  # nobody is left to read it
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

    async def metrics(request: Request) -> Response:
        # This port faces the internet: metrics only with the bearer token; without one they
        # are served on the console's own listener.
        if not metrics_authorized(request, server.metrics_token):
            return PlainTextResponse("not found", status_code=404)
        return await metrics_response(runtime)

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

"""The console listener's app: ``/metrics`` (Prometheus) and ``/healthz`` for the merchant's
monitoring, on the loopback address by default."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from seabot.bots.runtime import Runtime
from seabot.bots.server import metrics_response

__all__ = ["create_console_app"]


def create_console_app(runtime: Runtime) -> Starlette:
    async def metrics(_: Request) -> Response:
        return await metrics_response(runtime)

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok", "bots": sorted(runtime.config.bots)})

    return Starlette(routes=[Route("/metrics", metrics, methods=["GET"]), Route("/healthz", healthz, methods=["GET"])])

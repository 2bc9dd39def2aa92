"""A real loopback HTTP server playing an OpenAI-compatible chat API, scripted per test.

Each model answers from its own script: ``answer(...)``, ``stall(s)``, ``status(429,
retry_after=...)``, ``status(500)``, ``status(401)``, ``raw("garbage")``, ``refusal(...)``
(``content: null`` with a refusal) or ``error_object(...)`` (a 200 whose body is an error);
when a model's script is empty it keeps doing its ``always`` behaviour (by default: a normal
answer). A request with ``"stream": true`` is answered as server-sent chunks, with the usage
only in the last chunk (as OpenAI does with ``stream_options.include_usage``).

Provider-wide traits, for two stand-ins that differ: ``delay_s`` before every answer,
``fail_rate`` (a seeded share of requests answered 503), ``down`` (every request 503), and
``reject(model, "temperature")`` (the model answers 400 naming the parameter, as OpenAI's
reasoning models do). The server runs uvicorn on 127.0.0.1 with an OS-chosen port, in a
background thread.
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

__all__ = [
    "Behaviour", "FakeLLM", "answer", "stall", "status", "raw", "refusal", "error_object", "serve_fake_llm",
    "free_port",
    "FakeClock",
]  # fmt: skip


@dataclass(frozen=True)
class Behaviour:
    kind: str  # answer | stall | status | raw | refusal | error_object
    text: str = ""
    tokens_in: int = 0
    tokens_out: int = 0
    seconds: float = 0.0
    code: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None


def answer(text: str = "", tokens_in: int = 100, tokens_out: int = 20) -> Behaviour:
    return Behaviour("answer", text=text, tokens_in=tokens_in, tokens_out=tokens_out)


def stall(seconds: float = 5.0) -> Behaviour:
    return Behaviour("stall", seconds=seconds)


def status(code: int, *, retry_after: str | None = None, body: str | None = None) -> Behaviour:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return Behaviour("status", code=code, headers=headers, body=body)


def raw(
    body: str, code: int = 200, content_type: str = "application/json", headers: dict[str, str] | None = None
) -> Behaviour:
    return Behaviour("raw", body=body, code=code, headers={"content-type": content_type, **(headers or {})})


def refusal(text: str = "I'm sorry, I can't help with that.") -> Behaviour:
    return Behaviour("refusal", text=text)


def error_object(
    message: str = "The server had an error", *, code: object = None, kind: str = "server_error"
) -> Behaviour:
    error = {"message": message, "type": kind, "param": None, "code": code}
    return Behaviour("error_object", body=json.dumps({"error": error}))


@dataclass(frozen=True)
class Seen:
    model: str
    body: dict[str, Any]
    authorization: str | None


class FakeLLM:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._scripts: dict[str, deque[Behaviour]] = {}
        self._always: dict[str, Behaviour] = {}
        self.requests: list[Seen] = []
        self.webhooks: list[dict[str, Any]] = []  # JSON bodies POSTed to /hooks/handoff
        self.base_url = ""
        self.root = ""
        self.delay_s = 0.0  # before every answer
        self.fail_rate = 0.0  # share of requests answered 503, drawn from a seeded random source
        self.down = False  # every request answered 503
        self.chunk_delay_s = 0.0  # between a streamed answer's chunks
        self._rand = random.Random(11)
        self._rejects: dict[str, set[str]] = {}

    def reject(self, model: str, parameter: str) -> None:
        """``model`` answers 400 to a request carrying ``parameter`` (OpenAI's wording)."""
        with self._lock:
            self._rejects.setdefault(model, set()).add(parameter)

    def script(self, model: str, *behaviours: Behaviour) -> None:
        with self._lock:
            self._scripts.setdefault(model, deque()).extend(behaviours)

    def always(self, model: str, behaviour: Behaviour) -> None:
        with self._lock:
            self._always[model] = behaviour

    def calls(self, model: str | None = None) -> list[Seen]:
        with self._lock:
            return [seen for seen in self.requests if model is None or seen.model == model]

    def _next(self, model: str) -> Behaviour:
        with self._lock:
            queue = self._scripts.get(model)
            if queue:
                return queue.popleft()
            return self._always.get(model, answer(f"answer from {model}"))

    async def chat(self, request: Request) -> Response:
        raw_body = await request.body()
        try:
            body = json.loads(raw_body)
        except ValueError:
            return JSONResponse({"error": {"message": "bad json"}}, status_code=400)
        model = str(body.get("model"))
        with self._lock:
            self.requests.append(Seen(model, body, request.headers.get("authorization")))
            rejected = sorted(self._rejects.get(model, set()) & set(body))
            failing = self.down or (self.fail_rate > 0 and self._rand.random() < self.fail_rate)
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if failing:
            return JSONResponse({"error": {"message": "provider overloaded", "type": "server_error"}}, status_code=503)
        if rejected:
            param = rejected[0]
            error = {
                "message": f"Unsupported parameter: '{param}' is not supported with this model.",
                "type": "invalid_request_error", "param": param, "code": "unsupported_parameter",
            }  # fmt: skip
            return JSONResponse({"error": error}, status_code=400)
        behaviour = self._next(model)
        if behaviour.kind == "stall":
            await asyncio.sleep(behaviour.seconds)
            behaviour = answer("too late")
        if body.get("stream") and behaviour.kind in ("answer", "refusal", "error_object"):
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            return _stream(model, behaviour, include_usage, self.chunk_delay_s)
        if behaviour.kind == "refusal":
            message = {"role": "assistant", "content": None, "refusal": behaviour.text}
            return JSONResponse({"id": "chatcmpl-test", "object": "chat.completion", "model": model,
                                 "choices": [{"index": 0, "message": message, "finish_reason": "stop"}]})  # fmt: skip
        if behaviour.kind == "error_object":
            return Response(behaviour.body or "{}", status_code=200, media_type="application/json")
        if behaviour.kind == "answer":
            return JSONResponse(
                {
                    "id": "chatcmpl-test",
                    "object": "chat.completion",
                    "model": model,
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": behaviour.text or f"answer from {model}"},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {
                        "prompt_tokens": behaviour.tokens_in,
                        "completion_tokens": behaviour.tokens_out,
                        "total_tokens": behaviour.tokens_in + behaviour.tokens_out,
                    },
                }
            )
        if behaviour.kind == "status":
            body_text = behaviour.body or json.dumps({"error": {"message": f"status {behaviour.code}"}})
            return Response(
                body_text, status_code=behaviour.code, headers=behaviour.headers, media_type="application/json"
            )
        return Response(behaviour.body or "", status_code=behaviour.code, headers=behaviour.headers)

    async def hook(self, request: Request) -> Response:
        with self._lock:
            self.webhooks.append(json.loads(await request.body()))
        return JSONResponse({"ok": True})


def _stream(model: str, behaviour: Behaviour, include_usage: bool, chunk_delay_s: float = 0.0) -> StreamingResponse:
    def event(payload: object) -> str:
        return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"

    def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
        return event({"id": "chatcmpl-test", "object": "chat.completion.chunk", "model": model,
                      "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})  # fmt: skip

    async def body() -> Any:
        yield ": keep-alive\n\n"
        if behaviour.kind == "error_object":
            yield f"data: {behaviour.body}\n\n"
            return
        yield chunk({"role": "assistant", "content": ""})
        if behaviour.kind == "refusal":
            yield chunk({"refusal": behaviour.text})
        else:
            text = behaviour.text or f"answer from {model}"
            middle = len(text) // 2
            for part in (text[:middle], text[middle:]):
                yield chunk({"content": part})
                await asyncio.sleep(chunk_delay_s)
        yield chunk({}, "stop")
        if include_usage:  # usage only here, in a last chunk with no choices
            usage = {"prompt_tokens": behaviour.tokens_in, "completion_tokens": behaviour.tokens_out,
                     "total_tokens": behaviour.tokens_in + behaviour.tokens_out}  # fmt: skip
            yield event(
                {
                    "id": "chatcmpl-test",
                    "object": "chat.completion.chunk",
                    "model": model,
                    "choices": [],
                    "usage": usage,
                }
            )
        yield "data: [DONE]\n\n"

    return StreamingResponse(body(), media_type="text/event-stream")


class FakeClock:
    """Time that moves only when the code under test sleeps: backoff without waiting."""

    def __init__(self, start: float = 1_000.0) -> None:
        self.t = start
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds
        await asyncio.sleep(0)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve_fake_llm(port: int = 0) -> Iterator[FakeLLM]:
    """A stand-in on 127.0.0.1 (``port`` 0: one the OS picks; another: come back where one was)."""
    fake = FakeLLM()
    app = Starlette(
        routes=[
            Route("/v1/chat/completions", fake.chat, methods=["POST"]),
            Route("/hooks/handoff", fake.hook, methods=["POST"]),
        ]
    )
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, log_config=None, log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=1
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(500):
        if server.started:
            break
        threading.Event().wait(0.01)
    else:  # pragma: no cover
        raise RuntimeError("fake LLM server did not start")
    fake.root = f"http://127.0.0.1:{port}"
    fake.base_url = f"{fake.root}/v1"
    try:
        yield fake
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()

"""Reading what an OpenAI-compatible API sends back: a completion, a stream, an error object.

Providers differ in the details, and each difference here becomes a typed error or a correct
answer, never an empty one: ``content: null`` with a ``refusal`` is ``LLMRefused``; a 200 whose
body is ``{"error": {...}}`` (in a stream too) is the error it describes; usage may come only
in a stream's last chunk (with no choices); a 4xx naming a parameter the model does not take
is ``LLMUnsupportedParameter``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from seabot.core.llm.errors import (
    LLMAuthError,
    LLMBadResponse,
    LLMError,
    LLMRateLimited,
    LLMRefused,
    LLMRequestError,
    LLMServerError,
    LLMUnsupportedParameter,
)

__all__ = ["Completion", "StreamReader", "error_from_object", "parse_completion", "unsupported_parameter"]

OPTIONAL_PARAMETERS = ("temperature", "max_tokens", "max_completion_tokens", "stream_options")
_UNSUPPORTED_WORDS = ("unsupported", "not supported", "does not support", "not allowed", "unrecognized", "unknown")


@dataclass(frozen=True, slots=True)
class Completion:
    text: str
    model: str
    tokens_in: int
    tokens_out: int


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _message(error: object) -> str:
    message = error.get("message") if isinstance(error, dict) else error
    return message.strip()[:200] if isinstance(message, str) else ""


def unsupported_parameter(error: object, sent: set[str]) -> str | None:
    """The optional parameter we sent that a 4xx's error object says the model rejects, if any."""
    if not isinstance(error, dict):
        return None
    param = error.get("param")
    if isinstance(param, str) and param in sent and param in OPTIONAL_PARAMETERS:
        return param
    text = " ".join(str(error.get(k) or "") for k in ("message", "code", "type")).lower()
    if not any(word in text for word in _UNSUPPORTED_WORDS):
        return None
    for name in OPTIONAL_PARAMETERS:
        if name in sent and name in text:
            return name
    return None


def error_from_object(error: object, where: str, *, status: int, sent: set[str]) -> LLMError:
    """The typed error for an API's error object, whatever HTTP status carried it (200 included)."""
    message = _message(error)
    detail = f": {message}" if message else ""
    fields = error if isinstance(error, dict) else {}
    code = fields.get("code")
    kind = f"{fields.get('type') or ''} {code or ''}".lower()
    claimed = status
    if status == 200:  # the body's own status, when it gives one
        if isinstance(code, int) and 400 <= code < 600:
            claimed = code
        elif isinstance(code, str) and code.isdigit() and 400 <= int(code) < 600:
            claimed = int(code)
    via = " (in a 200 answer)" if status == 200 else ""
    if claimed in (401, 403) or "auth" in kind or "invalid_api_key" in kind or "permission" in kind:
        return LLMAuthError(
            f"{where}: the API rejected the key{via}{detail}; check the provider's api_key", status=claimed
        )
    if claimed == 429 or "rate_limit" in kind or "quota" in kind:
        return LLMRateLimited(f"{where}: rate limited{via}{detail}", status=claimed)
    param = unsupported_parameter(error, sent) if claimed < 500 else None
    if param is not None:
        return LLMUnsupportedParameter(f"{where}: the model does not take {param!r}{via}{detail}", parameter=param)
    if 400 <= claimed < 500 or "invalid_request" in kind:
        return LLMRequestError(f"{where}: request refused{via}{detail}", status=claimed)
    return LLMServerError(f"{where}: the provider reported an error{via}{detail}", status=claimed)


def parse_completion(data: object, model: str, where: str, *, sent: set[str]) -> Completion:
    """A non-streamed ``chat.completion`` body."""
    if isinstance(data, dict) and data.get("error") and not data.get("choices"):
        raise error_from_object(data["error"], where, status=200, sent=sent)
    if not isinstance(data, dict):
        raise LLMBadResponse(f"{where}: the answer has no choices[0].message")
    try:
        message = data["choices"][0]["message"]
    except (KeyError, IndexError, TypeError) as exc:
        raise LLMBadResponse(f"{where}: the answer has no choices[0].message") from exc
    if not isinstance(message, dict):
        raise LLMBadResponse(f"{where}: the answer's message is not an object")
    usage = data["usage"] if isinstance(data.get("usage"), dict) else {}
    text = _text_or_raise(message.get("content"), message.get("refusal"), where)
    return Completion(
        text=text,
        model=str(data.get("model") or model),
        tokens_in=_count(usage.get("prompt_tokens")),
        tokens_out=_count(usage.get("completion_tokens")),
    )


def _text_or_raise(content: object, refusal: object, where: str) -> str:
    if isinstance(content, list):  # content parts: [{"type": "text", "text": "..."}]
        content = "".join(str(p.get("text") or "") for p in content if isinstance(p, dict))
    if isinstance(content, str) and content.strip():
        return content.strip()
    if isinstance(refusal, str) and refusal.strip():
        raise LLMRefused(f"{where}: the model declined to answer: {refusal.strip()[:200]}")
    raise LLMBadResponse(f"{where}: the answer's content is empty")


@dataclass(slots=True)
class StreamReader:
    """Server-sent ``chat.completion.chunk`` events, one ``data:`` line at a time."""

    where: str
    model: str
    sent: set[str]
    parts: list[str] = field(default_factory=list)
    refusal: list[str] = field(default_factory=list)
    usage: dict[str, Any] = field(default_factory=dict)
    done: bool = False

    def feed(self, line: str) -> bool:
        """Read one line; True when it carried the answer's first text."""
        if not line.startswith("data:"):
            return False  # comments (": keep-alive"), event names, blank separators
        payload = line[5:].strip()
        if payload == "[DONE]":
            self.done = True
            return False
        try:
            chunk = json.loads(payload)
        except ValueError as exc:
            raise LLMBadResponse(f"{self.where}: a streamed chunk is not JSON") from exc
        if not isinstance(chunk, dict):
            raise LLMBadResponse(f"{self.where}: a streamed chunk is not an object")
        if chunk.get("error"):
            raise error_from_object(chunk["error"], self.where, status=200, sent=self.sent)
        if isinstance(chunk.get("usage"), dict):
            self.usage = chunk["usage"]
        if chunk.get("model"):
            self.model = str(chunk["model"])
        first = False
        for choice in chunk.get("choices") or ():
            delta = choice.get("delta") if isinstance(choice, dict) else None
            if not isinstance(delta, dict):
                continue
            content = delta.get("content")
            if isinstance(content, str) and content:
                first = not any(p.strip() for p in self.parts) and bool(content.strip())
                self.parts.append(content)
            if isinstance(delta.get("refusal"), str):
                self.refusal.append(delta["refusal"])
        return first

    def result(self) -> Completion:
        text = _text_or_raise("".join(self.parts), "".join(self.refusal), self.where)
        return Completion(
            text=text,
            model=self.model,
            tokens_in=_count(self.usage.get("prompt_tokens")),
            tokens_out=_count(self.usage.get("completion_tokens")),
        )

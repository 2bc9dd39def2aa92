"""JSON encoding of inbox payloads (inbound messages and stored replies)."""

from __future__ import annotations

import dataclasses
import json

from seabot.core.messages import ChatKind, InboundMessage, MessageKind, Reply

__all__ = ["dump_inbound", "load_inbound", "dump_reply", "load_reply"]


def dump_inbound(message: InboundMessage) -> str:
    return json.dumps(dataclasses.asdict(message), ensure_ascii=False)


def load_inbound(payload: str) -> InboundMessage:
    data = json.loads(payload)
    data["kind"] = MessageKind(data["kind"])
    data["chat_kind"] = ChatKind(data["chat_kind"])
    return InboundMessage(**data)


def dump_reply(reply: Reply | None) -> str | None:
    return None if reply is None else json.dumps(dataclasses.asdict(reply), ensure_ascii=False)


def load_reply(payload: str | None) -> Reply | None:
    return None if payload is None else Reply(**json.loads(payload))

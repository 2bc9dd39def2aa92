"""A WeChat Official Account message (wechatpy's parsed object) as an ``InboundMessage``."""

from __future__ import annotations

from dataclasses import dataclass

from wechatpy import parse_message
from wechatpy.events import BaseEvent
from wechatpy.messages import BaseMessage

from seabot.adapters.base import BadRequestError
from seabot.core.messages import ChatKind, InboundMessage, MessageKind

__all__ = ["CHANNEL", "Parsed", "parse_xml"]

CHANNEL = "wechat"
_KINDS = {
    "image": MessageKind.IMAGE,
    "voice": MessageKind.VOICE,
    "video": MessageKind.VIDEO,
    "shortvideo": MessageKind.VIDEO,
    "location": MessageKind.LOCATION,
    "file": MessageKind.FILE,
}
_GREETED_EVENTS = frozenset({"subscribe", "subscribe_scan"})


@dataclass(frozen=True, slots=True)
class Parsed:
    source: BaseMessage  # kept to build the passive reply
    message: InboundMessage | None
    ignored: str = ""


def parse_xml(xml: bytes, *, bot_id: str, received_at: float) -> Parsed:
    """``xml`` must already have been read safely (see ``verify.safe_xml``)."""
    try:
        return _parse(xml, bot_id=bot_id, received_at=received_at)
    except BadRequestError:
        raise
    except Exception as exc:  # wechatpy converts fields lazily: KeyError, ValueError, AttributeError …
        raise BadRequestError(f"not a WeChat message: {type(exc).__name__}") from exc


def _parse(xml: bytes, *, bot_id: str, received_at: float) -> Parsed:
    source = parse_message(xml.decode("utf-8"))
    if source is None or not source.source:
        raise BadRequestError("message without FromUserName")
    openid = str(source.source)
    text = ""
    if isinstance(source, BaseEvent):
        event = str(getattr(source, "event", "") or "")
        if event not in _GREETED_EVENTS:
            return Parsed(source, None, f"event {event}")
        kind = MessageKind.FOLLOW
        key = f"event:{openid}:{source.time}:{event}"
    else:
        key = f"msg:{source.id}" if source.id else f"msg:{openid}:{source.time}"
        if source.type == "text":
            kind, text = MessageKind.TEXT, str(getattr(source, "content", "") or "")
        elif source.type == "voice" and getattr(source, "recognition", None):
            kind, text = MessageKind.TEXT, str(source.recognition)  # WeChat's speech recognition
        else:
            kind = _KINDS.get(source.type, MessageKind.OTHER)
    return Parsed(
        source,
        InboundMessage(
            bot_id=bot_id,
            channel=CHANNEL,
            message_id=key,
            user_id=openid,
            chat_id=openid,
            text=text,
            kind=kind,
            chat_kind=ChatKind.PRIVATE,
            received_at=received_at,
        ),
    )

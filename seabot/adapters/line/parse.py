"""LINE webhook events (line-bot-sdk v3 models) as channel-neutral ``InboundMessage``s."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from linebot.v3.webhooks import (
    AudioMessageContent,
    Event,
    FileMessageContent,
    FollowEvent,
    GroupSource,
    ImageMessageContent,
    JoinEvent,
    LocationMessageContent,
    MessageEvent,
    PostbackEvent,
    RoomSource,
    Source,
    StickerMessageContent,
    TextMessageContent,
    UserMentionee,
    UserSource,
    VideoMessageContent,
)

from seabot.core.messages import ChatKind, InboundMessage, MessageKind

__all__ = ["CHANNEL", "Parsed", "parse_event", "sdk_event"]

CHANNEL = "line"
_KINDS: tuple[tuple[type, MessageKind], ...] = (
    (TextMessageContent, MessageKind.TEXT),
    (StickerMessageContent, MessageKind.STICKER),
    (ImageMessageContent, MessageKind.IMAGE),
    (VideoMessageContent, MessageKind.VIDEO),
    (AudioMessageContent, MessageKind.VOICE),
    (FileMessageContent, MessageKind.FILE),
    (LocationMessageContent, MessageKind.LOCATION),
)


@dataclass(frozen=True, slots=True)
class Parsed:
    message: InboundMessage | None
    ignored: str = ""
    redelivery: bool = False
    # A group text that neither mentions the bot nor is a command, but quotes a message:
    # it is addressed to the bot only if the bot sent that message (the adapter checks).
    quoted_message_id: str | None = None


def sdk_event(parsed: object, raw: Mapping[str, Any]) -> object:
    """The SDK's typed event; for a message the SDK could not read because it lacks the
    ``quoteToken`` that real LINE always sends (the SDK's own test payloads omit it), the
    raw event is read again with an empty quote token."""
    if type(parsed).__name__ != "UnknownEvent" or raw.get("type") != "message":
        return parsed
    message = raw.get("message")
    if not isinstance(message, dict) or "quoteToken" in message:
        return parsed
    patched = copy.deepcopy(dict(raw))
    patched["message"]["quoteToken"] = ""
    try:
        return Event.from_dict(patched)
    except Exception:  # noqa: BLE001 - still unreadable: leave it unknown
        return parsed


def _chat(source: Source | None) -> tuple[str, str, ChatKind] | None:
    """(user id, chat id, kind): the conversation is the group or room, else the user."""
    if isinstance(source, GroupSource):
        return source.user_id or "", source.group_id, ChatKind.GROUP
    if isinstance(source, RoomSource):
        return source.user_id or "", source.room_id, ChatKind.GROUP
    if isinstance(source, UserSource) and source.user_id:
        return source.user_id, source.user_id, ChatKind.PRIVATE
    return None


def _addressed(content: TextMessageContent) -> tuple[bool, str]:
    """Whether a group text mentions the bot or is a command, and the text without the mention."""
    text = content.text
    mentionees = content.mention.mentionees if content.mention else []
    for mentionee in mentionees:
        if isinstance(mentionee, UserMentionee) and mentionee.is_self:
            start, end = mentionee.index, mentionee.index + mentionee.length
            return True, (text[:start] + text[end:]).strip()
    return text.lstrip().startswith("/"), text


def parse_event(event: object, *, bot_id: str, received_at: float) -> Parsed:
    if not isinstance(event, (MessageEvent, FollowEvent, JoinEvent, PostbackEvent)):
        return Parsed(None, f"event {getattr(event, 'type', type(event).__name__)}")
    chat = _chat(event.source)
    if chat is None:
        return Parsed(None, "event without a usable source")
    user_id, chat_id, chat_kind = chat
    text = ""
    message_id = ""
    if isinstance(event, MessageEvent):
        message_id = f"{event.message.type}:{event.message.id}"
        kind = next((k for cls, k in _KINDS if isinstance(event.message, cls)), MessageKind.OTHER)
        quoted = None
        if isinstance(event.message, TextMessageContent):
            addressed, text = _addressed(event.message)
            quoted = event.message.quoted_message_id
        else:
            addressed = False
        if chat_kind is ChatKind.GROUP and not addressed and not quoted:
            return Parsed(None, "group message not addressed to the bot")
        if addressed or chat_kind is ChatKind.PRIVATE:
            quoted = None
    elif isinstance(event, PostbackEvent):
        kind, text = MessageKind.POSTBACK, event.postback.data  # button data, never customer text
    else:  # followed by a user, or added to a group or room: greet
        kind = MessageKind.FOLLOW
    redelivery = bool(event.delivery_context and event.delivery_context.is_redelivery)
    # webhookEventId is unique per event and kept on redelivery; the type and message id only
    # separate the SDK's sample events, which all share one placeholder webhookEventId.
    key = ":".join(part for part in (event.webhook_event_id, event.type, message_id) if part)
    return Parsed(
        InboundMessage(
            bot_id=bot_id,
            channel=CHANNEL,
            message_id=key,
            user_id=user_id,
            chat_id=chat_id,
            text=text,
            kind=kind,
            chat_kind=chat_kind,
            reply_handle=json.dumps({"reply_token": event.reply_token}) if event.reply_token else None,
            received_at=received_at,
        ),
        redelivery=redelivery,
        quoted_message_id=quoted if isinstance(event, MessageEvent) else None,
    )
